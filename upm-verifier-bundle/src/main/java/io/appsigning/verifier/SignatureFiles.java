package io.appsigning.verifier;


import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Collection;
import java.util.Locale;

/**
 * The detached signature file, {@code <app>.sig}: UTF-8 JSON of at most 64 KiB with a required
 * {@code signature} (standard base64 of 64 bytes) and, in the marketplace form, a
 * {@code certificate} (base64 of the leaf in PEM or DER). Parsing is strict: duplicate fields,
 * other JSON types, trailing content or an oversize file make the whole file malformed. ASCII
 * white space inside the base64 is ignored, because {@code openssl base64} wraps its output every
 * 64 characters and a JSON string then holds {@code \n} escapes; any other stray character is
 * malformed.
 *
 * <p>An optional {@code keySha256} names the signing key (SHA-256 of its DER
 * SubjectPublicKeyInfo, 64 hex digits, any case) so that a verifier with many trusted keys can try
 * that one first. It is only a hint and never trusted: a value that is not 64 hex digits (another
 * JSON type, another length, stray characters) is ignored rather than rejected, since rejecting
 * would make a file that verifies under the rules without the hint fail because of a field that
 * cannot change the decision.
 */
public final class SignatureFiles {

    /** The largest signature file accepted. */
    public static final int MAX_BYTES = 64 * 1024;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private SignatureFiles() {}

    /** The outcome of parsing: exactly one of {@code file} and {@code problem} is set. */
    /** The parser's answer: the file, or (file null) the problem in words. */
    public record Parsed(SignatureFile file, String problem) {}

    /** A pure Ed25519 signature's length in bytes. */
    public static final int SIGNATURE_BYTES = 64;

    /**
     * Reads a signature file, at most {@link #MAX_BYTES} + 1 bytes of it, so that an oversize
     * file is detected without being read whole.
     *
     * @return the bytes, or null when the file does not exist
     */
    public static byte[] readBounded(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The signature file the signing tool writes: {@code {"signature": ..., "certificate": ...}}. */
    public static byte[] encode(byte[] signature, X509Certificate leafOrNull) {
        return encode(signature, leafOrNull, null);
    }

    /**
     * The signature file with the key hint: {@code {"signature": ..., "keySha256": ...}}, plus the
     * certificate in the marketplace form.
     *
     * @param signingKeyOrNull the signing key whose SHA-256 (of its X.509 encoding, the DER
     *                         SubjectPublicKeyInfo) becomes the hint; null writes no hint
     */
    public static byte[] encode(byte[] signature, X509Certificate leafOrNull, PublicKey signingKeyOrNull) {
        if (signature == null || signature.length != SIGNATURE_BYTES) {
            throw new IllegalArgumentException("an Ed25519 signature has 64 bytes");
        }
        Base64.Encoder b64 = Base64.getEncoder();
        StringBuilder json = new StringBuilder("{\n  \"signature\": \"").append(b64.encodeToString(signature)).append('"');
        if (signingKeyOrNull != null) {
            json.append(",\n  \"keySha256\": \"").append(keySha256(signingKeyOrNull.getEncoded())).append('"');
        }
        if (leafOrNull != null) {
            String pem;
            try {
                pem = "-----BEGIN CERTIFICATE-----\n"
                        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(leafOrNull.getEncoded())
                        + "\n-----END CERTIFICATE-----\n";
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IllegalArgumentException("the certificate cannot be encoded", e);
            }
            json.append(",\n  \"certificate\": \"")
                    .append(b64.encodeToString(pem.getBytes(StandardCharsets.US_ASCII)))
                    .append('"');
        }
        return json.append("\n}\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    public static Parsed parse(byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            return problem("it is larger than " + MAX_BYTES + " bytes");
        }
        byte[] signature = null;
        String certificateField = null;
        String keyHint = null;
        try (JsonParser parser = JSON.createParser(bytes)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return problem("it is not a JSON object");
            }
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
                if (token != JsonToken.FIELD_NAME) {
                    return problem("it is not a complete JSON object");
                }
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (name) {
                    case "signature" -> {
                        if (value != JsonToken.VALUE_STRING) {
                            return problem("\"signature\" is not a string");
                        }
                        signature = decodeBase64(parser.getText());
                        if (signature == null) {
                            return problem("\"signature\" is not standard base64");
                        }
                    }
                    case "certificate" -> {
                        if (value != JsonToken.VALUE_STRING) {
                            return problem("\"certificate\" is not a string");
                        }
                        certificateField = parser.getText();
                    }
                    case "keySha256" -> {
                        if (value == JsonToken.VALUE_STRING) {
                            keyHint = hint(parser.getText());
                        } else {
                            parser.skipChildren();
                        }
                    }
                    default -> parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                return problem("there is content after the JSON object");
            }
        } catch (JsonProcessingException e) {
            return problem("it is not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            return problem("it cannot be read as UTF-8 JSON");
        }
        if (signature == null) {
            return problem("the required field \"signature\" is missing");
        }
        if (signature.length != SIGNATURE_BYTES) {
            return problem("\"signature\" decodes to " + signature.length + " bytes; an Ed25519 signature has 64");
        }
        X509Certificate certificate = null;
        if (certificateField != null) {
            byte[] der = decodeBase64(certificateField);
            if (der == null) {
                return problem("\"certificate\" is not standard base64");
            }
            certificate = parseCertificate(der);
            if (certificate == null) {
                return problem("\"certificate\" does not hold exactly one X.509 certificate in PEM or DER");
            }
        }
        return new Parsed(new SignatureFile(signature, certificate, keyHint), null);
    }

    private static Parsed problem(String why) {
        return new Parsed(null, "The signature file is malformed: " + why
                + ". Re-create it with the signing tool (appsign sign) or see the README for the format.");
    }

    /** Lowercase hex SHA-256 of a DER SubjectPublicKeyInfo: the form of the hint. */
    public static String keySha256(byte[] subjectPublicKeyInfo) {
        return io.appsigning.truststore.TrustedCertificate.sha256Hex(subjectPublicKeyInfo);
    }

    /** The hint in lowercase, or null when it is not exactly 64 hex digits (then it is ignored). */
    private static String hint(String text) {
        if (text.length() != 64) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.digit(text.charAt(i), 16) < 0 || text.charAt(i) > 'f') {
                return null;
            }
        }
        return text.toLowerCase(Locale.ROOT);
    }

    /**
     * Standard alphabet, padding optional, ASCII white space (space, tab, line feed, vertical tab,
     * form feed, carriage return: C's isspace) ignored wherever it is; null if invalid.
     */
    private static byte[] decodeBase64(String text) {
        StringBuilder compact = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\u000B' && c != '\f' && c != '\r') {
                compact.append(c);
            }
        }
        if (compact.length() == 0) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(compact.toString());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static X509Certificate parseCertificate(byte[] bytes) {
        try {
            Collection<? extends java.security.cert.Certificate> all =
                    CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes));
            if (all.size() != 1 || !(all.iterator().next() instanceof X509Certificate certificate)) {
                return null;
            }
            return certificate;
        } catch (CertificateException | RuntimeException e) {
            // The JDK parser throws unchecked exceptions on some malformed DER; all mean "not a certificate".
            return null;
        }
    }
}
