package io.appsigning.cluster.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.appsigning.audit.AuditChain;
import io.appsigning.cluster.ClusterChange;
import io.appsigning.cluster.ClusterLedger;
import io.appsigning.cluster.NodeStatus;
import io.appsigning.testsupport.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ledger against a real PostgreSQL, with several nodes on one database. */
class PostgresLedgerTest extends WithPostgres {

    private static Map<String, Object> line(String decision, int n) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("time", "2026-11-25T10:00:00Z");
        fields.put("app", "com.acme.app" + n);
        fields.put("decision", decision);
        return fields;
    }

    private static Connection direct(String url) throws Exception {
        return DriverManager.getConnection(url, PostgresServer.USER, "");
    }

    @Test
    void threeNodesStartingAtOnceMigrateOnceAndAgainIsANoOp() throws Exception {
        String url = server.newDatabase();
        List<ClusterSettings> settings = List.of(TestNodes.settings(url, "a", shared),
                TestNodes.settings(url, "b", shared), TestNodes.settings(url, "c", shared));
        List<PostgresCluster> nodes = TestNodes.startAtOnce(settings);
        try {
            for (PostgresCluster node : nodes) {
                assertThat(node.ledger().reachable()).isTrue();
                assertThat(node.ledger().apps()).isEmpty();
            }
        } finally {
            nodes.forEach(PostgresCluster::close);
        }
        try (PostgresCluster again = PostgresCluster.start(TestNodes.settings(url, "a", shared))) {
            assertThat(again.ledger().lastSeq()).isZero();
        }
        try (Connection connection = direct(url); Statement statement = connection.createStatement();
             ResultSet versions = statement.executeQuery("SELECT version, description FROM appsign_schema")) {
            assertThat(versions.next()).isTrue();
            assertThat(versions.getInt(1)).isEqualTo(1);
            assertThat(versions.getString(2)).isEqualTo("cluster");
            assertThat(versions.next()).as("one row per version, however many nodes started").isFalse();
        }
    }

    @Test
    void aDatabaseOfANewerProductIsRefused() throws Exception {
        String url = server.newDatabase();
        PostgresCluster.start(TestNodes.settings(url, "a", shared)).close();
        try (Connection connection = direct(url); Statement statement = connection.createStatement()) {
            statement.executeUpdate("INSERT INTO appsign_schema (version, description) VALUES (2, 'from_the_future')");
        }
        assertThatThrownBy(() -> PostgresCluster.start(TestNodes.settings(url, "a", shared)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("schema version 2")
                .hasMessageContaining("knows versions up to 1")
                .hasMessageContaining(url);
    }

    @Test
    void concurrentDecisionsOnThreeNodesMakeOneIntactChain() throws Exception {
        try (TestNodes nodes = new TestNodes(server, shared, 3)) {
            int perNode = 40;
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int node = 0; node < nodes.size(); node++) {
                ClusterLedger ledger = nodes.ledger(node);
                // Four threads a node: the chain's lock must hold between threads as well as between nodes.
                for (int thread = 0; thread < 4; thread++) {
                    int first = thread;
                    int nodeNumber = node;
                    tasks.add(() -> {
                        for (int i = first; i < perNode; i += 4) {
                            int n = nodeNumber * perNode + i;
                            if (i % 2 == 0) {
                                ledger.commit(TestNodes.install("com.acme.app" + n, "1.0." + i, sha(n), ledger.nodeId()),
                                        line("INSTALLED", n));
                            } else {
                                ledger.append(line("REJECTED", n));
                            }
                        }
                        return null;
                    });
                }
            }
            TestNodes.atOnce(tasks);

            ClusterLedger reader = nodes.ledger(1);
            List<String> lines = reader.auditLines(1, 1000);
            assertThat(lines).hasSize(3 * perNode);
            Path file = shared.resolve("audit.log");
            Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
            AuditChain.Result result = AuditChain.verify(file);
            assertThat(result.intact()).as(result.message()).isTrue();
            assertThat(result.lines()).isEqualTo(3 * perNode);
            String last = lines.get(lines.size() - 1);
            for (int node = 0; node < nodes.size(); node++) {
                assertThat(nodes.ledger(node).head()).isEqualTo(AuditChain.hash(last.getBytes(StandardCharsets.UTF_8)));
                assertThat(nodes.ledger(node).lines()).isEqualTo(3 * perNode);
            }
            // The single node's format: the given fields in order, then node, then prev.
            List<String> names = new ArrayList<>();
            new ObjectMapper().readTree(lines.get(0)).fieldNames().forEachRemaining(names::add);
            assertThat(names).containsExactly("time", "app", "decision", "node", "prev");
            assertThat(lines.get(0)).contains("\"prev\":\"" + AuditChain.GENESIS + "\"");
            assertThat(reader.auditLines(119, 10)).containsExactly(lines.get(118), lines.get(119));
            assertThat(reader.apps()).hasSize(3 * perNode / 2);
            assertThat(reader.lastSeq()).isEqualTo(3 * perNode / 2);
        }
    }

    @Test
    void aCommitWakesAnotherNodeWithinASecond() throws Exception {
        try (TestNodes nodes = new TestNodes(server, shared, 2)) {
            ClusterLedger waiter = nodes.ledger(1);
            for (int round = 0; round < 3; round++) {
                CompletableFuture<Long> woken = CompletableFuture.supplyAsync(() -> {
                    try {
                        waiter.awaitChange(Duration.ofSeconds(20));
                        return System.nanoTime();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(300);
                assertThat(woken).isNotDone();
                nodes.ledger(0).commit(TestNodes.install("com.acme.app", "1." + round, sha(round), "node-1"),
                        line("INSTALLED", round));
                long committed = System.nanoTime();
                long wokenAt = woken.get(5, TimeUnit.SECONDS);
                assertThat(TimeUnit.NANOSECONDS.toMillis(wokenAt - committed)).isLessThan(1000);
                assertThat(waiter.app("com.acme.app")).get().extracting(ClusterChange::version).isEqualTo("1." + round);
            }
            long before = System.nanoTime();
            waiter.awaitChange(Duration.ofMillis(700));
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before)).as("a quiet cluster: the timeout")
                    .isBetween(650L, 3000L);
        }
    }

    @Test
    void appsAreTheLastChangeOfEachKeyWhenItIsAnInstall() throws Exception {
        try (TestNodes nodes = new TestNodes(server, shared, 2)) {
            ClusterLedger a = nodes.ledger(0);
            ClusterLedger b = nodes.ledger(1);
            ClusterChange first = a.commit(TestNodes.install("com.acme.a", "1.0.0", sha(1), "node-1"), line("INSTALLED", 1));
            a.commit(TestNodes.install("com.acme.b", "1.0.0", sha(2), "node-1"), line("INSTALLED", 2));
            ClusterChange update = b.commit(TestNodes.install("com.acme.a", "2.0.0", sha(3), "node-2"), line("UPDATED", 1));
            ClusterChange uninstall = b.commit(ClusterChange.uninstall("com.acme.b", "1.0.0", "node-2", "admin",
                    Instant.parse("2026-11-25T11:00:00Z")), line("UNINSTALLED", 2));
            assertThat(first.seq()).isEqualTo(1);
            assertThat(uninstall.seq()).isEqualTo(4);

            assertThat(a.apps()).containsExactly(update);
            assertThat(a.app("com.acme.a")).contains(update);
            assertThat(a.app("com.acme.a").orElseThrow().record()).isEqualTo(TestNodes.record("com.acme.a", "2.0.0", sha(3)));
            assertThat(a.app("com.acme.b")).isEmpty();
            assertThat(a.app("com.acme.never")).isEmpty();
            assertThat(a.lastSeq()).isEqualTo(4);

            ClusterChange again = a.commit(TestNodes.install("com.acme.b", "1.1.0", sha(4), "node-1"), line("INSTALLED", 2));
            assertThat(b.apps()).extracting(ClusterChange::key, ClusterChange::seq)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("com.acme.a", 3L),
                            org.assertj.core.groups.Tuple.tuple("com.acme.b", 5L));
            assertThat(again.node()).isEqualTo("node-1");
        }
    }

    @Test
    void theAdminPolicyIsReplacedWhole() throws Exception {
        try (TestNodes nodes = new TestNodes(server, shared, 2)) {
            assertThat(nodes.ledger(0).adminPolicy()).isEmpty();
            nodes.ledger(0).saveAdminPolicy(Map.of("mode", "ENFORCE", "upload.enabled", "false"));
            assertThat(nodes.ledger(1).adminPolicy()).containsExactly(Map.entry("mode", "ENFORCE"),
                    Map.entry("upload.enabled", "false"));
            nodes.ledger(1).saveAdminPolicy(Map.of("enforceAfter", "2027-01-01"));
            assertThat(nodes.ledger(0).adminPolicy()).containsExactly(Map.entry("enforceAfter", "2027-01-01"));
        }
    }

    @Test
    void nodesReportThemselves() throws Exception {
        try (TestNodes nodes = new TestNodes(server, shared, 2)) {
            NodeStatus one = new NodeStatus("node-1", Instant.parse("2026-11-25T10:00:00Z"), true, 4, List.of(),
                    "safe, 2 certificates");
            NodeStatus two = new NodeStatus("node-2", Instant.parse("2026-11-25T10:00:01Z"), false, 3,
                    List.of(new NodeStatus.Problem("com.acme.a", "2.0.0", "UNTRUSTED_CERTIFICATE", "not trusted here")),
                    "safe, 1 certificate");
            nodes.ledger(0).report(one);
            nodes.ledger(1).report(two);
            NodeStatus later = new NodeStatus("node-1", Instant.parse("2026-11-25T10:00:05Z"), false, 5, List.of(), "unsafe");
            nodes.ledger(0).report(later);
            assertThat(nodes.ledger(1).nodes()).containsExactly(later, two);
        }
    }

    @Test
    void anAuditLineMayNotNameTheNodeOrItsPredecessor() throws Exception {
        try (TestNodes nodes = new TestNodes(server, shared, 1)) {
            assertThatThrownBy(() -> nodes.ledger(0).append(Map.of("prev", AuditChain.GENESIS)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> nodes.ledger(0).append(Map.of("node", "elsewhere")))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(nodes.ledger(0).lines()).isZero();
            assertThat(nodes.ledger(0).head()).isEqualTo(AuditChain.GENESIS);
        }
    }

    static String sha(int n) {
        return SharedHome.sha256(("app " + n).getBytes(StandardCharsets.UTF_8));
    }
}
