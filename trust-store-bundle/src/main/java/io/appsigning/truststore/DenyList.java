package io.appsigning.truststore;

import java.util.Locale;
import java.util.Set;

/**
 * SHA-256 digests (certificate, public key or app) that are rejected whatever else holds.
 *
 * @param sha256 lowercase hex digests
 */
public record DenyList(Set<String> sha256) {

    private static final DenyList EMPTY = new DenyList(Set.of());

    public DenyList {
        sha256 = Set.copyOf(sha256);
    }

    public static DenyList empty() {
        return EMPTY;
    }

    /** Whether the digest is denied; accepts upper or lower case hex, with or without colons. */
    public boolean denies(String sha256Hex) {
        return sha256Hex != null && sha256.contains(sha256Hex.replace(":", "").toLowerCase(Locale.ROOT));
    }
}
