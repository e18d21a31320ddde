package io.appsigning.health.internal;

import io.appsigning.cluster.NodeStatus;
import io.appsigning.health.CheckResult;
import io.appsigning.health.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code cluster} (Data Center mode only): whether this node runs exactly the cluster's apps,
 * whether the database answers, and whether the other nodes do and report.
 */
public final class ClusterCheck {

    public static final String NAME = "cluster";
    /** A node that has not reported for longer is reported as silent. */
    public static final Duration SILENT_AFTER = Duration.ofSeconds(60);

    private ClusterCheck() {}

    /**
     * CRITICAL when this node is not in sync (each app it does not run as the cluster does, with
     * its reason) or the database cannot be reached; WARN when another node is out of sync or has
     * not reported for over {@link #SILENT_AFTER}; OK otherwise.
     *
     * @param local             this node's report, or null before its first synchronisation
     * @param nodes             every node's last report (this one's included)
     * @param databaseReachable whether the database answered the last time it was asked
     */
    public static CheckResult evaluate(NodeStatus local, List<NodeStatus> nodes, boolean databaseReachable, Instant now) {
        List<String> messages = new ArrayList<>();
        Status status = Status.OK;
        if (!databaseReachable) {
            status = Status.CRITICAL;
            messages.add("The cluster's database cannot be reached: uploads are refused until it is back (uninstalls, settings"
                    + " and sign-ins too); running apps keep running, and this node catches up by itself.");
        }
        if (local == null) {
            status = Status.CRITICAL;
            messages.add("This node has not synchronised with the cluster yet, so it cannot tell whether it runs the cluster's apps.");
        } else if (!local.inSync()) {
            status = Status.CRITICAL;
            for (NodeStatus.Problem problem : local.problems()) {
                String detail = problem.reason() + (problem.message() == null || problem.message().isBlank() ? ""
                        : " (" + problem.message() + ")");
                // A problem without a version is not one app's: the node cannot read the cluster's log, say.
                messages.add(problem.version() == null ? problem.key() + ": " + detail + ". This node applies no change until"
                        + " it is fixed."
                        : problem.key() + " " + problem.version() + " not installed on this node: " + detail
                        + ". The other nodes run it; fix this node (its trust store, its disk) and it applies the app by itself.");
            }
            if (local.problems().isEmpty()) {
                messages.add("This node does not run exactly the cluster's apps yet (it has applied the log up to change "
                        + local.appliedSeq() + ").");
            }
        }
        String self = local == null ? null : local.nodeId();
        int others = 0;
        for (NodeStatus node : nodes) {
            if (node.nodeId() != null && node.nodeId().equals(self)) {
                continue;
            }
            others++;
            if (!node.inSync()) {
                status = status.worse(Status.WARN);
                StringBuilder why = new StringBuilder();
                for (NodeStatus.Problem problem : node.problems()) {
                    why.append(why.length() == 0 ? ": " : "; ").append(problem.key()).append(' ').append(problem.version())
                            .append(' ').append(problem.reason());
                }
                messages.add("Node " + node.nodeId() + " is out of sync" + why + ". Its own health check says more.");
            }
            if (node.lastSeen() == null || Duration.between(node.lastSeen(), now).compareTo(SILENT_AFTER) > 0) {
                status = status.worse(Status.WARN);
                messages.add("Node " + node.nodeId() + " has not reported "
                        + (node.lastSeen() == null ? "at all" : "since " + node.lastSeen() + " ("
                        + Duration.between(node.lastSeen(), now).toSeconds() + " s)")
                        + ": it may be stopped or cut off from the database. Remove it from the load balancer if it is gone.");
            }
        }
        if (status == Status.OK) {
            int count = local == null ? others : others + 1;
            messages.add(count + (count == 1 ? " node, in sync." : " nodes, all in sync."));
        }
        return new CheckResult(NAME, status, messages);
    }
}
