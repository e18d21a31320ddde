package io.appsigning.cluster;

import java.time.Instant;
import java.util.List;

/**
 * What one node reports of itself.
 *
 * @param nodeId     the node's name
 * @param lastSeen   when it last reported
 * @param inSync     whether it runs exactly the cluster's apps
 * @param appliedSeq the last change of the log it has applied (or refused)
 * @param problems   the apps it refuses or could not apply, and why
 * @param trustStore its view of the shared trust store, in words (safe or not, how many certificates)
 */
public record NodeStatus(String nodeId, Instant lastSeen, boolean inSync, long appliedSeq, List<Problem> problems,
                         String trustStore) {

    public NodeStatus {
        problems = problems == null ? List.of() : List.copyOf(problems);
    }

    /**
     * One app a node does not run as the cluster does.
     *
     * @param key     the app
     * @param version the version the cluster runs
     * @param reason  a stable code: a verification reason code, {@code STORED_APP_MISSING}, {@code INSTALL_FAILED} ...
     * @param message what is wrong, for a person
     */
    public record Problem(String key, String version, String reason, String message) {}
}
