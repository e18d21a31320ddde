package io.appsigning.truststore;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * One consistent, immutable view of the trust store folder.
 *
 * @param folder       the trust store folder as configured
 * @param certificates every certificate that parsed, in a stable order (file name, then position)
 * @param problems     files that were skipped, each with the reason
 * @param safety       whether the folder is protected from the product user
 * @param denyList     digests that are rejected whatever else holds
 * @param loadedAt     when this snapshot was built
 */
public record TrustStoreSnapshot(
        Path folder,
        List<TrustedCertificate> certificates,
        List<LoadProblem> problems,
        SafetyVerdict safety,
        DenyList denyList,
        Instant loadedAt) {

    public TrustStoreSnapshot {
        certificates = List.copyOf(certificates);
        problems = List.copyOf(problems);
    }
}
