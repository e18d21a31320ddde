package io.appsigning.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
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
        SignatureFiles.Parsed parsed = parse(json.replace("%SIG%", SIG64));
        assertThat(parsed.file()).isNull();
        assertThat(parsed.problem()).startsWith("The signature file is malformed: ");
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
