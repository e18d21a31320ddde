package io.appsigning.cluster.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.appsigning.audit.AuditChain;
import io.appsigning.cluster.ClusterChange;
import io.appsigning.cluster.ClusterLedger;
import io.appsigning.cluster.ClusterUnavailableException;
import io.appsigning.testsupport.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A database that stops answering (its processes paused with SIGSTOP, as a host or network gone)
 * or drops its connections: calls fail in bounded time with a clear error, and everything works
 * again by itself once it is back, without restarting the node.
 */
class OutageTest extends WithPostgres {

    /** The brief's bound: connect or login 5 s, or a socket read 10 s, plus a pooled connection's 2 s check. */
    private static final long BOUND_MILLIS = 15_000;

    private static Map<String, Object> line(String decision) {
        return Map.of("decision", decision);
    }

    /** A call made during the outage, and how it ended. */
    private record Failed(Exception error, long millis) {}

    private static Callable<Failed> failing(Callable<?> call) {
        return () -> {
            long start = System.nanoTime();
            try {
                call.call();
                return new Failed(null, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            } catch (Exception e) {
                return new Failed(e, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            }
        };
    }

    @Test
    void whilePausedCallsFailFastAndAfterResumeEverythingWorksAgain() throws Exception {
        try (TestNodes nodes = new TestNodes(server, shared, 2)) {
            ClusterLedger a = nodes.ledger(0);
            ClusterLedger b = nodes.ledger(1);
            a.commit(TestNodes.install("com.acme.a", "1.0.0", PostgresLedgerTest.sha(1), "node-1"), line("INSTALLED"));
            a.saveAdminPolicy(Map.of("mode", "ENFORCE"));
            assertThat(b.adminPolicy()).containsEntry("mode", "ENFORCE");
            String headBefore = b.head();

            // B's sync loop keeps waiting through the outage, as the gate's will.
            AtomicBoolean outage = new AtomicBoolean(true);
            CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> {
                try {
                    while (outage.get()) {
                        b.awaitChange(Duration.ofSeconds(2));
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });

            server.pause();
            long pausedAt = System.nanoTime();
            List<Failed> failures;
            try {
                failures = TestNodes.atOnce(List.of(
                        failing(a::apps),
                        failing(() -> b.commit(TestNodes.install("com.acme.b", "1.0.0", PostgresLedgerTest.sha(2),
                                "node-2"), line("INSTALLED"))),
                        failing(() -> { a.append(line("REJECTED")); return null; }),
                        failing(() -> nodes.sessions(1).admit("admin", Instant.now(), 10, Duration.ofMinutes(1))),
                        failing(() -> { b.report(new io.appsigning.cluster.NodeStatus("node-2", Instant.now(), true, 1,
                                List.of(), "safe")); return null; })));
                for (Failed failed : failures) {
                    assertThat(failed.error()).isInstanceOf(ClusterUnavailableException.class)
                            .hasMessageContaining(nodes.url)
                            .hasMessageContaining("cannot be reached")
                            .hasMessageNotContaining(TestNodes.PASSWORD);
                    assertThat(failed.millis()).isLessThan(BOUND_MILLIS);
                }
                assertThat(a.reachable()).isFalse();
                assertThat(b.reachable()).isFalse();
                // What is known is still answered, at once and without the database.
                long start = System.nanoTime();
                assertThat(b.head()).isEqualTo(headBefore);
                assertThat(b.lines()).isEqualTo(1);
                assertThat(b.adminPolicy()).containsEntry("mode", "ENFORCE");
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
                // Long enough for the listener's quiet-time check to find its connection dead.
                long left = TimeUnit.SECONDS.toNanos(24) - (System.nanoTime() - pausedAt);
                if (left > 0) {
                    TimeUnit.NANOSECONDS.sleep(left);
                }
            } finally {
                server.resume();
            }

            assertThat(a.apps()).extracting(ClusterChange::key).containsExactly("com.acme.a");
            assertThat(a.reachable()).isTrue();
            ClusterChange b1 = b.commit(TestNodes.install("com.acme.b", "1.0.0", PostgresLedgerTest.sha(2), "node-2"),
                    line("INSTALLED"));
            assertThat(b1.seq()).isEqualTo(2);
            outage.set(false);
            waiter.get(30, TimeUnit.SECONDS);

            // B's LISTEN connection is back: first the waits that report the reconnection, then a quiet one ...
            long quiet = 0;
            for (int i = 0; i < 15 && quiet < 900; i++) {
                long start = System.nanoTime();
                b.awaitChange(Duration.ofSeconds(1));
                quiet = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            }
            assertThat(quiet).as("a wait that timed out, so the connection listens").isGreaterThanOrEqualTo(900);
            // ... and a commit on A wakes it.
            CompletableFuture<Long> woken = CompletableFuture.supplyAsync(() -> {
                try {
                    b.awaitChange(Duration.ofSeconds(20));
                    return System.nanoTime();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(200);
            a.commit(ClusterChange.uninstall("com.acme.a", "1.0.0", "node-1", "admin", Instant.now()), line("UNINSTALLED"));
            long committed = System.nanoTime();
            assertThat(TimeUnit.NANOSECONDS.toMillis(woken.get(5, TimeUnit.SECONDS) - committed)).isLessThan(1000);
            assertThat(b.apps()).extracting(ClusterChange::key).containsExactly("com.acme.b");

            List<String> lines = b.auditLines(1, 100);
            assertThat(lines).hasSize(3);
            Path file = shared.resolve("after-outage.log");
            Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
            assertThat(AuditChain.verify(file).intact()).isTrue();
        }
    }

    @Test
    void aNodeThatStartsWhileTheDatabaseIsDownRecoversByItself() throws Exception {
        String url = server.newDatabase();
        server.pause();
        PostgresCluster node;
        try {
            long start = System.nanoTime();
            node = PostgresCluster.start(TestNodes.settings(url, "late", shared));
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(BOUND_MILLIS);
            assertThat(node.ledger().reachable()).isFalse();
            long call = System.nanoTime();
            try {
                node.ledger().apps();
                throw new AssertionError("apps() answered without a database");
            } catch (ClusterUnavailableException e) {
                assertThat(e).hasMessageContaining(url).hasMessageContaining("not ready");
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - call)).as("fails fast").isLessThan(1000);
        } finally {
            server.resume();
        }
        try (node) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!node.ledger().reachable() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(node.ledger().reachable()).as("the schema was put in place in the background").isTrue();
            assertThat(node.ledger().apps()).isEmpty();
            node.ledger().append(line("STARTED"));
            assertThat(node.ledger().lines()).isEqualTo(1);
        }
    }

    @Test
    void droppedConnectionsAreReplacedAndTheListenerHearsAgain() throws Exception {
        try (TestNodes nodes = new TestNodes(server, shared, 2)) {
            ClusterLedger a = nodes.ledger(0);
            ClusterLedger b = nodes.ledger(1);
            assertThat(b.apps()).isEmpty();
            // The server ends every connection of node 2 (a restart or an administrator's kill does the same).
            try (Connection admin = DriverManager.getConnection(nodes.url, PostgresServer.USER, "");
                 Statement statement = admin.createStatement()) {
                statement.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE application_name = 'appsign node-2'");
            }
            long start = System.nanoTime();
            b.awaitChange(Duration.ofSeconds(10));
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .as("the wait ends once the lost LISTEN connection is back, so that the caller reads again")
                    .isLessThan(3000);
            assertThat(b.apps()).isEmpty();
            assertThat(b.reachable()).isTrue();

            CompletableFuture<Void> woken = CompletableFuture.runAsync(() -> {
                try {
                    b.awaitChange(Duration.ofSeconds(20));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(200);
            a.commit(TestNodes.install("com.acme.a", "1.0.0", PostgresLedgerTest.sha(1), "node-1"), line("INSTALLED"));
            woken.get(1, TimeUnit.SECONDS);
        }
    }

}
