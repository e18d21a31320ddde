package io.appsigning.cli;

import static io.appsigning.cli.CliTest.appsign;
import static io.appsigning.cli.CliTest.sign;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.appsigning.truststore.TrustedCertificate;
import io.appsigning.verifier.internal.Ed25519StreamingSigner;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sign's output and every bad input of the CLI, told in plain words: the file named, exit 2, no Java. */
class SignAndErrorsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path app;
    Path keys;
    Path store;

    @BeforeEach
    void setUp() throws Exception {
        app = dir.resolve("app.jar");
        byte[] bytes = new byte[100_000];
        new Random(3).nextBytes(bytes);
        Files.write(app, bytes);
        keys = dir.resolve("keys");
        assertThat(appsign("keygen", "--out", keys.toString(), "--subject", "CN=Acme Vendor").code()).isZero();
        store = Files.createDirectory(dir.resolve("truststore"));
    }

    /** Exit 2, the file's name and the words expected, and nothing that looks like Java. */
    private static void plainError(CliTest.Run run, String file, String words) {
        assertThat(run.code()).as(run.err()).isEqualTo(2);
        assertThat(run.err()).contains(file).contains(words);
        assertThat(run.err()).doesNotContain("Exception").doesNotContain("java.").doesNotContain("\tat ")
                .doesNotContain("Error:");
        assertThat(run.out()).doesNotContain("Exception");
    }

    @Test
    void signJsonNamesTheFileTheKeyAndTheSignerAndTheFileCarriesTheKeyHint() throws Exception {
        Path sig = dir.resolve("out.sig");
        CliTest.Run run = sign("--key=" + keys.resolve("signing.key"), "--cert=" + keys.resolve("signing.crt"),
                "--in=" + app, "--out=" + sig, "--json");
        JsonNode json = run.json();
        X509Certificate certificate = certificate(keys.resolve("signing.crt"));
        TrustedCertificate trusted = TrustedCertificate.of(certificate, null);
        assertThat(json.get("signatureFile").asText()).isEqualTo(sig.toString());
        assertThat(json.get("keySha256").asText()).isEqualTo(trusted.publicKeySha256());
        assertThat(json.get("signer").get("subject").asText()).isEqualTo("CN=Acme Vendor");
        assertThat(json.get("signer").get("sha256").asText()).isEqualTo(trusted.sha256());
        assertThat(json.get("form").asText()).isEqualTo("MARKETPLACE");
        JsonNode file = JSON.readTree(sig.toFile());
        assertThat(file.get("keySha256").asText()).isEqualTo(trusted.publicKeySha256());
        assertThat(file.get("certificate").asText()).startsWith("LS0t");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(sig))).isEqualTo("rw-r--r--");

        CliTest.Run custom = sign("--key", keys.resolve("signing.key").toString(), "--in", app.toString(), "--json");
        assertThat(custom.json().get("signer").isNull()).isTrue();
        assertThat(custom.json().get("form").asText()).isEqualTo("CUSTOM");
        assertThat(custom.json().get("signatureFile").asText()).isEqualTo(app + ".sig");
        // The hint is ignored by the verifier's parser: the file verifies.
        Files.copy(keys.resolve("signing.crt"), store.resolve("acme.crt"));
        assertThat(appsign("verify", "--trust-store=" + store, "--in=" + app).code()).isZero();
    }

    @Test
    void theCliSignatureIsTheStreamingSignersAndBouncyCastlesOverTheFile() throws Exception {
        sign("--key", keys.resolve("signing.key").toString(), "--in", app.toString());
        byte[] seed = Pem.readEd25519Seed(keys.resolve("signing.key"));
        org.bouncycastle.crypto.signers.Ed25519Signer reference = new org.bouncycastle.crypto.signers.Ed25519Signer();
        reference.init(true, new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(seed, 0));
        byte[] bytes = Files.readAllBytes(app);
        reference.update(bytes, 0, bytes.length);
        byte[] written = java.util.Base64.getDecoder().decode(JSON.readTree(dir.resolve("app.jar.sig").toFile()).get("signature").asText());
        assertThat(written).isEqualTo(reference.generateSignature());
        assertThat(Ed25519StreamingSigner.fromSeed(seed).sign(() -> Files.newInputStream(app))).isEqualTo(written);
    }

    @Test
    void anRsaKeyIsRefusedInPlainWords() throws Exception {
        assumeTrue(CliTest.hasOpenssl(), "openssl is not installed");
        CliTest.openssl(dir, "genpkey", "-algorithm", "rsa", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "rsa.key");
        CliTest.Run run = appsign("sign", "--key", dir.resolve("rsa.key").toString(), "--in", app.toString());
        plainError(run, dir.resolve("rsa.key").toString(), "holds an RSA private key; apps are signed with Ed25519 keys only");
        CliTest.openssl(dir, "genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.key");
        plainError(appsign("sign", "--key", dir.resolve("ec.key").toString(), "--in", app.toString()),
                dir.resolve("ec.key").toString(), "an EC (ECDSA) private key");
        CliTest.openssl(dir, "genpkey", "-algorithm", "ed25519", "-aes256", "-pass", "pass:secret", "-out", "enc.key");
        plainError(appsign("sign", "--key", dir.resolve("enc.key").toString(), "--in", app.toString()),
                dir.resolve("enc.key").toString(), "is encrypted with a passphrase");
        assertThat(dir.resolve("app.jar.sig")).doesNotExist();
    }

    @Test
    void everyBadInputNamesTheFileAndWhatIsWrong() throws Exception {
        String key = keys.resolve("signing.key").toString();
        plainError(appsign("sign", "--key", key, "--cert", app.toString(), "--in", app.toString()),
                app.toString(), "is not an X.509 certificate (PEM or DER)");
        plainError(appsign("sign", "--key", key, "--cert", key, "--in", app.toString()), key, "holds a private key");
        plainError(appsign("sign", "--key", keys.resolve("signing.crt").toString(), "--in", app.toString()),
                keys.resolve("signing.crt").toString(), "holds a certificate, not a private key");
        plainError(appsign("sign", "--key", app.toString(), "--in", app.toString()), app.toString(), "is not a private key");
        plainError(appsign("sign", "--key", key, "--in", dir.toString()), dir.toString(), "is a folder, not a file");
        plainError(appsign("sign", "--key", key, "--in", dir.resolve("absent.jar").toString()),
                dir.resolve("absent.jar").toString(), "file not found");
        plainError(appsign("sign", "--key", dir.resolve("absent.key").toString(), "--in", app.toString()),
                dir.resolve("absent.key").toString(), "file not found");
        plainError(appsign("sign", "--key", key, "--in", app.toString(), "--out", dir.toString()), dir.toString(), "is a folder");
        byte[] before = Files.readAllBytes(app);
        plainError(appsign("sign", "--key", key, "--in", app.toString(), "--out", app.toString()), app.toString(),
                "is the app itself");
        assertThat(Files.readAllBytes(app)).isEqualTo(before);
        plainError(appsign("keygen", "--out", app.toString()), app.toString(), "is an existing file, not a folder");
        plainError(appsign("verify", "--trust-store", store.toString(), "--in", dir.toString()), dir.toString(), "is a folder");
        plainError(appsign("verify", "--trust-store", app.toString(), "--in", app.toString()), app.toString(), "is a file, not a folder");
        Files.writeString(dir.resolve("damaged.key"), "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n");
        plainError(appsign("sign", "--key", dir.resolve("damaged.key").toString(), "--in", app.toString()),
                dir.resolve("damaged.key").toString(), "damaged PEM block");
        assertThat(dir.resolve("app.jar.sig")).doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.endsWith(".tmp"));
        }
    }

    /** An explicit --sig that does not exist is a mistake in the command (2), not an unsigned app (1). */
    @Test
    void anExplicitSignatureFileThatDoesNotExistIsExitTwoFileNotFound() throws Exception {
        Files.copy(keys.resolve("signing.crt"), store.resolve("acme.crt"));
        Path absent = dir.resolve("nope.sig");
        plainError(appsign("verify", "--trust-store", store.toString(), "--in", app.toString(), "--sig", absent.toString()),
                absent.toString(), "file not found");
        CliTest.Run implicit = appsign("verify", "--trust-store", store.toString(), "--in", app.toString(), "--json");
        assertThat(implicit.code()).isEqualTo(1);
        assertThat(implicit.json().get("reason").asText()).isEqualTo("MISSING_SIGNATURE");
    }

    @Test
    void versionAndOptionsWithEquals() throws Exception {
        CliTest.Run version = appsign("--version");
        assertThat(version.code()).isZero();
        assertThat(version.out().lines().findFirst().orElse("")).matches("appsign \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        assertThat(appsign("sign", "--version").out()).isEqualTo(version.out());
        assertThat(appsign("--help").out()).contains("--name=value").contains("trust list|add|remove");
        CliTest.Run twice = appsign("sign", "--key=a", "--key", "b", "--in", app.toString());
        assertThat(twice.code()).isEqualTo(2);
        assertThat(twice.err()).contains("--key is given twice");
        assertThat(appsign("sign", "--key=", "--in", app.toString()).err()).contains("--key needs a value");
        assertThat(appsign("verify", "--json=yes", "--in", app.toString(), "--trust-store", store.toString()).err())
                .contains("--json takes no value");
    }

    /** An out-of-memory error in any command is explained, exit 2, no stack trace. */
    @Test
    void anOutOfMemoryErrorIsCaughtAndExplained() {
        Command hungry = new Command() {
            public String name() {
                return "hungry";
            }

            public String help() {
                return "hungry";
            }

            public int run(List<String> args, PrintStream out, PrintStream err) {
                throw new OutOfMemoryError("Java heap space");
            }
        };
        CliTest.Run run = CliTest.run(new Main(Clock.systemUTC(), false, List.of(hungry)), "hungry");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("appsign hungry: ran out of memory").contains("-Xmx").doesNotContain("OutOfMemoryError");
    }

    @Test
    void aProgressLineForLargeFilesOnlyOnATerminal() throws Exception {
        Path big = dir.resolve("big.jar");
        try (RandomAccessFile file = new RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(SignCommand.PROGRESS_FROM + 1);
        }
        String key = keys.resolve("signing.key").toString();
        CliTest.Run onTerminal = CliTest.run(new Main(Clock.systemUTC(), true), "sign", "--key", key, "--in", big.toString());
        assertThat(onTerminal.code()).isZero();
        assertThat(onTerminal.err()).contains("\rSigning big.jar: 0% (read 1 of 2)").contains("\rSigning big.jar: 100% (read 2 of 2)");
        CliTest.Run piped = CliTest.run(new Main(Clock.systemUTC(), false), "sign", "--key", key, "--in", big.toString());
        assertThat(piped.code()).isZero();
        assertThat(piped.err()).isEmpty();
        CliTest.Run small = CliTest.run(new Main(Clock.systemUTC(), true), "sign", "--key", key, "--in", app.toString());
        assertThat(small.err()).isEmpty();
    }

    private static X509Certificate certificate(Path file) throws IOException, java.security.GeneralSecurityException {
        try (var in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
