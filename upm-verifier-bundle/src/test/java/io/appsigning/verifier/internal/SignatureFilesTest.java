package io.appsigning.verifier.internal;

import io.appsigning.verifier.SignatureFiles;

import io.appsigning.verifier.SignatureFile;

import io.appsigning.verifier.VerificationOptions;

import io.appsigning.verifier.VerificationResult;

import io.appsigning.verifier.ReasonCode;

import io.appsigning.verifier.Flow;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The signature file format: what is accepted, and every way it is malformed. */
class SignatureFilesTest {

    private static final String SIG64 = Base64.getEncoder().encodeToString(new byte[64]);

    private static SignatureFiles.Parsed parse(String json) {
        return SignatureFiles.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theMinimalCustomFormParses() {
        SignatureFiles.Parsed parsed = parse("{\"signature\": \"" + SIG64 + "\"}");
        assertThat(parsed.problem()).isNull();
        assertThat(parsed.file().signature()).hasSize(64);
        assertThat(parsed.file().flow()).isEqualTo(Flow.CUSTOM);
    }

    @Test
    void paddingIsOptionalSurroundingWhiteSpaceIgnoredAndUnknownFieldsSkipped() {
        String unpadded = SIG64.replace("=", "");
        SignatureFiles.Parsed parsed = parse("{\"v\": {\"x\": [1, 2]}, \"signature\": \" \\n" + unpadded + "\\t \", \"note\": null}");
        assertThat(parsed.problem()).isNull();
        assertThat(parsed.file().signature()).hasSize(64);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "{",
        "{\"signature\": \"AAAA",
        "[]",
        "\"just a string\"",
        "{}",
        "{\"signature\": null}",
        "{\"signature\": 12}",
        "{\"signature\": [\"AAAA\"]}",
        "{\"signature\": \"not base64!\"}",
        "{\"signature\": \"AAAA AAAA\"}",
        "{\"signature\": \"%SIG_WITH_NUL%\"}",
        "{\"signature\": \"%SIG_WITH_NBSP%\"}",
        "{\"signature\": \"%SIG_WITH_DOT%\"}",
        "{\"signature\": \"%SIG_WITH_INNER_PAD%\"}",
        "{\"signature\": \" \\n\\t \"}",
        "{\"signature\": \"-_-_\"}",
        "{\"signature\": \"\"}",
        "{\"signature\": \"AAAA\"}",
        "{\"signature\": \"%SIG%\", \"signature\": \"%SIG%\"}",
        "{\"signature\": \"%SIG%\", \"x\": {\"a\": 1, \"a\": 2}}",
        "{\"signature\": \"%SIG%\"} {}",
        "{\"signature\": \"%SIG%\"} trailing",
        "{\"signature\": \"%SIG%\", \"certificate\": 5}",
        "{\"signature\": \"%SIG%\", \"certificate\": \"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\"}",
        "{\"signature\": \"%SIG%\", \"certificate\": \"AAAA\"}",
        "{\"signature\": \"%SIG%\", \"certificate\": \"\"}",
    })
    void malformedFilesAreRejectedWithAReason(String json) {
        SignatureFiles.Parsed parsed = parse(json.replace("%SIG%", SIG64)
                .replace("%SIG_WITH_NUL%", SIG64.substring(0, 40) + "\\u0000" + SIG64.substring(40))
                .replace("%SIG_WITH_NBSP%", SIG64.substring(0, 40) + "\u00A0" + SIG64.substring(40))
                .replace("%SIG_WITH_DOT%", SIG64.substring(0, 40) + "." + SIG64.substring(40))
                .replace("%SIG_WITH_INNER_PAD%", SIG64.substring(0, 40) + "=" + SIG64.substring(40)));
        assertThat(parsed.file()).isNull();
        assertThat(parsed.problem()).startsWith("The signature file is malformed: ");
    }

    @Test
    void asciiWhiteSpaceAnywhereInTheBase64IsIgnored() {
        byte[] sig = new byte[64];
        for (int i = 0; i < sig.length; i++) {
            sig[i] = (byte) (i * 37 + 11);
        }
        String b64 = Base64.getEncoder().encodeToString(sig);
        // Every ASCII white space character, as JSON escapes, between the characters and around them.
        String[] spaces = {" ", "\\t", "\\n", "\\r", "\\f", "\\u000B", "\\r\\n"};
        StringBuilder spread = new StringBuilder(spaces[3]);
        for (int i = 0; i < b64.length(); i++) {
            spread.append(b64.charAt(i)).append(spaces[i % spaces.length]);
        }
        SignatureFiles.Parsed parsed = parse("{\"signature\": \"" + spread + "\"}");
        assertThat(parsed.problem()).isNull();
        assertThat(parsed.file().signature()).isEqualTo(sig);
        // Wrapped every 64 characters with a line feed, as openssl base64 writes it.
        String wrapped = b64.substring(0, 64) + "\\n" + b64.substring(64) + "\\n";
        assertThat(parse("{\"signature\": \"" + wrapped + "\"}").file().signature()).isEqualTo(sig);
    }

