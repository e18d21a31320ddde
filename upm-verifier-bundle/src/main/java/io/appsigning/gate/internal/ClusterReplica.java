package io.appsigning.gate.internal;

import io.appsigning.cluster.ClusterChange;
import io.appsigning.cluster.ClusterLedger;
import io.appsigning.cluster.ClusterStatus;
import io.appsigning.cluster.ClusterUnavailableException;
import io.appsigning.cluster.NodeStatus;
import io.appsigning.gate.InstallOutcome;
import io.appsigning.gate.Policy;
import io.appsigning.gate.PolicyService;
import io.appsigning.gate.UninstallOutcome;
import io.appsigning.truststore.TrustStore;
import io.appsigning.truststore.TrustStoreSnapshot;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Data Center mode: keeps this node running exactly the cluster's apps. It reads the cluster's
 * apps from the database whenever a change is announced (and every few seconds, in case a
 * notification was lost with a connection), removes what the cluster removed, installs or updates
 * what this node lacks through the gate, which checks each app again against this node's own trust
 * store, and reports what it refused. Exists only where the database bundle registers a ledger.
 */
@Component(service = ClusterStatus.class, immediate = true)
public final class ClusterReplica implements ClusterStatus {

    private static final System.Logger LOG = System.getLogger(ClusterReplica.class.getName());
    /** The longest a node goes without reading the cluster's apps, notification or not (the issue asks for 10 s). */
    private static final Duration POLL = Duration.ofSeconds(3);
    /** A change in the cluster's log cannot be read; the node applies nothing until it can. */
    static final String LOG_UNREADABLE = "CLUSTER_LOG_UNREADABLE";

    @Reference
    private GateComponent gate;

    @Reference
    private ClusterLedger ledger;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile TrustStore trustStore;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PolicyService policies;

    /**
     * What this node refused of which change, and on what grounds: the same change is checked (and
     * audited) again only when the trust store or the policy changed, not at every pass.
     */
    private record Refusal(long seq, TrustStoreSnapshot snapshot, Policy policy, NodeStatus.Problem problem) {}

    private final Clock clock = Clock.systemUTC();
    /** Touched by the worker thread only. */
    private final Map<String, Refusal> refusals = new HashMap<>();
    private volatile NodeStatus local;
    private volatile boolean running;
    private volatile boolean lastReachable = true;
    private Thread worker;

    @Activate
    void activate() {
        local = new NodeStatus(ledger.nodeId(), clock.instant(), false, 0, List.of(), describe(snapshot()));
        running = true;
        worker = new Thread(this::run, "appsigning-cluster-sync");
        worker.setDaemon(true);
        worker.start();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        // Not interrupted: an interrupt in the middle of applying a change would break the file reads of
        // its install and of its rollback alike. The worker sees running at its next step, within POLL.
        running = false;
        worker.join(Duration.ofSeconds(30).toMillis());
    }

