package io.appsigning.truststore;

import java.util.List;

/**
 * Whether the trust store is protected from the user that runs the product.
 *
 * @param user           the identity judged (user name)
 * @param runningAsRoot  true when judged for root, from whom no folder can be protected;
 *                       a warning of its own that does not by itself make the store unsafe
 * @param findings       every problem found; empty means safe
 */
public record SafetyVerdict(String user, boolean runningAsRoot, List<SafetyFinding> findings) {

    public SafetyVerdict {
        findings = List.copyOf(findings);
    }

    public boolean safe() {
        return findings.isEmpty();
    }
}
