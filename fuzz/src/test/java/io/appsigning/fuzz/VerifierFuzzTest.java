package io.appsigning.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.appsigning.verifier.ReasonCode;
import io.appsigning.verifier.VerificationResult;
import java.util.Arrays;
import java.util.Base64;

/** The verifier under attack: arbitrary signature files, and mutations of valid apps, signatures and certificates. */
class VerifierFuzzTest {

    private static final Fixture FIXTURE = newFixture();

    private static Fixture newFixture() {
        try {
            return new Fixture();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Any bytes as a signature file: a decision, never an exception, never VERIFIED. */
    @FuzzTest(maxDuration = "30s")
    void signatureFileParser(byte[] signatureFile) {
        VerificationResult result = FIXTURE.verify(FIXTURE.app, signatureFile);
        assertThat(result.reason()).isNotEqualTo(ReasonCode.VERIFIED);
        assertThat(result.message()).isNotBlank();
    }

    /** A valid app, signature file or certificate with bytes changed never verifies, in either flow. */
    @FuzzTest(maxDuration = "30s")
    void mutationsNeverVerify(FuzzedDataProvider data) {
        boolean marketplace = data.consumeBoolean();
        int target = data.consumeInt(0, 3);
        byte[] app = FIXTURE.app.clone();
        byte[] signatureFile = (marketplace ? FIXTURE.marketplaceSignatureFile : FIXTURE.customSignatureFile).clone();
        if (target == 3) {
            mutateCertificate(data);
            return;
        }
        byte[] original = switch (target) {
            case 0 -> app;
            case 1 -> signatureFile;
            default -> signatureBytes(signatureFile);
        };
        byte[] mutated = mutate(original, data);
        if (Arrays.equals(mutated, original)) {
            return;
        }
        VerificationResult result = switch (target) {
            case 0 -> FIXTURE.verify(mutated, signatureFile);
            case 1 -> FIXTURE.verify(app, mutated);
            default -> FIXTURE.verify(app, withSignature(signatureFile, mutated));
        };
        // A JSON-level change that keeps every field's meaning (white space, padding) may still verify;
        // a change to the app or to the decoded signature must not.
        if (target != 1) {
            assertThat(result.verified()).as("a mutated %s verified", target == 0 ? "app" : "signature").isFalse();
        } else if (result.verified()) {
            assertThat(signatureBytes(mutated)).isEqualTo(signatureBytes(signatureFile));
        }
    }

    /** A changed leaf certificate verifies only if it still encodes the very certificate that was signed. */
    private static void mutateCertificate(FuzzedDataProvider data) {
        byte[] der;
        try {
            der = FIXTURE.leaf.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
        byte[] mutated = mutate(der, data);
        if (Arrays.equals(mutated, der)) {
            return;
        }
        byte[] signature = signatureBytes(FIXTURE.marketplaceSignatureFile);
        byte[] file = ("{\"signature\": \"" + Base64.getEncoder().encodeToString(signature) + "\", \"certificate\": \""
                + Base64.getEncoder().encodeToString(mutated) + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        VerificationResult result = FIXTURE.verify(FIXTURE.app, file);
        if (result.verified()) {
            try {
                java.security.cert.X509Certificate parsed = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory
                        .getInstance("X.509").generateCertificate(new java.io.ByteArrayInputStream(mutated));
                assertThat(parsed.getTBSCertificate()).isEqualTo(FIXTURE.leaf.getTBSCertificate());
                assertThat(parsed.getSignature()).isEqualTo(FIXTURE.leaf.getSignature());
            } catch (java.security.GeneralSecurityException e) {
                throw new AssertionError("a certificate that verified does not parse", e);
            }
        }
    }

    private static byte[] mutate(byte[] original, FuzzedDataProvider data) {
        byte[] copy = original.clone();
        int edits = data.consumeInt(1, 4);
        for (int i = 0; i < edits && copy.length > 0; i++) {
            int position = data.consumeInt(0, copy.length - 1);
            switch (data.consumeInt(0, 2)) {
                case 0 -> copy[position] ^= (byte) data.consumeInt(1, 255);
                case 1 -> copy = Arrays.copyOf(copy, position);
                default -> {
                    byte[] longer = Arrays.copyOf(copy, copy.length + 1);
                    System.arraycopy(copy, position, longer, position + 1, copy.length - position);
                    longer[position] = data.consumeByte();
                    copy = longer;
                }
            }
        }
        return copy;
    }

    /**
     * The signature a signature file holds, read independently of the product's parser: JSON by
     * Jackson, then the base64 with ASCII white space dropped (DESIGN.md: it is ignored wherever it
     * is, as {@code openssl base64} wraps lines); empty when there is none to read.
     */
    private static byte[] signatureBytes(byte[] signatureFile) {
        try {
            com.fasterxml.jackson.databind.JsonNode field = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(signatureFile).path("signature");
            if (!field.isTextual()) {
                return new byte[0];
            }
            String compact = field.asText().replaceAll("[ \t\n\u000B\f\r]", "");
            return Base64.getDecoder().decode(compact);
        } catch (java.io.IOException | RuntimeException e) {
            return new byte[0];
        }
    }

    private static byte[] withSignature(byte[] signatureFile, byte[] signature) {
        String json = new String(signatureFile, java.nio.charset.StandardCharsets.UTF_8);
        String old = Base64.getEncoder().encodeToString(signatureBytes(signatureFile));
        return json.replace(old, Base64.getEncoder().encodeToString(signature)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
