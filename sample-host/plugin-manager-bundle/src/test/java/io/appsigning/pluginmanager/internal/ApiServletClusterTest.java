package io.appsigning.pluginmanager.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.appsigning.audit.AuditTrail;
import io.appsigning.cluster.ClusterLedger;
import io.appsigning.cluster.ClusterMode;
import io.appsigning.cluster.ClusterStatus;
import io.appsigning.cluster.ClusterUnavailableException;
import io.appsigning.cluster.NodeStatus;
import io.appsigning.gate.PolicyService;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;

/**
 * {@code GET /api/cluster}, {@code GET /api/audit} and sign-in through the servlet, on a single
 * node and in Data Center mode: two real frameworks, one with the cluster's properties, whose
 * contexts the components are activated with.
 */
class ApiServletClusterTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    @TempDir
    static Path dir;
    static Framework single;
    static Framework clustered;

    @BeforeAll
    static void boot() throws Exception {
        single = start("single", Map.of("appsigning.home", dir.resolve("single-home").toString()));
        clustered = start("cluster", Map.of(
                "appsigning.home", dir.resolve("node1-home").toString(),
                ClusterMode.DATABASE, "jdbc:postgresql://db.invalid/appsigning",
                ClusterMode.SHARED_HOME, dir.resolve("shared").toString(),
                ClusterMode.NODE_ID, "node1"));
    }

    private static Framework start(String name, Map<String, String> properties) throws Exception {
        Map<String, String> config = new HashMap<>(properties);
        config.put(Constants.FRAMEWORK_STORAGE, dir.resolve(name + "-cache").toString());
        Framework framework = new FrameworkFactory().newFramework(config);
        framework.start();
        return framework;
    }

    @AfterAll
    static void shutDown() throws Exception {
        for (Framework framework : List.of(single, clustered)) {
            framework.stop();
            framework.waitForStop(10_000);
        }
    }

    /** A node's plugin manager: its account and its API, activated as SCR would, on that framework. */
    private record Node(AdminAuth auth, ApiServlet api) {
        FakeHttp.Answer get(String path, String session) throws Exception {
            return FakeHttp.call(api, "GET", path, Map.of(), session, Map.of());
        }

        FakeHttp.Answer get(String path, String session, Map<String, String> parameters) throws Exception {
            return FakeHttp.call(api, "GET", path, Map.of(), session, parameters);
        }
    }

    private static Node node(Framework framework, TestClusterSessions database) throws Exception {
        AdminAuth auth = new AdminAuth();
        auth.clusterSessions = database;
        auth.activate(framework.getBundleContext());
        ApiServlet api = new ApiServlet();
        api.auth = auth;
        api.activate(framework.getBundleContext());
        return new Node(auth, api);
    }

    private static final class TestStatus implements ClusterStatus {
        NodeStatus local;
        List<NodeStatus> nodes = List.of();
        boolean reachable = true;

        @Override
        public NodeStatus local() {
            return local;
        }

        @Override
        public List<NodeStatus> nodes() {
            return nodes;
        }

        @Override
        public boolean databaseReachable() {
            return reachable;
        }
    }

    @Test
    void aSingleNodeSaysOnlyThatItIsNotClusteredWhateverServicesExist() throws Exception {
        Node node = node(single, new TestClusterSessions());
        assertThat(node.get("/cluster", null).status()).as("admin only").isEqualTo(401);
        String session = node.auth().login("admin").id();
        TestStatus stray = new TestStatus();
        stray.local = new NodeStatus("stray", NOW, false, 1, List.of(), "?");
        node.api().clusterStatus = stray;
        FakeHttp.Answer answer = node.get("/cluster", session);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body().toString()).isEqualTo("{\"clustered\":false}");
    }

    @Test
    void aClusterNodeReportsItselfAndEveryNode() throws Exception {
        TestClusterSessions database = new TestClusterSessions();
        Node node = node(clustered, database);
        String session = node.auth().login("admin").id();
        assertThat(database.sessions).as("the session went to the cluster").hasSize(1);
        assertThat(node.get("/cluster", null).status()).as("admin only").isEqualTo(401);

        FakeHttp.Answer absent = node.get("/cluster", session);
        assertThat(absent.status()).as("no ClusterStatus in cluster mode").isEqualTo(503);
        assertThat(absent.body().at("/error/code").asText()).isEqualTo("CLUSTER_UNAVAILABLE");

        TestStatus status = new TestStatus();
        NodeStatus.Problem refused = new NodeStatus.Problem("com.example.app", "1.2.0", "SIGNATURE_MISMATCH",
                "the signature does not verify against this node's trust store");
        status.local = new NodeStatus("node1", NOW, false, 41, List.of(refused), "safe, 3 certificates");
        status.nodes = List.of(status.local, new NodeStatus("node2", NOW.minusSeconds(5), true, 42, List.of(), "safe, 3 certificates"));
        status.reachable = true;
        node.api().clusterStatus = status;

        FakeHttp.Answer answer = node.get("/cluster", session);
        assertThat(answer.status()).isEqualTo(200);
        JsonNode body = answer.body();
        assertThat(body.get("clustered").asBoolean()).isTrue();
        assertThat(body.get("nodeId").asText()).isEqualTo("node1");
        assertThat(body.get("inSync").asBoolean()).isFalse();
        assertThat(body.get("databaseReachable").asBoolean()).isTrue();
        assertThat(body.get("problems").toString()).isEqualTo("[{\"key\":\"com.example.app\",\"version\":\"1.2.0\","
                + "\"reason\":\"SIGNATURE_MISMATCH\",\"message\":\"the signature does not verify against this node's trust store\"}]");
        assertThat(body.get("nodes")).hasSize(2);
        JsonNode node2 = body.get("nodes").get(1);
        assertThat(node2.get("nodeId").asText()).isEqualTo("node2");
        assertThat(node2.get("lastSeen").asText()).isEqualTo("2026-11-25T11:59:55Z");
        assertThat(node2.get("inSync").asBoolean()).isTrue();
        assertThat(node2.get("appliedSeq").asLong()).isEqualTo(42);
        assertThat(node2.get("problems")).isEmpty();
        assertThat(node2.get("trustStore").asText()).isEqualTo("safe, 3 certificates");
        assertThat(body.get("nodes").get(0).get("problems").get(0).get("reason").asText()).isEqualTo("SIGNATURE_MISMATCH");

        status.reachable = false;
        assertThat(node.get("/cluster", session).body().get("databaseReachable").asBoolean()).isFalse();
    }

    @Test
    void withTheDatabaseDownACookieOrBasicCredentialsGet503AndNeverASession() throws Exception {
        TestClusterSessions database = new TestClusterSessions();
        Node node = node(clustered, database);
        String session = node.auth().login("admin").id();
        TestStatus status = new TestStatus();
        status.local = new NodeStatus("node1", NOW, true, 1, List.of(), "safe");
        node.api().clusterStatus = status;
        database.down = true;

        for (String path : List.of("/cluster", "/apps", "/session")) {
            FakeHttp.Answer answer = node.get(path, session);
            assertThat(answer.status()).as(path).isEqualTo(503);
            assertThat(answer.body().at("/error/code").asText()).isEqualTo("CLUSTER_UNAVAILABLE");
            assertThat(answer.body().at("/error/message").asText()).contains("database cannot be reached");
            assertThat(answer.headers()).containsKey("Retry-After");
        }
        String basic = "Basic " + Base64.getEncoder().encodeToString("admin:whatever".getBytes(StandardCharsets.UTF_8));
        FakeHttp.Answer withBasic = FakeHttp.call(node.api(), "GET", "/cluster", Map.of("Authorization", basic), null, Map.of());
        assertThat(withBasic.status()).isEqualTo(503);
        assertThat(withBasic.body().at("/error/code").asText()).isEqualTo("CLUSTER_UNAVAILABLE");
        assertThat(node.get("/cluster", null).status()).as("no credentials: simply not signed in").isEqualTo(401);

        database.down = false;
        assertThat(node.get("/cluster", session).status()).as("the node recovers by itself").isEqualTo(200);
    }

    @Test
    void aSettingsChangeTheDatabaseDidNotTakeIsAPlain503AndTheDetailIsOnlyLogged() throws Exception {
        Node node = node(clustered, new TestClusterSessions());
        AdminAuth.Session session = node.auth().login("admin");
        String detail = "The policy was not changed: Could not save the admin policy: the cluster's database"
                + " db-17.corp.internal:5432/appsigning_prod cannot be reached";
        List<Map<String, String>> asked = new ArrayList<>();
        node.api().policies = (PolicyService) Proxy.newProxyInstance(ApiServletClusterTest.class.getClassLoader(),
                new Class<?>[] {PolicyService.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("update")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, String> changes = (Map<String, String>) args[0];
                    asked.add(changes);
                    throw new UncheckedIOException(detail, new ClusterUnavailableException(detail));
                });

        List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(ApiServlet.class.getName());
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                log.add(record.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        logger.addHandler(handler);
        FakeHttp.Answer answer;
        try {
            answer = FakeHttp.call(node.api(), "PUT", "/settings", Map.of("X-CSRF-Token", session.csrfToken()), session.id(),
                    Map.of(), "{\"mode\": \"ENFORCE\"}".getBytes(StandardCharsets.UTF_8));
        } finally {
            logger.removeHandler(handler);
        }
        assertThat(asked).containsExactly(Map.of("mode", "ENFORCE"));
        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.headers()).containsKey("Retry-After");
        assertThat(answer.body().at("/error/code").asText()).isEqualTo("CLUSTER_UNAVAILABLE");
        assertThat(answer.body().at("/error/message").asText()).isEqualTo(ApiServlet.SETTINGS_NOT_STORED);
        assertThat(answer.body().toString()).doesNotContain("db-17").doesNotContain("appsigning_prod").doesNotContain("5432");
        assertThat(log).as("the operator still learns why").anySatisfy(line -> assertThat(line).contains("admin")
                .contains("db-17.corp.internal:5432/appsigning_prod"));
    }

    /** A ledger whose chain holds {@code lines}; every other method is for other components. */
    private static ClusterLedger ledger(List<String> lines, boolean[] down, List<long[]> queries) {
        return (ClusterLedger) Proxy.newProxyInstance(ApiServletClusterTest.class.getClassLoader(), new Class<?>[] {ClusterLedger.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "auditLines" -> {
                        if (down[0]) {
                            throw new ClusterUnavailableException("connection refused");
                        }
                        long from = (Long) args[0];
                        int max = (Integer) args[1];
                        queries.add(new long[] {from, max});
                        yield lines.subList((int) Math.min(lines.size(), from - 1), (int) Math.min(lines.size(), from - 1 + max));
                    }
                    case "head" -> "ab".repeat(32);
                    case "lines" -> (long) lines.size();
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void theAuditPageReadsTheClusterChainInPagesAndFailsClosed() throws Exception {
        Node node = node(clustered, new TestClusterSessions());
        String session = node.auth().login("admin").id();
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 2 * ApiServlet.AUDIT_PAGE + 5; i++) {
            String key = i % 2 == 0 ? "com.acme.even" : "com.acme.odd";
            lines.add("{\"time\":\"2026-11-25T10:00:00Z\",\"node\":\"node" + (i % 3) + "\",\"key\":\"" + key
                    + "\",\"decision\":\"INSTALLED\",\"n\":" + i + "}");
        }
        boolean[] down = {false};
        List<long[]> queries = new ArrayList<>();
        // This node's own file must not be what is shown.
        Path local = dir.resolve("local-audit.log");
        Files.writeString(local, "{\"decision\":\"LOCAL_ONLY\"}\n");
        node.api().audit = localTrail(local);

        FakeHttp.Answer absent = node.get("/audit", session);
        assertThat(absent.status()).as("no ledger in cluster mode: no falling back to the local file").isEqualTo(503);
        assertThat(absent.body().at("/error/code").asText()).isEqualTo("CLUSTER_UNAVAILABLE");

        node.api().clusterLedger = ledger(lines, down, queries);
        FakeHttp.Answer answer = node.get("/audit", session, Map.of("app", "com.acme.even", "size", "10", "page", "1"));
        assertThat(answer.status()).isEqualTo(200);
        JsonNode body = answer.body();
        assertThat(body.get("total").asInt()).isEqualTo(ApiServlet.AUDIT_PAGE + 2);
        assertThat(body.get("lines").asLong()).isEqualTo(lines.size());
        assertThat(body.get("head").asText()).isEqualTo("ab".repeat(32));
        assertThat(body.get("page").asInt()).isEqualTo(1);
        assertThat(body.get("entries")).hasSize(10);
        // Newest first: the last even line is 2004; page 1 of 10 starts ten even lines earlier.
        assertThat(body.get("entries").get(0).get("n").asInt()).isEqualTo(2 * ApiServlet.AUDIT_PAGE + 4 - 20);
        assertThat(body.get("entries").get(0).get("line").asInt()).isEqualTo(2 * ApiServlet.AUDIT_PAGE + 4 - 20);
        assertThat(body.toString()).doesNotContain("LOCAL_ONLY");
        assertThat(queries).extracting(q -> q[0]).containsExactly(1L, 1L + ApiServlet.AUDIT_PAGE, 1L + 2 * ApiServlet.AUDIT_PAGE);

        down[0] = true;
        FakeHttp.Answer unreachable = node.get("/audit", session);
        assertThat(unreachable.status()).isEqualTo(503);
        assertThat(unreachable.body().at("/error/code").asText()).isEqualTo("CLUSTER_UNAVAILABLE");
        assertThat(unreachable.body().at("/error/message").asText()).contains("audit chain");
    }

    @Test
    void aSingleNodeStillReadsItsOwnAuditFile() throws Exception {
        Node node = node(single, new TestClusterSessions());
        String session = node.auth().login("admin").id();
        Path file = dir.resolve("single-audit.log");
        Files.writeString(file, "{\"decision\":\"INSTALLED\",\"key\":\"com.acme.a\"}\n{\"decision\":\"REJECTED\",\"key\":\"com.acme.b\"}\n");
        node.api().audit = localTrail(file);
        node.api().clusterLedger = ledger(List.of("{\"decision\":\"FROM_CLUSTER\"}"), new boolean[1], new ArrayList<>());
        JsonNode body = node.get("/audit", session).body();
        assertThat(body.get("total").asInt()).isEqualTo(2);
        assertThat(body.get("entries").get(0).get("key").asText()).isEqualTo("com.acme.b");
        assertThat(body.get("head").asText()).isEqualTo("cd".repeat(32));
        assertThat(body.toString()).doesNotContain("FROM_CLUSTER");
    }

    private static AuditTrail localTrail(Path file) {
        return new AuditTrail() {
            @Override
            public void append(Map<String, ?> line) {
                throw new UnsupportedOperationException();
            }

            @Override
            public String head() {
                return "cd".repeat(32);
            }

            @Override
            public long lines() {
                return 2;
            }

            @Override
            public String location() {
                return file.toString();
            }
        };
    }
}
