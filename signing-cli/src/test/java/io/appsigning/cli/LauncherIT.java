package io.appsigning.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/appsign, the launcher vendors and operators run: on this JDK (17, which has the incubating
 * foreign-function module) verify hashes with the system's OpenSSL, prints nothing of the module
 * on standard error, keeps every exit status, and falls back to the JDK's SHA-512 (with its whole
 * JIT) wherever libcrypto cannot be used.
 */
class LauncherIT {

    @TempDir
    Path dir;
    Path store;
    Path app;

    record Run(int code, String out, String err) {}

    Run launcher(Map<String, String> environment, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("sh", Path.of("bin", "appsign").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile());
        Map<String, String> env = builder.environment();
        env.put("APPSIGN_JAR", Path.of(System.getProperty("appsign.jar", "target/appsign.jar")).toAbsolutePath().toString());
        env.put("APPSIGN_CDS_DIR", dir.resolve("cds").toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("JAVA_OPTS", "-Xmx64m");
        env.remove("APPSIGN_LIBCRYPTO");
        env.putAll(environment);
        Process process = builder.start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as(String.join(" ", args)).isTrue();
        return new Run(process.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    Run launcher(String... args) throws Exception {
        return launcher(Map.of(), args);
    }

    @BeforeEach
    void signedApp() throws Exception {
        assumeTrue(Files.exists(Path.of(System.getProperty("java.home"), "release")), "a JDK without a release file");
        Path keys = dir.resolve("keys");
        assertThat(launcher("keygen", "--out", keys.toString(), "--subject", "CN=Launcher Vendor").code()).isZero();
        store = Files.createDirectory(dir.resolve("truststore"));
        Files.copy(keys.resolve("signing.crt"), store.resolve("vendor.crt"));
        app = dir.resolve("app.jar");
        byte[] bytes = new byte[3 * 1024 * 1024 + 5];
        new java.util.SplittableRandom(3).nextBytes(bytes);
        Files.write(app, bytes);
        Run sign = launcher("sign", "--key", keys.resolve("signing.key").toString(), "--in", app.toString());
        assertThat(sign.code()).as(sign.err()).isZero();
    }

    private static boolean jdkHasTheModule() throws Exception {
        return Files.readString(Path.of(System.getProperty("java.home"), "release"), StandardCharsets.UTF_8)
                .contains("jdk.incubator.foreign");
    }

    @Test
    void verifyHashesWithOpenSslAndStandardErrorStaysClean() throws Exception {
        assumeTrue(jdkHasTheModule(), "this JDK has no jdk.incubator.foreign (JDK 17 and 18 have it)");
        assumeTrue(NativeHashing.candidates(System.getProperty("os.arch")).stream().anyMatch(Files::exists), "no libcrypto");
        Run version = launcher("--version");
        assertThat(version.code()).isZero();
        assertThat(version.out().lines()).hasSize(2);
        assertThat(version.out().lines().skip(1).findFirst().orElseThrow()).startsWith("SHA-512 of apps: OpenSSL ");
        assertThat(version.err()).isEmpty();

        // The first run records the class-data archive, the second maps it: the same answer both times.
        for (int run = 0; run < 2; run++) {
            Run verified = launcher("verify", "--trust-store", store.toString(), "--in", app.toString());
            assertThat(verified.code()).as(verified.err()).isZero();
            assertThat(verified.out()).startsWith("VERIFIED: ");
            assertThat(verified.err()).as("no word of the incubating module").isEmpty();
        }
        assertThat(Files.list(dir.resolve("cds")).map(p -> p.getFileName().toString()))
                .anyMatch(name -> name.endsWith("-verify-ffm.jsa"));

        byte[] bytes = Files.readAllBytes(app);
        bytes[bytes.length - 1] ^= 1;
        Files.write(app, bytes);
        Run rejected = launcher("verify", "--trust-store", store.toString(), "--in", app.toString(), "--json");
        assertThat(rejected.code()).isEqualTo(1);
        assertThat(rejected.out()).contains("\"reason\" : \"SIGNATURE_MISMATCH\"");
        assertThat(rejected.err()).isEmpty();

        Run missing = launcher("verify", "--trust-store", store.toString(), "--in", dir.resolve("nothing.jar").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).isEqualTo("appsign verify: the app " + dir.resolve("nothing.jar") + ": file not found\n");
        assertThat(missing.out()).isEmpty();
    }

    /**
     * A library that is not root's alone is refused: the JVM that counted on it exits at once and the
     * launcher runs verify again with the JDK's SHA-512 and its whole JIT; the answer is the same.
     */
    @Test
    void anUnusableLibcryptoFallsBackToTheJdk() throws Exception {
        assumeTrue(jdkHasTheModule(), "this JDK has no jdk.incubator.foreign");
        Path system = NativeHashing.candidates(System.getProperty("os.arch")).stream().filter(Files::exists).findFirst()
                .orElse(null);
        assumeTrue(system != null, "no libcrypto");
        Path copy = Files.copy(system.toRealPath(), dir.resolve("libcrypto.so.3"));
        Map<String, String> unsafe = Map.of("APPSIGN_LIBCRYPTO", copy.toString());
        Run version = launcher(unsafe, "--version");
        assertThat(version.out()).contains("SHA-512 of apps: the JDK's (libcrypto not used: ");
        assertThat(version.err()).isEmpty();
        Run verified = launcher(unsafe, "verify", "--trust-store", store.toString(), "--in", app.toString());
        assertThat(verified.code()).as(verified.err()).isZero();
        assertThat(verified.out()).startsWith("VERIFIED: ");
        assertThat(verified.err()).isEmpty();

        Map<String, String> off = Map.of("APPSIGN_LIBCRYPTO", "off");
        assertThat(launcher(off, "--version").out()).contains("SHA-512 of apps: the JDK's (APPSIGN_LIBCRYPTO=off)");
        assertThat(launcher(off, "verify", "--trust-store", store.toString(), "--in", app.toString()).code()).isZero();
    }

    /** 1 GiB (sparse) through the launcher with a 64 MiB heap: four 1 MiB buffers, whatever the size. */
    @Test
    void oneGibibyteVerifiesUnderXmx64m() throws Exception {
        Path big = dir.resolve("big.jar");
        try (RandomAccessFile file = new RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(1L << 30);
            file.seek(12345);
            file.write(9);
        }
        Run sign = launcher("sign", "--key", dir.resolve("keys/signing.key").toString(), "--in", big.toString());
        assertThat(sign.code()).as(sign.err()).isZero();
        Run verified = launcher("verify", "--trust-store", store.toString(), "--in", big.toString());
        assertThat(verified.code()).as(verified.err()).isZero();
        assertThat(verified.out()).startsWith("VERIFIED: ");
        assertThat(verified.err()).isEmpty();
        Map<String, String> env = new HashMap<>();
        env.put("APPSIGN_LIBCRYPTO", "off");
        assertThat(launcher(env, "verify", "--trust-store", store.toString(), "--in", big.toString()).out()).startsWith("VERIFIED: ");
    }
}