    private static Path wrappedFixture(String name) throws Exception {
        return Path.of(SignatureFilesTest.class.getResource("openssl-wrapped/" + name).toURI());
    }

    private static X509Certificate readCertificate(Path file) throws Exception {
        try (var in = Files.newInputStream(file)) {
            return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** Within the fixtures' validity (2026-11-25 to 2126). */
    private static final java.time.Instant WRAPPED_AT = java.time.Instant.parse("2030-01-01T00:00:00Z");

    /** Made by openssl alone (openssl-wrapped/make.sh): the base64 is openssl base64's, wrapped. */
    @Test
    void filesWrappedByOpensslBase64VerifyInBothFlows() throws Exception {
        byte[] app = Files.readAllBytes(wrappedFixture("app.bin"));
        X509Certificate ca = readCertificate(wrappedFixture("ca.crt"));
        X509Certificate leaf = readCertificate(wrappedFixture("leaf.crt"));
        byte[] custom = Files.readAllBytes(wrappedFixture("custom.sig"));
        byte[] marketplace = Files.readAllBytes(wrappedFixture("marketplace.sig"));
        assertThat(new String(custom, StandardCharsets.US_ASCII)).contains("\\n");
        assertThat(new String(marketplace, StandardCharsets.US_ASCII)).contains("\\n");
        assertThat(SignatureFiles.parse(marketplace).file().certificate()).isEqualTo(leaf);

        VerificationResult customResult = AppVerifier.of(Pki.store(List.of(leaf)), new VerificationOptions(WRAPPED_AT, false))
                .verify(new ByteArrayInputStream(app), custom);
        assertThat(customResult.reason()).isEqualTo(ReasonCode.VERIFIED);
        assertThat(customResult.signer().subject()).isEqualTo("CN=Wrapped Test Vendor");
        VerificationResult marketplaceResult = AppVerifier.of(Pki.store(List.of(ca)), new VerificationOptions(WRAPPED_AT, false))
                .verify(new ByteArrayInputStream(app), marketplace);
        assertThat(marketplaceResult.reason()).isEqualTo(ReasonCode.VERIFIED);
        assertThat(marketplaceResult.flow()).isEqualTo(Flow.MARKETPLACE);

        byte[] tampered = app.clone();
        tampered[100] ^= 1;
        assertThat(AppVerifier.of(Pki.store(List.of(leaf)), new VerificationOptions(WRAPPED_AT, false))
                .verify(new ByteArrayInputStream(tampered), custom).reason()).isEqualTo(ReasonCode.SIGNATURE_MISMATCH);
    }

    /** The same with the openssl on this machine, over fresh random signatures, when there is one. */
    @Test
    void whatOpensslBase64WritesParses(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(onPath("openssl"), "openssl is not installed");
        java.util.Random random = new java.util.Random(7);
        for (int round = 0; round < 5; round++) {
            byte[] sig = new byte[64];
            random.nextBytes(sig);
            Path raw = dir.resolve("sig" + round + ".bin");
            Files.write(raw, sig);
            Process process = new ProcessBuilder("openssl", "base64", "-in", raw.toString()).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(process.waitFor()).isZero();
            assertThat(out.lines().count()).as("openssl wraps 88 characters into two lines").isEqualTo(2);
            String jsonString = out.replace("\n", "\\n");
            assertThat(parse("{\"signature\": \"" + jsonString + "\"}").file().signature()).isEqualTo(sig);
        }
    }

    private static boolean onPath(String command) {
        return java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(folder -> Files.isExecutable(Path.of(folder, command)));
    }

    @Test
    void aKeyHintIsReadInAnyCaseAndAnUnusableOneIsIgnoredNotRejected() {
        String hex = "0123456789abcdef".repeat(4);
        assertThat(parse("{\"signature\": \"" + SIG64 + "\", \"keySha256\": \"" + hex + "\"}").file().keySha256())
                .isEqualTo(hex);
        assertThat(parse("{\"signature\": \"" + SIG64 + "\", \"keySha256\": \"" + hex.toUpperCase() + "\"}")
                .file().keySha256()).isEqualTo(hex);
        assertThat(parse("{\"signature\": \"" + SIG64 + "\"}").file().keySha256()).isNull();
        for (String bad : new String[] {"\"" + hex.substring(1) + "\"", "\"" + hex + "0\"", "\"" + hex.replace('a', 'g') + "\"",
                "\"" + hex.substring(0, 63) + "\\u0661\"", "\"\"", "\" " + hex.substring(1) + "\"", "42", "null", "true",
                "[\"" + hex + "\"]", "{\"sha\": \"" + hex + "\"}"}) {
            SignatureFiles.Parsed parsed = parse("{\"keySha256\": " + bad + ", \"signature\": \"" + SIG64 + "\"}");
            assertThat(parsed.problem()).as(bad).isNull();
            assertThat(parsed.file().keySha256()).as(bad).isNull();
            assertThat(parsed.file().signature()).as(bad).hasSize(64);
        }
        // Duplicates stay malformed, like any duplicate field.
        assertThat(parse("{\"signature\": \"" + SIG64 + "\", \"keySha256\": \"" + hex + "\", \"keySha256\": \"" + hex + "\"}")
                .file()).isNull();
    }

    @Test
    void encodeWritesTheHintOfTheSigningKey() throws Exception {
        Pki pki = new Pki();
        Pki.Issued leaf = pki.selfSigned(Pki.Spec.leaf("CN=Hinted"));
        byte[] sig = new byte[64];
        SignatureFile file = SignatureFiles.parse(SignatureFiles.encode(sig, null, leaf.certificate().getPublicKey())).file();
        assertThat(file.keySha256())
                .isEqualTo(io.appsigning.truststore.TrustedCertificate.of(leaf.certificate(), null).publicKeySha256())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(leaf.certificate().getPublicKey().getEncoded())));
        assertThat(SignatureFiles.parse(SignatureFiles.encode(sig, leaf.certificate(), leaf.certificate().getPublicKey()))
                .file().certificate()).isEqualTo(leaf.certificate());
    }

