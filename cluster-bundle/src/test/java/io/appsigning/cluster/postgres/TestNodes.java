package io.appsigning.cluster.postgres;

import io.appsigning.cluster.ClusterChange;
import io.appsigning.cluster.ClusterLedger;
import io.appsigning.cluster.ClusterSessions;
import io.appsigning.gate.AppRecord;
import io.appsigning.gate.Origin;
import io.appsigning.gate.SignatureStatus;
import io.appsigning.testsupport.PostgresServer;
import io.appsigning.verifier.Flow;
import io.appsigning.verifier.ReasonCode;
import io.appsigning.verifier.Signer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Several "nodes" (each its own {@link PostgresCluster}, as in separate processes) on one fresh database. */
final class TestNodes implements AutoCloseable {

    /** Given to every node; the test server trusts loopback, so it is never checked, only never to be shown. */
    static final String PASSWORD = "pw-never-shown-7f3a9c";

    final String url;
    final Path sharedHome;
    private final List<PostgresCluster> nodes = new ArrayList<>();

    TestNodes(PostgresServer server, Path sharedHome, int count) throws Exception {
        this.url = server.newDatabase();
        this.sharedHome = sharedHome;
        for (int i = 0; i < count; i++) {
            nodes.add(PostgresCluster.start(settings(url, "node-" + (i + 1), sharedHome)));
        }
    }

    static ClusterSettings settings(String url, String nodeId, Path sharedHome) {
        return new ClusterSettings(url, PostgresServer.USER, PASSWORD, nodeId, sharedHome);
    }

    /** Starts the nodes at the same moment, each on its own thread. */
    static List<PostgresCluster> startAtOnce(List<ClusterSettings> settings) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(settings.size());
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<Future<PostgresCluster>> started = new ArrayList<>();
            for (ClusterSettings each : settings) {
                started.add(pool.submit(() -> {
                    go.await();
                    return PostgresCluster.start(each);
                }));
            }
            go.countDown();
            List<PostgresCluster> clusters = new ArrayList<>();
            for (Future<PostgresCluster> future : started) {
                clusters.add(future.get());
            }
            return clusters;
        } finally {
            pool.shutdownNow();
        }
    }

    ClusterLedger ledger(int index) {
        return nodes.get(index).ledger();
    }

    ClusterSessions sessions(int index) {
        return nodes.get(index).sessions();
    }

    int size() {
        return nodes.size();
    }

    static AppRecord record(String key, String version, String sha256) {
        return new AppRecord(key, version, SignatureStatus.VERIFIED, Flow.CUSTOM,
                new Signer("CN=Acme Private Builds", "ab".repeat(32)), ReasonCode.VERIFIED, sha256,
                Instant.parse("2026-11-25T10:15:30.123456Z"), "admin", List.of());
    }

    static ClusterChange install(String key, String version, String sha256, String node) {
        return ClusterChange.install(record(key, version, sha256), Origin.UPLOAD, null, node);
    }

    /** Runs the tasks at once, on a thread each, and returns their results in order. */
    static <T> List<T> atOnce(List<Callable<T>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return task.call();
                }));
            }
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @Override
    public void close() {
        nodes.forEach(PostgresCluster::close);
    }
}
