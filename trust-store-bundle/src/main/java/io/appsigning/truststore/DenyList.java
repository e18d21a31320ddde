package io.appsigning.truststore;

import java.util.Locale;
import java.util.Set;

/**
 * SHA-256 digests (certificate, public key or app) that are rejected whatever else holds.
 *
 * @param sha256 hex digests, any case, colons allowed; kept lowercase without colons
 */
public record DenyList(Set<String> sha256) {

    private static final DenyList EMPTY = new DenyList(Set.of());

    public DenyList {
        // Normalised once here, so that every lookup compares like with like.
        sha256 = sha256.stream().map(DenyList::normalise).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    private static String normalise(String hex) {
        return hex.replace(":", "").strip().toLowerCase(Locale.ROOT);
    }

    public static DenyList empty() {
        return EMPTY;
    }

    /** Whether the digest is denied; accepts upper or lower case hex, with or without colons. */
    public boolean denies(String sha256Hex) {
        return sha256Hex != null && sha256.contains(normalise(sha256Hex));
    }
}