    @Test
    void aSignatureOfTheWrongLengthIsMalformed() {
        String sig63 = Base64.getEncoder().encodeToString(new byte[63]);
        assertThat(parse("{\"signature\": \"" + sig63 + "\"}").problem()).contains("63 bytes");
    }

    @Test
    void invalidUtf8IsMalformed() {
        byte[] bytes = ("{\"signature\": \"" + SIG64 + "\", \"n\": \"x\"}").getBytes(StandardCharsets.UTF_8);
        bytes[bytes.length - 4] = (byte) 0xC3; // a lead byte followed by an ASCII quote
        assertThat(SignatureFiles.parse(bytes).file()).isNull();
    }

    @Test
    void theSizeLimitIsExact() {
        String head = "{\"signature\": \"" + SIG64 + "\", \"pad\": \"";
        String tail = "\"}";
        String exactly = head + "x".repeat(SignatureFiles.MAX_BYTES - head.length() - tail.length()) + tail;
        assertThat(exactly.getBytes(StandardCharsets.UTF_8)).hasSize(SignatureFiles.MAX_BYTES);
        assertThat(parse(exactly).problem()).isNull();
        String over = head + "x".repeat(SignatureFiles.MAX_BYTES + 1 - head.length() - tail.length()) + tail;
        assertThat(parse(over).problem()).contains("larger than 65536 bytes");
    }

    @Test
    void readBoundedStopsAfterTheLimitAndTellsAMissingFile(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("big.sig");
        Files.write(big, new byte[10 * SignatureFiles.MAX_BYTES]);
        assertThat(SignatureFiles.readBounded(big)).hasSize(SignatureFiles.MAX_BYTES + 1);
        assertThat(SignatureFiles.readBounded(dir.resolve("absent.sig"))).isNull();
    }

    @Test
    void encodeWritesWhatParseReads() {
        Pki pki = new Pki();
        Pki.Issued leaf = pki.selfSigned(Pki.Spec.leaf("CN=Round Trip"));
        byte[] sig = new byte[64];
        sig[0] = 42;
        byte[] file = SignatureFiles.encode(sig, leaf.certificate());
        assertThat(new String(file, StandardCharsets.UTF_8)).contains("\"certificate\": \"LS0t");
        SignatureFiles.Parsed parsed = SignatureFiles.parse(file);
        assertThat(parsed.file().signature()).isEqualTo(sig);
        assertThat(parsed.file().certificate()).isEqualTo(leaf.certificate());
        assertThat(SignatureFiles.parse(SignatureFiles.encode(sig, null)).file().certificate()).isNull();
        assertThatThrownBy(() -> SignatureFiles.encode(new byte[63], null)).isInstanceOf(IllegalArgumentException.class);
    }
}
