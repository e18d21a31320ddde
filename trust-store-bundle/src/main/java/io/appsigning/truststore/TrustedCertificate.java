package io.appsigning.truststore;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * A certificate from the trust store with the fingerprints used for naming and deny-listing.
 *
 * @param certificate     the parsed certificate
 * @param source          the file it came from
 * @param subject         the subject DN in RFC 2253 form
 * @param sha256          lowercase hex SHA-256 of the certificate's DER encoding
 * @param publicKeySha256 lowercase hex SHA-256 of the DER SubjectPublicKeyInfo
 */
public record TrustedCertificate(
        X509Certificate certificate, Path source, String subject, String sha256, String publicKeySha256) {

    public static TrustedCertificate of(X509Certificate certificate, Path source) {
        try {
            return new TrustedCertificate(
                    certificate,
                    source,
                    certificate.getSubjectX500Principal().getName(),
                    sha256Hex(certificate.getEncoded()),
                    sha256Hex(certificate.getPublicKey().getEncoded()));
        } catch (CertificateEncodingException e) {
            // A certificate that parsed always re-encodes; reaching here is a JDK defect.
            throw new IllegalStateException("certificate cannot be re-encoded", e);
        }
    }

    /** Lowercase hex SHA-256; the one fingerprint format used across the project. */
    public static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