    private void run() {
        while (running) {
            try {
                synchronise();
                if (!lastReachable) {
                    LOG.log(Level.INFO, "The cluster database answers again; this node is synchronised with the cluster.");
                    lastReachable = true;
                }
            } catch (ClusterUnavailableException e) {
                if (lastReachable) {
                    LOG.log(Level.WARNING, "Cannot synchronise with the cluster: " + e.getMessage() + ". Uploads are refused"
                            + " until the database is back; the apps that run keep running.");
                    lastReachable = false;
                }
            } catch (IOException e) {
                try {
                    unreadableLog(e);
                } catch (RuntimeException reportFailed) {
                    LOG.log(Level.ERROR, "Could not record that the cluster's log cannot be read: " + reportFailed, reportFailed);
                }
            } catch (RuntimeException e) {
                // A defect in one pass must not end synchronisation for good: the next pass tries again.
                LOG.log(Level.ERROR, "Synchronising with the cluster failed: " + e, e);
            }
            try {
                ledger.awaitChange(POLL);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One pass: removals first, then installs and updates in the order of the cluster's log; then the report. */
    void synchronise() throws IOException {
        long seq = ledger.lastSeq();
        List<ClusterChange> desired = ledger.apps();
        Set<String> keys = new HashSet<>();
        desired.forEach(change -> keys.add(change.key()));
        List<NodeStatus.Problem> problems = new ArrayList<>();
        for (String key : gate.gateInstalledKeys()) {
            if (running && !keys.contains(key)) {
                UninstallOutcome outcome = gate.applyUninstall(key);
                if (!outcome.removed() && !UninstallOutcome.NOT_FOUND.equals(outcome.code())) {
                    problems.add(new NodeStatus.Problem(key, outcome.version(), outcome.code(), outcome.message()));
                }
            }
        }
        TrustStoreSnapshot snapshot = snapshot();
        PolicyService policyService = policies;
        Policy policy = policyService == null ? null : policyService.current();
        for (ClusterChange change : desired) {
            if (!running) {
                return;
            }
            if (gate.runs(change)) {
                refusals.remove(change.key());
                continue;
            }
            Refusal last = refusals.get(change.key());
            if (last != null && last.seq() == change.seq() && last.snapshot() == snapshot
                    && java.util.Objects.equals(last.policy(), policy)) {
                problems.add(last.problem());
                continue;
            }
            InstallOutcome outcome = gate.apply(change);
            if (outcome.installed() && gate.runs(change)) {
                refusals.remove(change.key());
                LOG.log(Level.INFO, "Applied the cluster's " + change.key() + " " + change.version() + " (change "
                        + change.seq() + " from " + change.node() + ")");
                continue;
            }
            if (GateComponent.SUPERSEDED.equals(outcome.code())) {
                continue;
            }
            NodeStatus.Problem problem = new NodeStatus.Problem(change.key(), change.version(), outcome.code(),
                    outcome.installed() ? "Installed but not active on this node." : outcome.message());
            problems.add(problem);
            if (InstallOutcome.CLUSTER_UNAVAILABLE.equals(outcome.code()) || InstallOutcome.GATE_UNAVAILABLE.equals(outcome.code())) {
                refusals.remove(change.key());
            } else {
                if (last == null || last.seq() != change.seq()) {
                    LOG.log(Level.ERROR, "This node refuses the cluster's " + change.key() + " " + change.version() + ": "
                            + outcome.code() + ": " + outcome.message());
                }
                refusals.put(change.key(), new Refusal(change.seq(), snapshot, policy, problem));
            }
        }
        refusals.keySet().retainAll(keys);
        NodeStatus status = new NodeStatus(ledger.nodeId(), clock.instant(), problems.isEmpty(), seq, problems,
                describe(snapshot));
        local = status;
        ledger.report(status);
    }

    /**
     * The database answers, but a change in its log cannot be read (edited by hand, or damaged):
     * nothing is guessed and nothing more is applied until it can be read, and the node says so.
     */
    private void unreadableLog(IOException e) {
        NodeStatus previous = local;
        String why = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        if (previous.problems().stream().noneMatch(problem -> LOG_UNREADABLE.equals(problem.reason())
                && why.equals(problem.message()))) {
            LOG.log(Level.ERROR, "The cluster's log cannot be read, so this node applies no change until it can: " + why);
        }
        NodeStatus status = new NodeStatus(ledger.nodeId(), clock.instant(), false, previous.appliedSeq(),
                List.of(new NodeStatus.Problem("the cluster's log", null, LOG_UNREADABLE, why)),
                describe(snapshot()));
        local = status;
        try {
            ledger.report(status);
        } catch (IOException reportFailed) {
            LOG.log(Level.WARNING, "Could not report this node's state to the cluster: " + reportFailed.getMessage());
        }
    }

    private TrustStoreSnapshot snapshot() {
        TrustStore store = trustStore;
        return store == null ? null : store.snapshot();
    }

    /** This node's view of the shared trust store, in words, for the cluster page. */
    static String describe(TrustStoreSnapshot snapshot) {
        if (snapshot == null) {
            return "not loaded";
        }
        String count = snapshot.certificates().size() + (snapshot.certificates().size() == 1 ? " certificate" : " certificates");
        return snapshot.safety().safe() ? "safe, " + count
                : "UNSAFE for " + snapshot.safety().user() + " (trusts nothing), " + count + " in the folder";
    }

    @Override
    public NodeStatus local() {
        return local;
    }

    @Override
    public List<NodeStatus> nodes() {
        try {
            return ledger.nodes();
        } catch (IOException e) {
            return List.of(local);
        }
    }

    @Override
    public boolean databaseReachable() {
        return ledger.reachable();
    }
}
