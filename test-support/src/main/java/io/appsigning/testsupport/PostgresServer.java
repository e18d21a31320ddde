package io.appsigning.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for tests: its own cluster in a temporary folder, on a free loopback
 * port, with trust authentication for the user {@code appsign}. No system service, no container, no
 * fixed port, so that test runs (and worktrees) side by side never meet.
 *
 * <p>PostgreSQL refuses to run as root; where the tests run as root, the server runs as the
 * {@code postgres} system user (Debian's package creates it) and the folder belongs to it.
 */
public final class PostgresServer implements AutoCloseable {

    /** The database user; the server trusts it on loopback, so there is no password. */
    public static final String USER = "appsign";
    private static final Path INSTALLATIONS = Path.of("/usr/lib/postgresql");
    private static final String SYSTEM_USER = "postgres";

    private final Path bin;
    private final Path folder;
    private final Path data;
    private final int port;
    private final List<String> asServerUser;
    private Process postmaster;
    private final AtomicInteger databases = new AtomicInteger();
    private boolean stopped;

    private PostgresServer(Path bin, Path folder, int port, List<String> asServerUser, Process postmaster) {
        this.bin = bin;
        this.folder = folder;
        this.data = folder.resolve("data");
        this.port = port;
        this.asServerUser = asServerUser;
        this.postmaster = postmaster;
    }

    /** Makes a new cluster, starts it and creates the database {@code appsign}. */
    public static PostgresServer start() throws IOException, InterruptedException {
        Path bin = binaries();
        boolean root = isRoot();
        // setpriv execs: the server process is the postmaster itself, so pausing it pauses the server
        // (runuser would stay in between as a parent that stops with it).
        List<String> prefix = root
                ? List.of("setpriv", "--reuid=" + SYSTEM_USER, "--regid=" + SYSTEM_USER, "--init-groups")
                : List.of();
        Path folder = Files.createTempDirectory("appsign-pg-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            if (root) {
                run(List.of("chown", SYSTEM_USER + ":", folder.toString()), folder, "give the folder to " + SYSTEM_USER);
            }
            Path data = folder.resolve("data");
            List<String> initdb = new ArrayList<>(prefix);
            initdb.addAll(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER,
                    "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"));
            run(initdb, folder, "initdb");
            IOException last = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                int port = freePort();
                Process process = launch(bin, folder, port, prefix);
                PostgresServer server = new PostgresServer(bin, folder, port, prefix, process);
                try {
                    server.awaitReady();
                    server.createDatabase(USER);
                    return server;
                } catch (IOException e) {
                    // Most likely another process took the port between the probe and the start.
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    last = e;
                }
            }
            throw last;
        } catch (IOException | InterruptedException | RuntimeException e) {
            deleteTree(folder);
            throw e;
        }
    }

    private static Process launch(Path bin, Path folder, int port, List<String> prefix) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(bin.resolve("postgres").toString(), "-D", folder.resolve("data").toString(), "-p",
                Integer.toString(port), "-k", folder.toString(), "-c", "listen_addresses=127.0.0.1",
                // A test server: durability is not what is being tested, speed is welcome.
                "-c", "fsync=off", "-c", "max_connections=200"));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(folder.resolve("server.log").toFile())).start();
    }

    /**
     * Stops the server as an operator or a failing host would ({@code pg_ctl stop -m fast}), keeping
     * its data: connections are refused until {@link #startAgain()}.
     */
    public synchronized void shutDown() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(asServerUser);
        command.addAll(List.of(bin.resolve("pg_ctl").toString(), "stop", "-D", data.toString(), "-m", "fast", "-w"));
        run(command, folder, "pg_ctl stop");
        if (!postmaster.waitFor(30, TimeUnit.SECONDS)) {
            throw new IOException("PostgreSQL did not stop within 30 s");
        }
    }

    /** Starts the server that {@link #shutDown()} stopped, on the same port with the same data. */
    public synchronized void startAgain() throws IOException, InterruptedException {
        postmaster = launch(bin, folder, port, asServerUser);
        awaitReady();
    }

    /** The highest installed version's server binaries. */
    static Path binaries() {
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(INSTALLATIONS)) {
            try (DirectoryStream<Path> versions = Files.newDirectoryStream(INSTALLATIONS)) {
                for (Path version : versions) {
                    if (Files.isExecutable(version.resolve("bin/initdb")) && Files.isExecutable(version.resolve("bin/postgres"))) {
                        found.add(version.resolve("bin"));
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot list " + INSTALLATIONS + ": " + e.getMessage(), e);
            }
        }
        return found.stream().max(Comparator.comparing(PostgresServer::majorVersion)).orElseThrow(() ->
                new IllegalStateException("PostgreSQL's server binaries were not found (" + INSTALLATIONS
                        + "/*/bin/initdb): install them with 'apt-get install postgresql'. The tests start a"
                        + " throwaway server of their own; no running service is needed."));
    }

    private static double majorVersion(Path bin) {
        try {
            return Double.parseDouble(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean isRoot() throws IOException {
        // /proc/self belongs to the process's user: no 'id' process needed.
        return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!postmaster.isAlive()) {
                throw new IOException("PostgreSQL stopped while starting (exit " + postmaster.exitValue() + "): " + logTail());
            }
            Process ready = new ProcessBuilder(bin.resolve("pg_isready").toString(), "-q", "-h", "127.0.0.1", "-p",
                    Integer.toString(port), "-U", USER).redirectErrorStream(true).start();
            ready.getInputStream().readAllBytes();
            if (ready.waitFor() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IOException("PostgreSQL did not answer on port " + port + " within 30 s: " + logTail());
    }

    /** Creates another empty database and returns its JDBC URL: one per test keeps tests apart. */
    public String newDatabase() throws IOException, InterruptedException {
        String name = "appsign_" + databases.incrementAndGet();
        createDatabase(name);
        return jdbcUrl(name);
    }

    private void createDatabase(String name) throws IOException, InterruptedException {
        run(List.of(bin.resolve("createdb").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", USER,
                name), folder, "createdb " + name);
    }

    /** The JDBC URL of the database {@code appsign}. */
    public String jdbcUrl() {
        return jdbcUrl(USER);
    }

    private String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public int port() {
        return port;
    }

    /**
     * Simulates an outage: stops the postmaster and every backend (SIGSTOP), so that open
     * connections and new ones alike get no answer, as with a database host that went away.
     */
    public synchronized void pause() throws IOException, InterruptedException {
        // The postmaster first, so that it forks no new backend that would escape the signal.
        signal("-STOP", List.of(postmaster.pid()));
        signal("-STOP", children());
    }

    /** Ends {@link #pause()}. */
    public synchronized void resume() throws IOException, InterruptedException {
        signal("-CONT", children());
        signal("-CONT", List.of(postmaster.pid()));
    }

    private List<Long> children() {
        try (Stream<ProcessHandle> descendants = postmaster.toHandle().descendants()) {
            return descendants.map(ProcessHandle::pid).toList();
        }
    }

    private void signal(String signal, List<Long> pids) throws IOException, InterruptedException {
        if (pids.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("kill", signal));
        pids.forEach(pid -> command.add(Long.toString(pid)));
        // A backend that ended since it was listed is no failure.
        Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
        kill.getInputStream().readAllBytes();
        kill.waitFor();
    }

    /** Stops the server ({@code pg_ctl stop -m fast}) and removes its folder; idempotent. */
    public synchronized void stop() throws IOException, InterruptedException {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            resume();
            if (postmaster.isAlive()) {
                List<String> command = new ArrayList<>(asServerUser);
                command.addAll(List.of(bin.resolve("pg_ctl").toString(), "stop", "-D", data.toString(), "-m", "fast", "-w"));
                Process stop = new ProcessBuilder(command).redirectErrorStream(true).start();
                stop.getInputStream().readAllBytes();
                stop.waitFor(30, TimeUnit.SECONDS);
                if (!postmaster.waitFor(30, TimeUnit.SECONDS)) {
                    postmaster.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            deleteTree(folder);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        stop();
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(folder.resolve("server.log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no server log: " + e.getMessage() + ")";
        }
    }

    private static void run(List<String> command, Path folder, String what) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(what + " did not finish within 120 s");
        }
        if (process.exitValue() != 0) {
            throw new IOException(what + " failed (exit " + process.exitValue() + "): " + output.strip());
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
