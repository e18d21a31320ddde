package io.appsigning.health;

import io.appsigning.health.internal.TrustStoreChecks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.appsigning.truststore.LoadProblem;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.truststore.TrustedCertificate;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The trust store as the product sees it: what {@code GET /api/certificates}, the Trusted
 * certificates page and {@code appsign trust list} show. One value, one JSON writer.
 *
 * @param location     the trust store folder
 * @param safety       the folder's safety, as the {@code trust-store-permissions} check judges it
 * @param certificates every certificate that loaded, in the snapshot's order
 * @param skipped      every file that was skipped, with its problem
 */
public record CertificateReport(String location, CheckResult safety, List<Entry> certificates, List<Skipped> skipped) {

    /** Where a certificate stands at the report's instant. */
    public enum CertificateStatus { VALID, EXPIRING, EXPIRED, NOT_YET_VALID, REVOKED }

    /**
     * One certificate.
     *
     * @param keyAlgorithm {@code Ed25519}, {@code EC} or {@code RSA}
     * @param file         the file it came from, relative to the trust store folder
     */
    public record Entry(String subject, String issuer, String sha256, Instant notBefore, Instant notAfter, boolean ca,
                        String keyAlgorithm, String file, CertificateStatus status) {}

    /** A file that did not load, and why. */
    public record Skipped(String file, String problem) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public CertificateReport {
        certificates = List.copyOf(certificates);
        skipped = List.copyOf(skipped);
    }

    /** The report of one snapshot at one instant ({@code EXPIRING}: within the expiry check's 30 days). */
    public static CertificateReport of(TrustStoreSnapshot snapshot, Instant at) {
        List<Entry> entries = new ArrayList<>();
        for (TrustedCertificate trusted : snapshot.certificates()) {
            X509Certificate certificate = trusted.certificate();
            entries.add(new Entry(trusted.subject(), certificate.getIssuerX500Principal().getName(), trusted.sha256(),
                    certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant(),
                    certificate.getBasicConstraints() >= 0, keyAlgorithm(certificate),
                    relative(snapshot.folder(), trusted.source()), status(snapshot, trusted, at)));
        }
        List<Skipped> skipped = new ArrayList<>();
        for (LoadProblem problem : snapshot.problems()) {
            String prefix = "skipped " + problem.file() + ": ";
            String message = problem.message();
            skipped.add(new Skipped(relative(snapshot.folder(), problem.file()),
                    message.startsWith(prefix) ? message.substring(prefix.length()) : message));
        }
        return new CertificateReport(snapshot.folder().toAbsolutePath().normalize().toString(),
                TrustStoreChecks.permissions(snapshot.safety(), false), entries, skipped);
    }

    private static CertificateStatus status(TrustStoreSnapshot snapshot, TrustedCertificate trusted, Instant at) {
        Instant notBefore = trusted.certificate().getNotBefore().toInstant();
        Instant notAfter = trusted.certificate().getNotAfter().toInstant();
        if (snapshot.denyList().denies(trusted.sha256()) || snapshot.denyList().denies(trusted.publicKeySha256())) {
            return CertificateStatus.REVOKED;
        }
        if (!at.isBefore(notAfter)) {
            return CertificateStatus.EXPIRED;
        }
        if (at.isBefore(notBefore)) {
            return CertificateStatus.NOT_YET_VALID;
        }
        return notAfter.isBefore(at.plus(TrustStoreChecks.DEFAULT_WARN_WITHIN)) ? CertificateStatus.EXPIRING : CertificateStatus.VALID;
    }

    /** The key algorithm in the API's words. */
    public static String keyAlgorithm(X509Certificate certificate) {
        String algorithm = certificate.getPublicKey().getAlgorithm();
        return switch (algorithm) {
            case "EdDSA", "Ed25519" -> "Ed25519";
            case "EC", "ECDSA" -> "EC";
            default -> algorithm;
        };
    }

    private static String relative(Path folder, Path file) {
        Path absoluteFolder = folder.toAbsolutePath().normalize();
        Path absoluteFile = file.toAbsolutePath().normalize();
        return absoluteFile.startsWith(absoluteFolder) ? absoluteFolder.relativize(absoluteFile).toString() : absoluteFile.toString();
    }

    /** The JSON of {@code GET /api/certificates} (DESIGN.md). */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("location", location);
        ObjectNode safetyNode = root.putObject("safety");
        safetyNode.put("status", safety.status().name());
        ArrayNode messages = safetyNode.putArray("messages");
        safety.messages().forEach(messages::add);
        ArrayNode list = root.putArray("certificates");
        for (Entry entry : certificates) {
            list.addObject().put("subject", entry.subject()).put("issuer", entry.issuer()).put("sha256", entry.sha256())
                    .put("notBefore", entry.notBefore().toString()).put("notAfter", entry.notAfter().toString())
                    .put("ca", entry.ca()).put("keyAlgorithm", entry.keyAlgorithm()).put("file", entry.file())
                    .put("status", entry.status().name());
        }
        ArrayNode files = root.putArray("skipped");
        skipped.forEach(file -> files.addObject().put("file", file.file()).put("problem", file.problem()));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings always serialises", e);
        }
    }
}
