package io.appsigning.host;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** The real sample-host.jar, started as the README says, on a free port with its own home. */
final class HostProcess implements AutoCloseable {

    static final String PASSWORD = "correct horse battery staple";

    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    final int port;
    final Path home;

    private HostProcess(Process process, int port, Path home) {
        this.process = process;
        this.port = port;
        this.home = home;
    }

    static HostProcess start(Path home, String... jvmOptions) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-jar", System.getProperty("sample.host.jar", "target/sample-host.jar"),
                "--home", home.toString(), "--port", Integer.toString(port)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("APPSIGN_ADMIN_PASSWORD", PASSWORD);
        HostProcess host = new HostProcess(builder.start(), port, home);
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(host.process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    host.output.add(line);
                    if (line.startsWith("Plugin manager: http://")) {
                        ready.complete(true);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            ready.complete(false);
        }, "host-output");
        reader.setDaemon(true);
        reader.start();
        if (!ready.get(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the host did not start:\n" + String.join("\n", host.output));
        }
        return host;
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    List<String> output() {
        return output;
    }

    /** kill -9: no shutdown hook runs, as after a crash or a power cut. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws Exception {
        process.destroy(); // SIGTERM: the shutdown hook stops the framework cleanly
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
