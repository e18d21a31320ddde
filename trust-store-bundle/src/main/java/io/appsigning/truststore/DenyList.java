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

    /** How a load problem of a deny list that cannot be used begins: the product then trusts nothing. */
    public static final String UNUSABLE = "the deny list cannot be used, so nothing is trusted: ";

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

    /**
     * Reads a deny list file: one SHA-256 hex a line (colons allowed), {@code #} comments, blank
     * lines. A file that does not exist is an empty list.
     *
     * @throws IllegalArgumentException naming the first line that is not a SHA-256 digest
     */
    public static DenyList load(java.nio.file.Path file) throws java.io.IOException {
        if (!java.nio.file.Files.exists(file)) {
            return EMPTY;
        }
        java.util.Set<String> digests = new java.util.HashSet<>();
        // Byte for byte: digests are ASCII, a comment may hold any text, and no encoding error can hide a line.
        java.util.List<String> lines = java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.ISO_8859_1);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String entry = normalise(hash >= 0 ? line.substring(0, hash) : line);
            if (entry.isEmpty()) {
                continue;
            }
            if (!entry.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException(file + " line " + (i + 1)
                        + ": not a SHA-256 digest (64 hex digits, colons allowed): " + line.strip());
            }
            digests.add(entry);
        }
        return new DenyList(digests);
    }

    /** Whether the digest is denied; accepts upper or lower case hex, with or without colons. */
    public boolean denies(String sha256Hex) {
        return sha256Hex != null && sha256.contains(normalise(sha256Hex));
    }
}
