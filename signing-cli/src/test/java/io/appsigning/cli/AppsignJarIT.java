package io.appsigning.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real, shaded appsign.jar in a child JVM, as a vendor or operator runs it. */
class AppsignJarIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path jar;

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    @BeforeAll
    static void findJar() {
        jar = Path.of(System.getProperty("appsign.jar", "target/appsign.jar"));
        assertThat(jar).as("the shaded jar is built by package, before this IT").exists();
    }

    static Run appsign(List<String> jvm, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvm);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        // Output is small; read both fully (stderr after stdout is fine at these sizes).
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("appsign %s", String.join(" ", args)).isTrue();
        return new Run(process.exitValue(), out, err);
    }

    static Run appsign(String... args) throws Exception {
        return appsign(List.of(), args);
    }

    @Test
    void keygenSignVerifyVersionAndAPlainError() throws Exception {
        Run version = appsign("--version");
        assertThat(version.code()).isZero();
        assertThat(version.out().lines().findFirst().orElse("")).matches("appsign \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");

        Path keys = dir.resolve("keys");
        Run keygen = appsign("keygen", "--out=" + keys, "--subject", "CN=Jar Vendor");
        assertThat(keygen.code()).as(keygen.err()).isZero();
        Path app = Files.write(dir.resolve("app.jar"), "a small app".getBytes(StandardCharsets.UTF_8));
        Run sign = appsign("sign", "--key", keys.resolve("signing.key").toString(), "--in", app.toString(), "--json");
        assertThat(sign.code()).as(sign.err()).isZero();
        assertThat(JSON.readTree(sign.out()).get("keySha256").asText()).hasSize(64);
        assertThat(sign.err()).isEmpty();

        Path store = Files.createDirectory(dir.resolve("truststore"));
        Run add = appsign("trust", "add", "--trust-store", store.toString(), keys.resolve("signing.crt").toString());
        assertThat(add.code()).as(add.err()).isZero();
        Run verify = appsign("verify", "--trust-store", store.toString(), "--in", app.toString(), "--json");
        assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
        assertThat(JSON.readTree(verify.out()).get("signer").get("subject").asText()).isEqualTo("CN=Jar Vendor");

        Files.writeString(app, "a changed app");
        Run rejected = appsign("verify", "--trust-store", store.toString(), "--in", app.toString());
        assertThat(rejected.code()).isEqualTo(1);
        assertThat(rejected.out()).startsWith("REJECTED SIGNATURE_MISMATCH");

        Run error = appsign("sign", "--key", app.toString(), "--in", app.toString());
        assertThat(error.code()).isEqualTo(2);
        assertThat(error.err()).startsWith("appsign sign: the key file " + app + " is not a private key")
                .doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(error.out()).isEmpty();
    }

    /**
     * trust add run by a non-root user who owns the folder (as the product user would, if it managed
     * its own trust store) warns; the files are still added, and trust list judges the folder unsafe.
     */
    @Test
    void trustAddWarnsANonRootOwnerOfTheFolder() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("user.name").equals("root"),
                "running the CLI as another user needs root (CI runs as root)");
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("setpriv", "--version").start().waitFor() == 0,
                "setpriv is not installed");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path store = Files.createDirectory(dir.resolve("truststore"));
        Files.setAttribute(store, "unix:uid", 65534);
        Path certificate = io.appsigning.testsupport.TestData.marketplaceCa().resolve(
                "marketplace_root_ca_v1.crt");
        List<String> asNobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Duser.name=nobody", "-jar", jar.toString());
        List<String> command = new ArrayList<>(asNobody);
        command.addAll(List.of("trust", "add", "--trust-store", store.toString(), certificate.toString()));
        Process process = new ProcessBuilder(command).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(out + err).isZero();
        assertThat(err).contains("warning: you (nobody) own " + store.toAbsolutePath()).contains("TRUST_STORE_UNSAFE");
        assertThat(out).contains("1 certificate added");
        Run list = appsign("trust", "list", "--trust-store", store.toString(), "--user", "nobody", "--json");
        assertThat(JSON.readTree(list.out()).get("safety").get("status").asText()).isEqualTo("CRITICAL");
        // Run by root, the same command does not warn.
        Run asRoot = appsign("trust", "add", "--trust-store", store.toString(), certificate.toString());
        assertThat(asRoot.err()).doesNotContain("warning");
    }

    /** 1 GiB signs and verifies with a 64 MiB heap: both read the app as a stream. */
    @Test
    void oneGibibyteSignsAndVerifiesUnderXmx64m() throws Exception {
        Path keys = dir.resolve("keys");
        assertThat(appsign("keygen", "--out", keys.toString()).code()).isZero();
        Path app = dir.resolve("big.jar");
        try (RandomAccessFile file = new RandomAccessFile(app.toFile(), "rw")) {
            file.setLength(1L << 30);
            file.seek((1L << 30) - 1);
            file.write(7);
        }
        List<String> small = List.of("-Xmx64m");
        Run sign = appsign(small, "sign", "--key", keys.resolve("signing.key").toString(), "--in", app.toString());
        assertThat(sign.code()).as(sign.err()).isZero();
        Path store = Files.createDirectory(dir.resolve("truststore"));
        Files.copy(keys.resolve("signing.crt"), store.resolve("vendor.crt"));
        Run verify = appsign(small, "verify", "--trust-store", store.toString(), "--in", app.toString());
        assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).startsWith("VERIFIED");
    }
}
