package io.appsigning.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user runs it: exit codes, output, files, and interoperation with openssl. */
class CliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path store;
    Path app;

    record Run(int code, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }
    }

    static Run appsign(String... args) {
        return run(new Main(Clock.systemUTC()), args);
    }

    static Run run(Main main, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = main.run(List.of(args),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String openssl(Path workDir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("openssl %s: %s", String.join(" ", args), output).isZero();
        return output;
    }

    static boolean hasOpenssl() {
        try {
            return new ProcessBuilder("openssl", "version").start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @BeforeEach
    void appAndStore() throws Exception {
        store = Files.createDirectory(dir.resolve("truststore"));
        app = dir.resolve("app.jar");
        byte[] bytes = new byte[200_000];
        new java.util.Random(7).nextBytes(bytes);
        Files.write(app, bytes);
    }

    /** Signs and asserts that signing succeeded: a failed sign must never pass unnoticed. */
    static Run sign(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "sign";
        System.arraycopy(args, 0, all, 1, args.length);
        Run run = appsign(all);
        assertThat(run.code()).as("sign %s: %s", String.join(" ", args), run.err()).isZero();
        return run;
    }

    private Path keygen(String subject) {
        Path keys = dir.resolve("keys-" + subject.hashCode());
        assertThat(appsign("keygen", "--out", keys.toString(), "--subject", subject).code()).isZero();
        return keys;
    }

    @Nested
    class KeygenSignVerify {

        @Test
        void aSignedAppVerifiesAndATamperedOneDoesNot() throws Exception {
            Path keys = keygen("CN=Acme Vendor");
            Files.copy(keys.resolve("signing.crt"), store.resolve("acme.crt"));
            sign("--key", keys.resolve("signing.key").toString(), "--in", app.toString());
            Run ok = appsign("verify", "--trust-store", store.toString(), "--in", app.toString(), "--json");
            assertThat(ok.code()).isZero();
            assertThat(ok.json().get("verified").asBoolean()).isTrue();
            assertThat(ok.json().get("reason").asText()).isEqualTo("VERIFIED");
            assertThat(ok.json().get("flow").asText()).isEqualTo("CUSTOM");
            assertThat(ok.json().get("signer").get("subject").asText()).isEqualTo("CN=Acme Vendor");
            assertThat(ok.json().get("signer").get("sha256").asText()).hasSize(64);
            assertThat(ok.json().get("message").asText()).isNotBlank();

            byte[] bytes = Files.readAllBytes(app);
            bytes[100] ^= 1;
            Files.write(app, bytes);
            Run bad = appsign("verify", "--trust-store", store.toString(), "--in", app.toString(), "--json");
            assertThat(bad.code()).isEqualTo(1);
            assertThat(bad.json().get("reason").asText()).isEqualTo("SIGNATURE_MISMATCH");
            assertThat(bad.json().get("signer").isNull()).isTrue();
        }

        @Test
        void keygenWritesAPrivateKeyOnlyTheOwnerCanReadAndNeverOverwrites() throws Exception {
            Path keys = keygen("CN=Acme Vendor");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("signing.key")))).isEqualTo("rw-------");
            assertThat(Files.readString(keys.resolve("signing.crt"))).startsWith("-----BEGIN CERTIFICATE-----");
            String key = Files.readString(keys.resolve("signing.key"));
            Run again = appsign("keygen", "--out", keys.toString());
            assertThat(again.code()).isEqualTo(2);
            assertThat(again.err()).contains("refusing to overwrite");
            assertThat(Files.readString(keys.resolve("signing.key"))).isEqualTo(key);
            try (var files = Files.list(keys)) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("signing.key", "signing.crt");
            }
        }

        @Test
        void theMarketplaceFormCarriesTheCertificate() throws Exception {
            Path keys = keygen("CN=Acme Vendor");
            Path sig = dir.resolve("out.sig");
            sign("--key", keys.resolve("signing.key").toString(), "--cert",
                    keys.resolve("signing.crt").toString(), "--in", app.toString(), "--out", sig.toString());
            JsonNode file = JSON.readTree(sig.toFile());
            assertThat(file.get("certificate").asText()).startsWith("LS0t");
            // A self-signed, non-CA certificate cannot anchor its own leaf: the marketplace flow needs a CA.
            Files.copy(keys.resolve("signing.crt"), store.resolve("self.crt"));
            Run run = appsign("verify", "--trust-store", store.toString(), "--in", app.toString(), "--sig", sig.toString(), "--json");
            assertThat(run.json().get("flow").asText()).isEqualTo("MARKETPLACE");
            assertThat(run.json().get("reason").asText()).isEqualTo("UNTRUSTED_CERTIFICATE");
            Path other = keygen("CN=Other");
            Run mismatch = appsign("sign", "--key", other.resolve("signing.key").toString(), "--cert",
                    keys.resolve("signing.crt").toString(), "--in", app.toString());
            assertThat(mismatch.code()).isEqualTo(2);
            assertThat(mismatch.err()).contains("is not the certificate of the key file " + other.resolve("signing.key"));
        }

        @Test
        void reasonCodesAndExitCodes() throws Exception {
            Path keys = keygen("CN=Acme Vendor");
            Files.copy(keys.resolve("signing.crt"), store.resolve("acme.crt"));
            String s = store.toString();
            String a = app.toString();
            Run missing = appsign("verify", "--trust-store", s, "--in", a, "--json");
            assertThat(missing.code()).isEqualTo(1);
            assertThat(missing.json().get("reason").asText()).isEqualTo("MISSING_SIGNATURE");

            Files.writeString(dir.resolve("app.jar.sig"), "{\"signature\": 1}");
            assertThat(appsign("verify", "--trust-store", s, "--in", a, "--json").json().get("reason").asText())
                    .isEqualTo("MALFORMED_SIGNATURE_FILE");

            sign("--key", keys.resolve("signing.key").toString(), "--in", a);
            assertThat(appsign("verify", "--trust-store", s, "--in", a, "--at", "2099-01-01T00:00:00Z", "--json")
                    .json().get("reason").asText()).isEqualTo("NO_TRUSTED_CERTIFICATES");

            String appDigest = sha256(Files.readAllBytes(app));
            Path deny = Files.writeString(dir.resolve("denylist"), "# bad build\n" + appDigest + "\n");
            Run revoked = appsign("verify", "--trust-store", s, "--in", a, "--denylist", deny.toString(), "--json");
            assertThat(revoked.code()).isEqualTo(1);
            assertThat(revoked.json().get("reason").asText()).isEqualTo("REVOKED");

            Path empty = Files.createDirectory(dir.resolve("empty"));
            assertThat(appsign("verify", "--trust-store", empty.toString(), "--in", a, "--json").json().get("reason").asText())
                    .isEqualTo("NO_TRUSTED_CERTIFICATES");
        }

        @Test
        void usageErrorsAndUnreadableInputsExitWithTwo() throws Exception {
            assertThat(appsign().code()).isEqualTo(2);
            assertThat(appsign("frobnicate").code()).isEqualTo(2);
            assertThat(appsign("verify", "--in", app.toString()).err()).contains("--trust-store is required");
            assertThat(appsign("verify", "--trust-store", store.toString(), "--in", app.toString(), "--bogus").code()).isEqualTo(2);
            assertThat(appsign("verify", "--trust-store", store.toString(), "--in", dir.resolve("absent.jar").toString()).code()).isEqualTo(2);
            assertThat(appsign("verify", "--trust-store", dir.resolve("absent").toString(), "--in", app.toString()).code()).isEqualTo(2);
            assertThat(appsign("verify", "--trust-store", store.toString(), "--in", app.toString(), "--at", "tomorrow").code()).isEqualTo(2);
            Path badDeny = Files.writeString(dir.resolve("bad-deny"), "zzz\n");
            Run deny = appsign("verify", "--trust-store", store.toString(), "--in", app.toString(), "--denylist", badDeny.toString());
            assertThat(deny.code()).isEqualTo(2);
            assertThat(deny.err()).contains("line 1");
            assertThat(appsign("sign", "--key", app.toString(), "--in", app.toString()).code()).isEqualTo(2);
            assertThat(appsign("keygen", "--out", dir.resolve("k").toString(), "--days", "-3").code()).isEqualTo(2);
            Run help = appsign("verify", "--help");
            assertThat(help.code()).isZero();
            assertThat(help.out()).contains("--denylist");
        }
    }

    @Nested
    class Openssl {

        @BeforeEach
        void needsOpenssl() {
            assumeTrue(hasOpenssl(), "openssl is not installed");
        }

        @Test
        void openSslKeysCertificatesAndSignaturesVerifyWithTheCli() throws Exception {
            openssl(dir, "genpkey", "-algorithm", "ed25519", "-out", "vendor.key");
            openssl(dir, "req", "-new", "-x509", "-key", "vendor.key", "-subj", "/CN=OpenSSL Vendor", "-days", "30", "-out", "vendor.crt");
            openssl(dir, "pkeyutl", "-sign", "-rawin", "-inkey", "vendor.key", "-in", "app.jar", "-out", "app.sig.bin");
            Files.writeString(dir.resolve("app.jar.sig"),
                    "{\"signature\": \"" + Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve("app.sig.bin"))) + "\"}");
            Files.copy(dir.resolve("vendor.crt"), store.resolve("vendor.crt"));
            Run run = appsign("verify", "--trust-store", store.toString(), "--in", app.toString(), "--json");
            assertThat(run.code()).as(run.out()).isZero();
            assertThat(run.json().get("signer").get("subject").asText()).isEqualTo("CN=OpenSSL Vendor");
            // And the CLI signs with an openssl-made key.
            sign("--key", dir.resolve("vendor.key").toString(), "--in", app.toString());
            assertThat(appsign("verify", "--trust-store", store.toString(), "--in", app.toString()).code()).isZero();
        }

        @Test
        void anOpenSslCaAndLeafVerifyInTheMarketplaceFlow() throws Exception {
            Files.writeString(dir.resolve("ca.ext"), "basicConstraints=critical,CA:TRUE,pathlen:0\n"
                    + "keyUsage=critical,digitalSignature,dataEncipherment\n");
            Files.writeString(dir.resolve("leaf.ext"), "basicConstraints=critical,CA:FALSE\n"
                    + "keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n");
            openssl(dir, "genpkey", "-algorithm", "ed25519", "-out", "ca.key");
            openssl(dir, "req", "-new", "-x509", "-key", "ca.key", "-subj", "/CN=OpenSSL Marketplace CA", "-days", "30",
                    "-extensions", "v3_ca", "-out", "ca.crt", "-addext", "keyUsage=critical,digitalSignature,dataEncipherment",
                    "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0");
            openssl(dir, "genpkey", "-algorithm", "ed25519", "-out", "leaf.key");
            openssl(dir, "req", "-new", "-key", "leaf.key", "-subj", "/CN=Acme Apps", "-out", "leaf.csr");
            openssl(dir, "x509", "-req", "-in", "leaf.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-days", "7", "-extfile", "leaf.ext", "-out", "leaf.crt");
            Files.copy(dir.resolve("ca.crt"), store.resolve("ca.crt"));
            openssl(dir, "pkeyutl", "-sign", "-rawin", "-inkey", "leaf.key", "-in", "app.jar", "-out", "app.sig.bin");
            Files.writeString(dir.resolve("app.jar.sig"), "{\"signature\": \""
                    + Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve("app.sig.bin")))
                    + "\", \"certificate\": \"" + Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve("leaf.crt"))) + "\"}");
            Run run = appsign("verify", "--trust-store", store.toString(), "--in", app.toString(), "--json");
            assertThat(run.json().get("reason").asText()).as(run.out()).isEqualTo("VERIFIED");
            assertThat(run.json().get("flow").asText()).isEqualTo("MARKETPLACE");
            assertThat(run.json().get("signer").get("subject").asText()).isEqualTo("CN=Acme Apps");
            Run later = appsign("verify", "--trust-store", store.toString(), "--in", app.toString(), "--json",
                    "--at", java.time.Instant.now().plus(java.time.Duration.ofDays(8)).toString());
            assertThat(later.json().get("reason").asText()).isEqualTo("CERTIFICATE_EXPIRED");
        }

        @Test
        void cliSignaturesVerifyWithOpenSslAndItsFilesReadWithOpenSsl() throws Exception {
            Path keys = keygen("CN=Acme Vendor");
            sign("--key", keys.resolve("signing.key").toString(), "--in", app.toString());
            byte[] signature = Base64.getDecoder().decode(JSON.readTree(dir.resolve("app.jar.sig").toFile()).get("signature").asText());
            Files.write(dir.resolve("cli.sig.bin"), signature);
            openssl(dir, "pkey", "-in", keys.resolve("signing.key").toString(), "-pubout", "-out", "pub.pem");
            assertThat(openssl(dir, "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "app.jar",
                    "-sigfile", "cli.sig.bin")).contains("Signature Verified Successfully");
            assertThat(openssl(dir, "x509", "-in", keys.resolve("signing.crt").toString(), "-noout", "-text"))
                    .contains("ED25519").contains("Subject: CN = Acme Vendor").contains("Code Signing").contains("Digital Signature");
        }
    }

    @Nested
    class HealthAndAudit {

        @Test
        void aSafeStoreIsHealthyAndAnUnsafeOneIsCritical() throws Exception {
            assumeTrue(System.getProperty("user.name").equals("root"), "setting owners needs root (CI runs as root)");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path shared = io.appsigning.testsupport.TestData.marketplaceCa();
            Files.copy(shared.resolve("marketplace_root_ca_v1.crt"), store.resolve("root.crt"));
            Run safe = appsign("health", "--trust-store", store.toString(), "--user", "nobody", "--json");
            assertThat(safe.code()).as(safe.out()).isZero();
            assertThat(safe.json().get("checks").get(0).get("name").asText()).isEqualTo("trust-store-permissions");
            assertThat(safe.json().get("checks").get(0).get("status").asText()).isEqualTo("OK");

            Files.setAttribute(store, "unix:uid", 65534);
            Run unsafe = appsign("health", "--trust-store", store.toString(), "--user", "nobody", "--json");
            assertThat(unsafe.code()).isEqualTo(1);
            assertThat(unsafe.json().get("status").asText()).isEqualTo("CRITICAL");
            assertThat(unsafe.json().get("checks").get(0).get("messages").get(0).asText())
                    .contains("owned by the product user nobody").contains("chown root:root");
            assertThat(appsign("health", "--trust-store", store.toString(), "--user", "no-such-user-xyz").code()).isEqualTo(2);
        }

        /** Every case of the safety check, through the CLI, judged for the real user nobody (uid and gid 65534). */
        @Test
        void theHealthVerdictForEveryUnsafeCase() throws Exception {
            assumeTrue(System.getProperty("user.name").equals("root"), "setting owners needs root (CI runs as root)");
            Path shared = io.appsigning.testsupport.TestData.marketplaceCa();
            List<String[]> cases = List.of(
                    new String[] {"owned by nobody", "chown", "65534:0", "owned by the product user nobody"},
                    new String[] {"group-writable, nobody in the group", "group", "65534", "group-writable"},
                    new String[] {"group-writable, nobody not in the group", "group-other", "4444", null},
                    new String[] {"world-writable folder", "mode", "rwxrwxrwx", "writable by every user"},
                    new String[] {"world-writable file", "file-mode", "rw-rw-rw-", "writable by every user"},
                    new String[] {"file owned by nobody", "file-chown", "65534:0", "owned by the product user nobody"},
                    new String[] {"writable parent", "parent", "65534:0", "owned by the product user nobody"},
                    new String[] {"symlink leaving the folder", "symlink", "", "outside the trust store"},
                    new String[] {"ACL granting write", "acl", "u:65534:rwx", "ACL entry"});
            for (String[] c : cases) {
                Path parent = Files.createDirectories(dir.resolve("case-" + c[0].hashCode()));
                Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
                Path folder = Files.createDirectories(parent.resolve("truststore"));
                Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
                Path cert = Files.copy(shared.resolve("marketplace_root_ca_v1.crt"), folder.resolve("root.crt"));
                Files.setPosixFilePermissions(cert, PosixFilePermissions.fromString("rw-r--r--"));
                switch (c[1]) {
                    case "chown" -> Files.setAttribute(folder, "unix:uid", 65534);
                    case "group", "group-other" -> {
                        Files.setAttribute(folder, "unix:gid", Integer.parseInt(c[2]));
                        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxrwxr-x"));
                    }
                    case "mode" -> Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString(c[2]));
                    case "file-mode" -> Files.setPosixFilePermissions(cert, PosixFilePermissions.fromString(c[2]));
                    case "file-chown" -> Files.setAttribute(cert, "unix:uid", 65534);
                    case "parent" -> Files.setAttribute(parent, "unix:uid", 65534);
                    case "symlink" -> Files.createSymbolicLink(folder.resolve("elsewhere.pem"),
                            Files.copy(shared.resolve("marketplace_intermediate_ca_v2.crt"), dir.resolve("outside-" + c[0].hashCode() + ".pem")));
                    case "acl" -> {
                        assumeTrue(new ProcessBuilder("setfacl", "--version").start().waitFor() == 0, "setfacl is not installed");
                        assertThat(new ProcessBuilder("setfacl", "-m", c[2], folder.toString()).start().waitFor()).isZero();
                    }
                    default -> throw new IllegalStateException(c[1]);
                }
                Run run = appsign("health", "--trust-store", folder.toString(), "--user", "nobody", "--json");
                if (c[3] == null) {
                    assertThat(run.code()).as(c[0] + ": " + run.out()).isZero();
                    assertThat(run.json().get("checks").get(0).get("status").asText()).as(c[0]).isEqualTo("OK");
                } else {
                    assertThat(run.code()).as(c[0] + ": " + run.out()).isEqualTo(1);
                    assertThat(run.json().get("status").asText()).as(c[0]).isEqualTo("CRITICAL");
                    assertThat(run.json().get("checks").get(0).get("messages").toString()).as(c[0]).contains(c[3]);
                }
            }
        }

        @Test
        void auditVerify() throws Exception {
            Path log = dir.resolve("audit.log");
            io.appsigning.audit.internal.AuditLog audit = io.appsigning.audit.internal.AuditLog.open(log);
            audit.append(java.util.Map.of("decision", "INSTALLED"));
            audit.append(java.util.Map.of("decision", "REJECTED"));
            assertThat(appsign("audit-verify", "--log", log.toString()).code()).isZero();
            Files.writeString(log, Files.readString(log).replace("REJECTED", "INSTALLED"));
            Run broken = appsign("audit-verify", "--log", log.toString());
            assertThat(broken.code()).isEqualTo(1);
            assertThat(broken.err()).contains("line 2");
            assertThat(appsign("audit-verify", "--log", dir.resolve("absent").toString()).code()).isEqualTo(2);
        }
    }

    static String sha256(byte[] data) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
    }
}
