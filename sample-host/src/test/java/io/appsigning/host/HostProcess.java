package io.appsigning.host;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The real sample-host.jar, started as the README says, on a free port with its own home. Where the
 * tests run as root and the product user {@value #PRODUCT_USER} exists (CI creates it), the host runs
 * as that user with the configuration folder owned by root, exactly as the README tells an operator
 * to set it up; elsewhere it runs as the current user.
 */
final class HostProcess implements AutoCloseable {

    static final String PASSWORD = "correct horse battery staple";
    static final String PRODUCT_USER = System.getProperty("appsign.test.user", "appsign");

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
        return launch(home, PRODUCT_USER, List.of(), Map.of(), jvmOptions);
    }

    /**
     * One node of a Data Center cluster: its own home, the shared home and the cluster's database, as
     * the README's Data Center section starts it; as {@code user} where the tests can switch users.
     */
    static HostProcess startNode(Path home, Path sharedHome, String jdbcUrl, String nodeId, String user, String... jvmOptions)
            throws Exception {
        return launch(home, user, List.of("--shared-home", sharedHome.toString(), "--cluster-db", jdbcUrl, "--node-id", nodeId),
                Map.of("APPSIGN_DB_USER", "appsign", "APPSIGN_DB_PASSWORD", ""), jvmOptions);
    }

    private static HostProcess launch(Path home, String user, List<String> arguments, Map<String, String> environment,
                                      String... jvmOptions) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> command = new ArrayList<>();
        if (asProductUser()) {
            layOut(home, user);
            // setpriv execs java itself (no parent left between), so kill -9 reaches the product.
            command.addAll(List.of("setpriv", "--reuid=" + user, "--regid=" + PRODUCT_USER, "--init-groups"));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-jar", jar().toString(),
                "--home", home.toString(), "--port", Integer.toString(port)));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("APPSIGN_ADMIN_PASSWORD", PASSWORD);
        builder.environment().putAll(environment);
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
        boolean started;
        try {
            started = ready.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            started = false;
        }
        if (!started) {
            // Never leave a half-started host behind: it would hold the port and the home's lock.
            host.process.destroyForcibly().waitFor();
            throw new IllegalStateException("the host did not start:\n" + String.join("\n", host.output));
        }
        return host;
    }

    private static Path readableJar;

    /**
     * The jar to run. The product user may not be able to reach the build folder (a checkout under
     * root's home, say), so it gets a copy of its own in a folder it can read.
     */
    private static synchronized Path jar() throws IOException {
        Path built = Path.of(System.getProperty("sample.host.jar", "target/sample-host.jar")).toAbsolutePath();
        if (!asProductUser()) {
            return built;
        }
        if (readableJar == null) {
            Path folder = java.nio.file.Files.createTempDirectory("appsign-host-");
            java.nio.file.Files.setPosixFilePermissions(folder, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            readableJar = folder.resolve("sample-host.jar");
            java.nio.file.Files.copy(built, readableJar);
            java.nio.file.Files.setPosixFilePermissions(readableJar, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            folder.toFile().deleteOnExit();
            readableJar.toFile().deleteOnExit();
        }
        return readableJar;
    }

    /** Whether the host runs as the product user (root tests, the user present), as in production. */
    static boolean asProductUser() {
        return AS_PRODUCT_USER;
    }

    /** Asked once: whether this JVM is root and the product user exists. */
    private static final boolean AS_PRODUCT_USER = productUserAvailable();

    private static boolean productUserAvailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return false;
        }
        try {
            return new ProcessBuilder("id", "-u", PRODUCT_USER).redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The README's set-up: the home and its configuration folder owned by root and readable by all,
     * the product's own folders owned by the product user. Files already there are kept.
     */
    static void layOut(Path home) throws IOException, InterruptedException {
        layOut(home, PRODUCT_USER);
    }

    static void layOut(Path home, String user) throws IOException, InterruptedException {
        Path truststore = home.resolve("upmconfig/truststore");
        java.nio.file.Files.createDirectories(truststore);
        for (Path folder : List.of(home, home.resolve("upmconfig"), truststore)) {
            java.nio.file.Files.setPosixFilePermissions(folder, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path policy = home.resolve("upmconfig/signing.properties");
        if (!java.nio.file.Files.exists(policy)) {
            java.nio.file.Files.writeString(policy, "mode=WARN\n");
        }
        java.nio.file.Files.setPosixFilePermissions(policy, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        for (String own : List.of("data", "audit", "plugins")) {
            Path folder = home.resolve(own);
            java.nio.file.Files.createDirectories(folder);
            if (new ProcessBuilder("chown", "-R", user, folder.toString()).inheritIO().start().waitFor() != 0) {
                throw new IOException("could not give " + folder + " to " + user);
            }
        }
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
