package io.appsigning.gate;

import java.util.Map;

/**
 * The effective policy and its provenance.
 *
 * @param policy       the effective policy
 * @param sources      for every key of {@link Policies#KEYS}: {@code default}, {@code file},
 *                     {@code system} or {@code admin}: whose value is in force
 * @param operatorFile the operator's policy file, which an administrator edits to relax the policy
 */
public record PolicyView(Policy policy, Map<String, String> sources, String operatorFile) {

    public PolicyView {
        sources = Map.copyOf(sources);
    }
}
