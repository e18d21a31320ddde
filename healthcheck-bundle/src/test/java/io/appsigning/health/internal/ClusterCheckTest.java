package io.appsigning.health.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.appsigning.cluster.ClusterMode;
import io.appsigning.cluster.ClusterStatus;
import io.appsigning.cluster.NodeStatus;
import io.appsigning.health.CheckResult;
import io.appsigning.health.Status;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.felix.framework.FrameworkFactory;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;

class ClusterCheckTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    @TempDir
    Path storage;

    private static NodeStatus node(String id, Instant lastSeen, boolean inSync, NodeStatus.Problem... problems) {
        return new NodeStatus(id, lastSeen, inSync, 42, List.of(problems), "safe, 3 certificates");
    }

    @Test
    void allNodesInSyncAndReportingIsOk() {
        NodeStatus self = node("node1", NOW, true);
        CheckResult result = ClusterCheck.evaluate(self,
                List.of(self, node("node2", NOW.minusSeconds(10), true), node("node3", NOW.minusSeconds(59), true)), true, NOW);
        assertThat(result.name()).isEqualTo("cluster");
        assertThat(result.status()).isEqualTo(Status.OK);
        assertThat(result.messages()).containsExactly("3 nodes, all in sync.");
    }

    @Test
    void thisNodeOutOfSyncIsCriticalAndNamesEachAppAndItsReason() {
        NodeStatus self = node("node2", NOW, false,
                new NodeStatus.Problem("com.example.app", "1.2.0", "SIGNATURE_MISMATCH", "the signature does not verify here"),
                new NodeStatus.Problem("com.example.other", "2.0.0", "STORED_APP_MISSING", null));
        CheckResult result = ClusterCheck.evaluate(self, List.of(node("node1", NOW, true), self), true, NOW);
        assertThat(result.status()).isEqualTo(Status.CRITICAL);
        assertThat(result.messages()).hasSize(2);
        assertThat(result.messages().get(0))
                .startsWith("com.example.app 1.2.0 not installed on this node: SIGNATURE_MISMATCH (the signature does not verify here).");
        assertThat(result.messages().get(1)).startsWith("com.example.other 2.0.0 not installed on this node: STORED_APP_MISSING.");
    }

    @Test
    void aLogThatCannotBeReadIsCriticalAndSaysNothingMoreIsApplied() {
        NodeStatus self = node("node2", NOW, false, new NodeStatus.Problem("the cluster's log", null, "CLUSTER_LOG_UNREADABLE",
                "Change 9 (com.example.app) cannot be read"));
        CheckResult result = ClusterCheck.evaluate(self, List.of(self), true, NOW);
        assertThat(result.status()).isEqualTo(Status.CRITICAL);
        assertThat(result.messages()).singleElement().asString()
                .startsWith("the cluster's log: CLUSTER_LOG_UNREADABLE (Change 9 (com.example.app) cannot be read).")
                .contains("applies no change").doesNotContain("null");
    }

    @Test
    void outOfSyncWithoutANamedAppStillSaysSo() {
        NodeStatus self = new NodeStatus("node1", NOW, false, 7, List.of(), "safe");
        CheckResult result = ClusterCheck.evaluate(self, List.of(self), true, NOW);
        assertThat(result.status()).isEqualTo(Status.CRITICAL);
        assertThat(result.messages()).singleElement().asString().contains("up to change 7");
    }

    @Test
    void anUnreachableDatabaseIsCriticalAndSaysUploadsWait() {
        NodeStatus self = node("node1", NOW, true);
        CheckResult result = ClusterCheck.evaluate(self, List.of(self), false, NOW);
        assertThat(result.status()).isEqualTo(Status.CRITICAL);
        assertThat(result.messages()).singleElement().asString()
                .contains("database cannot be reached").contains("uploads are refused until it is back")
                .contains("running apps keep running");
    }

    @Test
    void anotherNodeOutOfSyncOrSilentIsAWarning() {
        NodeStatus self = node("node1", NOW, true);
        CheckResult result = ClusterCheck.evaluate(self, List.of(self,
                node("node2", NOW, false, new NodeStatus.Problem("com.example.app", "1.2.0", "REVOKED", "on the deny list")),
                node("node3", NOW.minusSeconds(61), true)), true, NOW);
        assertThat(result.status()).isEqualTo(Status.WARN);
        assertThat(result.messages()).hasSize(2);
        assertThat(result.messages().get(0)).startsWith("Node node2 is out of sync: com.example.app 1.2.0 REVOKED.");
        assertThat(result.messages().get(1)).startsWith("Node node3 has not reported since 2026-11-25T11:58:59Z (61 s)");
        // This node's own report is never judged silent against the others' rule: only the others count.
        assertThat(ClusterCheck.evaluate(node("node1", NOW.minusSeconds(600), true),
                List.of(node("node1", NOW.minusSeconds(600), true)), true, NOW).status()).isEqualTo(Status.OK);
    }

    @Test
    void withoutAReportOrAStatusServiceItIsCritical() {
        assertThat(ClusterCheck.evaluate(null, List.of(node("node2", NOW, true)), true, NOW).status()).isEqualTo(Status.CRITICAL);
        CheckResult absent = ClusterHealthCheck.evaluate(null, NOW);
        assertThat(absent.status()).isEqualTo(Status.CRITICAL);
        assertThat(absent.messages()).singleElement().asString().contains("cluster status is not available");
    }

    @Test
    void theCheckIsRegisteredOnlyInDataCenterMode() throws Exception {
        for (boolean clustered : new boolean[] {false, true}) {
            Framework framework = new FrameworkFactory().newFramework(clustered
                    ? Map.of("org.osgi.framework.storage", storage.resolve("c").toString(),
                            ClusterMode.DATABASE, "jdbc:postgresql://db.invalid/appsigning")
                    : Map.of("org.osgi.framework.storage", storage.resolve("s").toString()));
            framework.start();
            try {
                ClusterHealthCheck component = new ClusterHealthCheck();
                component.activate(framework.getBundleContext());
                Collection<ServiceReference<HealthCheck>> checks = framework.getBundleContext()
                        .getServiceReferences(HealthCheck.class, "(" + HealthCheck.NAME + "=cluster)");
                assertThat(checks).as("clustered: " + clustered).hasSize(clustered ? 1 : 0);
                if (clustered) {
                    assertThat(checks.iterator().next().getProperty(HealthCheck.TAGS)).isEqualTo(new String[] {"appsigning"});
                    HealthCheck check = framework.getBundleContext().getService(checks.iterator().next());
                    assertThat(check.execute().getStatus()).as("no ClusterStatus yet").isEqualTo(Result.Status.CRITICAL);
                    component.status = new ClusterStatus() {
                        @Override
                        public NodeStatus local() {
                            return node("node1", NOW, true);
                        }

                        @Override
                        public List<NodeStatus> nodes() {
                            return List.of(local(), node("node2", Instant.now(), true));
                        }

                        @Override
                        public boolean databaseReachable() {
                            return true;
                        }
                    };
                    Result ok = check.execute();
                    assertThat(ok.getStatus()).isEqualTo(Result.Status.OK);
                    assertThat(ok.iterator().next().getMessage()).isEqualTo("2 nodes, all in sync.");
                }
                component.deactivate();
                assertThat(framework.getBundleContext().getServiceReferences(HealthCheck.class, "(" + HealthCheck.NAME + "=cluster)"))
                        .isEmpty();
            } finally {
                framework.stop();
                framework.waitForStop(10_000);
            }
        }
    }
}
