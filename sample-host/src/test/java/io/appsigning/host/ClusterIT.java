package io.appsigning.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.appsigning.testsupport.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data Center mode (issue 15): three real product nodes, each as the product user with its own
 * home, on one throwaway PostgreSQL and one shared home whose {@code upmconfig/} is root's, as the
 * README's Data Center section sets a cluster up. The tests run in order on the one cluster; each
 * leaves it converged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PROPAGATION = Duration.ofSeconds(10);
    /** A second product user, in the first one's group, for a node whose own user may write the trust store. */
    private static final String OTHER_USER = System.getProperty("appsign.test.user2", "appsign2");

    private Path root;
    private PostgresServer database;
    private Path shared;
    private final HostProcess[] nodes = new HostProcess[3];
    private final Http[] http = new Http[3];
    private TestApps vendor;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void startCluster(@TempDir Path temporary) throws Exception {
        // The production layout (a root-owned configuration in a root-owned shared home, the nodes as product users)
        // needs root; as anyone else the shared trust store would be the tester's own, and rightly trust nothing.
        Assumptions.assumeTrue(HostProcess.asProductUser(), "needs root and the product user " + HostProcess.PRODUCT_USER
                + " (.ci/run creates it), as a Data Center's layout does");
        root = temporary;
        vendor = new TestApps("CN=Acme Data Center Vendor");
        database = PostgresServer.start();
        shared = root.resolve("shared");
        Path truststore = shared.resolve("upmconfig/truststore");
        Files.createDirectories(truststore);
        Files.writeString(truststore.resolve("vendor.crt"), vendor.certificatePem());
        Files.writeString(shared.resolve("upmconfig/signing.properties"), "mode=WARN\n");
        for (Path folder : List.of(root, shared.resolve("upmconfig"), truststore)) {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String folder : List.of("apps", "signatures", "data")) {
            // As the README sets a shared home up: root's, with the folders the nodes write given to the product's
            // group (setgid, so that what any node's user writes stays the group's); upmconfig/ stays root's.
            Path own = Files.createDirectories(shared.resolve(folder));
            run("chown", HostProcess.PRODUCT_USER + ":" + HostProcess.PRODUCT_USER, own.toString());
            run("chmod", "2770", own.toString());
        }
        ExecutorService starting = Executors.newFixedThreadPool(3);
        List<Future<HostProcess>> started = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int n = i;
            started.add(starting.submit(() -> startNode(n, HostProcess.PRODUCT_USER)));
        }
        for (int i = 0; i < 3; i++) {
            nodes[i] = started.get(i).get(120, TimeUnit.SECONDS);
            http[i] = new Http(nodes[i]);
        }
        starting.shutdown();
    }

    private HostProcess startNode(int n, String user) throws Exception {
        return HostProcess.startNode(root.resolve("node-" + (n + 1)), shared, database.jdbcUrl(), "node-" + (n + 1), user,
                "-Xmx256m");
    }

    @AfterAll
    void stopCluster() throws Exception {
        for (HostProcess node : nodes) {
            if (node != null) {
                node.close();
            }
        }
        if (database != null) {
            database.close();
        }
    }

    // ---- propagation -----------------------------------------------------------------------

    @Test
    @Order(1)
    void anUploadToOneNodeRunsOnEveryNodeAndAnUninstallOnAnotherRemovesItEverywhere() throws Exception {
        byte[] app = TestApps.bundle("com.acme.dc.first", "1.0.0", 200);
        Http.Response uploaded = http[0].upload(app, vendor.signatureFile(app));
        assertThat(uploaded.status()).as(uploaded.text()).isEqualTo(201);
        for (int i = 1; i < 3; i++) {
            JsonNode there = awaitApp(i, "com.acme.dc.first", a -> "ACTIVE".equals(a.path("state").asText())
                    && "VERIFIED".equals(a.path("signature").path("status").asText()), PROPAGATION);
            assertThat(there.path("sha256").asText()).isEqualTo(io.appsigning.truststore.TrustedCertificate.sha256Hex(app));
            assertThat(there.path("installedBy").asText()).isEqualTo("admin");
        }
        assertThat(http[2].delete("/api/apps/com.acme.dc.first").status()).isEqualTo(204);
        for (int i = 0; i < 2; i++) {
            awaitGone(i, "com.acme.dc.first", PROPAGATION);
        }
        JsonNode cluster = http[1].get("/api/cluster").json();
        assertThat(cluster.path("clustered").asBoolean()).isTrue();
        assertThat(cluster.path("nodeId").asText()).isEqualTo("node-2");
        awaitInSync(1);
        assertThat(http[1].get("/api/cluster").json().path("nodes")).hasSize(3);
    }

    // ---- the admin: policy and sessions ----------------------------------------------------

    @Test
    @Order(2)
    void theAdminsTighteningHoldsOnEveryNodeAtOnceAndASessionWorksOnAnyNode() throws Exception {
        HttpResponse<String> login = client.send(HttpRequest.newBuilder(URI.create(nodes[0].url("/api/login")))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"admin\",\"password\":\"" + HostProcess.PASSWORD + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        String csrf = JSON.readTree(login.body()).path("csrfToken").asText();

        // A load balancer sends the next request to node 2: the session made on node 1 holds there.
        HttpResponse<String> onNode2 = client.send(HttpRequest.newBuilder(URI.create(nodes[1].url("/api/apps")))
                .header("Cookie", cookie).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(onNode2.statusCode()).as(onNode2.body()).isEqualTo(200);

        // The tightening, made on node 2 with that session, holds on node 3 for the very next upload.
        HttpResponse<String> tighten = client.send(HttpRequest.newBuilder(URI.create(nodes[1].url("/api/settings")))
                .header("Cookie", cookie).header("X-CSRF-Token", csrf).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"mode\": \"ENFORCE\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(tighten.statusCode()).as(tighten.body()).isEqualTo(200);
        Http.Response unsigned = http[2].upload(TestApps.bundle("com.acme.dc.unsigned", "1.0.0", 10), null);
        assertThat(unsigned.code()).as(unsigned.text()).isEqualTo("MISSING_SIGNATURE");
        assertThat(http[0].get("/api/settings").json().path("effective").path("upload").asText()).isEqualTo("ENFORCE");

        // Relaxing stays the operator's, from any node.
        assertThat(http[2].put("/api/settings", "{\"mode\": \"WARN\"}").code()).isEqualTo("POLICY_LOCKED");

        // Signing out on node 3 ends the session on every node.
        HttpResponse<String> logout = client.send(HttpRequest.newBuilder(URI.create(nodes[2].url("/api/logout")))
                .header("Cookie", cookie).header("X-CSRF-Token", csrf).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(logout.statusCode()).as(logout.body()).isEqualTo(204);
        HttpResponse<String> after = client.send(HttpRequest.newBuilder(URI.create(nodes[0].url("/api/apps")))
                .header("Cookie", cookie).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(after.statusCode()).isEqualTo(401);
    }

    // ---- many uploads at once --------------------------------------------------------------

    @Test
    @Order(3)
    void sixtyConcurrentUploadsOverThreeNodesGiveRightDecisionsEveryAppEverywhereAndOneIntactChain() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(12);
        List<Future<Http.Response>> answers = new ArrayList<>();
        Set<String> good = new TreeSet<>();
        for (int i = 0; i < 60; i++) {
            String key = "com.acme.dc.bulk" + i;
            byte[] app = TestApps.bundle(key, "1.0." + i, 100 + i);
            byte[] signature = vendor.signatureFile(app);
            boolean tampered = i % 2 == 1;
            if (!tampered) {
                good.add(key);
            }
            Http target = http[i % 3];
            answers.add(pool.submit(() -> target.upload(tampered ? TestApps.tampered(app) : app, signature)));
        }
        for (int i = 0; i < 60; i++) {
            Http.Response answer = answers.get(i).get(120, TimeUnit.SECONDS);
            if (i % 2 == 0) {
                assertThat(answer.status()).as("upload %d: %s", i, answer.text()).isEqualTo(201);
            } else {
                assertThat(answer.code()).as("upload %d: %s", i, answer.text()).isEqualTo("SIGNATURE_MISMATCH");
            }
        }
        pool.shutdown();
        for (int n = 0; n < 3; n++) {
            // Every good app on every node, started and verified there (an app being installed shows a moment as RESOLVED).
            awaitApps(n, apps -> bulk(apps).equals(good) && allBulk(apps, app -> "ACTIVE".equals(app.path("state").asText())
                    && "VERIFIED".equals(app.path("signature").path("status").asText())), Duration.ofSeconds(30));
            awaitInSync(n);
        }

        // One chain for the whole cluster, as the operator checks it: appsign audit-verify --db, against the head a node reports.
        String head = http[1].get("/api/health").json().path("audit").path("head").asText();
        Cli verify = appsign("audit-verify", "--db", database.jdbcUrl(), "--head", head);
        assertThat(verify.exitCode()).as(verify.output()).isZero();
        assertThat(verify.output()).contains("INTACT").contains("chain intact").contains(head);
        List<String> lines = auditLines();
        assertThat(verify.output()).contains(lines.size() + " lines");
        // An edit in the database is found, naming the line; put back, the chain is intact again.
        int edited = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("\"decision\":\"REJECTED\"")) {
                edited = i + 1;
                break;
            }
        }
        assertThat(edited).isPositive();
        try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), "appsign", "");
             java.sql.PreparedStatement update = connection.prepareStatement("UPDATE appsign_audit SET line_text = ? WHERE line = ?")) {
            update.setString(1, lines.get(edited - 1).replace("\"decision\":\"REJECTED\"", "\"decision\":\"INSTALLED\""));
            update.setLong(2, edited);
            assertThat(update.executeUpdate()).isEqualTo(1);
            Cli broken = appsign("audit-verify", "--db", database.jdbcUrl());
            assertThat(broken.exitCode()).as(broken.output()).isEqualTo(1);
            assertThat(broken.output()).contains("BROKEN").contains("line " + (edited + 1) + " does not follow line " + edited);
            update.setString(1, lines.get(edited - 1));
            assertThat(update.executeUpdate()).isEqualTo(1);
        }
        assertThat(appsign("audit-verify", "--db", database.jdbcUrl()).exitCode()).isZero();
        long installed = lines.stream().filter(l -> l.contains("\"decision\":\"INSTALLED\"") && l.contains("dc.bulk")).count();
        long rejected = lines.stream().filter(l -> l.contains("\"decision\":\"REJECTED\"") && l.contains("SIGNATURE_MISMATCH")
                && l.contains("dc.bulk")).count();
        assertThat(installed).isEqualTo(30);
        assertThat(rejected).isEqualTo(30);
        Set<String> writers = new TreeSet<>();
        for (String line : lines) {
            writers.add(JSON.readTree(line).path("node").asText());
        }
        assertThat(writers).contains("node-1", "node-2", "node-3");
    }

    // ---- a node that crashes ---------------------------------------------------------------

    @Test
    @Order(4)
    void aNodeKilledDuringAPropagationConvergesWhenItComesBackAndNothingIsHalfInstalled() throws Exception {
        byte[] big = TestApps.bundle("com.acme.dc.big", "1.0.0", 4 * 1024 * 1024);
        assertThat(http[0].upload(big, vendor.signatureFile(big)).status()).isEqualTo(201);
        nodes[1].kill(); // while it copies, checks or installs the big app
        byte[] whileAway = TestApps.bundle("com.acme.dc.whileaway", "1.0.0", 50);
        assertThat(http[2].upload(whileAway, vendor.signatureFile(whileAway)).status()).isEqualTo(201);
        assertThat(http[2].delete("/api/apps/com.acme.dc.bulk0").status()).isEqualTo(204);

        nodes[1] = startNode(1, HostProcess.PRODUCT_USER);
        http[1] = new Http(nodes[1]);
        Map<String, String> expected = runningApps(0);
        assertThat(expected).containsKeys("com.acme.dc.big", "com.acme.dc.whileaway").doesNotContainKey("com.acme.dc.bulk0");
        awaitApps(1, apps -> running(apps).equals(expected), Duration.ofSeconds(20));
        for (JsonNode app : apps(1)) {
            assertThat(app.path("state").asText()).as(app.toString()).isEqualTo("ACTIVE");
        }
        awaitInSync(1);
    }

    // ---- a node that cannot trust the shared trust store ------------------------------------

    @Test
    @Order(5)
    void aNodeWhoseUserCouldChangeTheTrustStoreRefusesTheClustersAppsAndSaysSo() throws Exception {
        Assumptions.assumeTrue(userExists(OTHER_USER),
                "needs root and a second product user " + OTHER_USER + " (.ci/run creates it)");
        Path truststore = shared.resolve("upmconfig/truststore");
        nodes[2].close();
        // Node 3's own user may write the shared trust store (an ACL entry for it alone): for that node it trusts nothing.
        run("setfacl", "-m", "u:" + OTHER_USER + ":rwx", truststore.toString());
        try {
            nodes[2] = startNode(2, OTHER_USER);
            http[2] = new Http(nodes[2]);
            byte[] app = TestApps.bundle("com.acme.dc.refused", "1.0.0", 60);
            assertThat(http[0].upload(app, vendor.signatureFile(app)).status()).isEqualTo(201);
            awaitApp(1, "com.acme.dc.refused", a -> "ACTIVE".equals(a.path("state").asText()), PROPAGATION);

            JsonNode cluster = await(() -> http[2].get("/api/cluster").json(),
                    c -> !c.path("inSync").asBoolean(true) && c.path("problems").toString().contains("com.acme.dc.refused"),
                    PROPAGATION);
            assertThat(cluster.path("problems").toString()).contains("TRUST_STORE_UNSAFE");
            assertThat(apps(2).toString()).doesNotContain("com.acme.dc.refused");
            JsonNode check = clusterCheck(http[2].get("/api/health").json());
            assertThat(check.path("status").asText()).isEqualTo("CRITICAL");
            assertThat(check.toString()).contains("com.acme.dc.refused").contains("TRUST_STORE_UNSAFE");
            JsonNode seenFromNode1 = await(() -> http[0].get("/api/cluster").json(),
                    c -> c.path("nodes").toString().contains("node-3") && nodeEntry(c, "node-3").path("inSync").asBoolean(true) == false,
                    PROPAGATION);
            assertThat(nodeEntry(seenFromNode1, "node-3").path("problems").toString()).contains("com.acme.dc.refused");
            String card = healthPageCluster(0, "cluster-health-node-1-sees-node-3-refuse");
            assertThat(card).contains("node-3").contains("Out of sync").contains("com.acme.dc.refused")
                    .contains("TRUST_STORE_UNSAFE").contains("node-1 (this node)");
        } finally {
            run("setfacl", "-x", "u:" + OTHER_USER, truststore.toString());
        }
        // Protected again: the node takes the app by itself.
        awaitApp(2, "com.acme.dc.refused", a -> "ACTIVE".equals(a.path("state").asText()) && "VERIFIED".equals(a.path("signature").path("status").asText()),
                Duration.ofSeconds(30));
        awaitInSync(2);
    }

    // ---- the database away -----------------------------------------------------------------

    @Test
    @Order(6)
    void withTheDatabaseAwayUploadsAreRefusedAppsKeepRunningAndEverythingRecoversWithoutRestarts() throws Exception {
        Map<String, String> before = runningApps(0);
        byte[] slow = TestApps.bundle("com.acme.dc.straddles", "1.0.0", 300_000);
        CountDownLatch halfSent = new CountDownLatch(1);
        CountDownLatch databaseAway = new CountDownLatch(1);
        ExecutorService background = Executors.newSingleThreadExecutor();
        Future<HttpResponse<String>> straddling = background.submit(() -> slowUpload(nodes[0], slow, vendor.signatureFile(slow),
                halfSent, databaseAway));
        assertThat(halfSent.await(30, TimeUnit.SECONDS)).isTrue();
        long pausedAt = System.nanoTime();
        database.pause();
        try {
            databaseAway.countDown();
            HttpResponse<String> answer = straddling.get(60, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
            assertThat(answer.body()).contains("CLUSTER_UNAVAILABLE");
            byte[] other = TestApps.bundle("com.acme.dc.during", "1.0.0", 10);
            Http.Response during = http[1].upload(other, vendor.signatureFile(other));
            assertThat(during.status()).as(during.text()).isEqualTo(503);
            assertThat(during.code()).isEqualTo("CLUSTER_UNAVAILABLE");
            long left = Duration.ofSeconds(20).toNanos() - (System.nanoTime() - pausedAt);
            if (left > 0) {
                Thread.sleep(left / 1_000_000);
            }
        } finally {
            database.resume();
            background.shutdownNow();
        }
        // Back by itself: no node restarted.
        byte[] after = TestApps.bundle("com.acme.dc.after", "1.0.0", 10);
        Http.Response accepted = await(() -> http[1].upload(after, vendor.signatureFile(after)), r -> r.status() != 503,
                Duration.ofSeconds(30));
        assertThat(accepted.status()).as(accepted.text()).isEqualTo(201);
        for (int n = 0; n < 3; n++) {
            awaitApp(n, "com.acme.dc.after", a -> "ACTIVE".equals(a.path("state").asText()), PROPAGATION);
            Map<String, String> now = runningApps(n);
            assertThat(now).as("node %d", n + 1).doesNotContainKeys("com.acme.dc.straddles", "com.acme.dc.during")
                    .containsAllEntriesOf(before);
        }
        for (HostProcess node : nodes) {
            assertThat(String.join("\n", node.output())).doesNotContain("sample-host stopped");
        }
    }

    @Test
    @Order(7)
    void uploadsWhileTheDatabaseIsStoppedForTwentySecondsAreEachOnEveryNodeOrOnNone() throws Exception {
        Map<String, String> before = runningApps(0);
        List<String> keys = new ArrayList<>();
        List<Future<Http.Response>> answers = new ArrayList<>();
        ExecutorService uploads = Executors.newFixedThreadPool(3);
        long[] stoppedAt = {0};
        try {
            for (int i = 0; i < 60; i++) {
                if (i == 10) {
                    // An administrator signed in on node 1 when the database goes away: the pages say so on top.
                    assertThat(bannerWhenTheDatabaseGoesAway(0, "cluster-banner-database-stopped", () -> {
                        database.shutDown();
                        stoppedAt[0] = System.nanoTime();
                    })).contains("database").contains("Installed apps keep running.");
                    assertThat(signInWhileTheDatabaseIsAway(1, "cluster-sign-in-database-stopped"))
                            .contains("database").doesNotContain("Wrong user or password");
                }
                if (stoppedAt[0] > 0 && i >= 10 && System.nanoTime() - stoppedAt[0] >= Duration.ofSeconds(20).toNanos()) {
                    database.startAgain();
                    stoppedAt[0] = -1;
                }
                String key = "com.acme.dc.outage" + i;
                byte[] app = TestApps.bundle(key, "1.0.0", 100);
                Http target = http[i % 3];
                keys.add(key);
                answers.add(uploads.submit(() -> target.upload(app, vendor.signatureFile(app))));
                Thread.sleep(500);
            }
        } finally {
            if (stoppedAt[0] > 0) {
                database.startAgain();
            }
            uploads.shutdown();
        }
        List<String> accepted = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < keys.size(); i++) {
            Http.Response answer = answers.get(i).get(120, TimeUnit.SECONDS);
            if (answer.status() == 201) {
                accepted.add(keys.get(i));
            } else {
                assertThat(answer.status()).as("upload %d: %s", i, answer.text()).isEqualTo(503);
                assertThat(answer.code()).isEqualTo("CLUSTER_UNAVAILABLE");
                refused++;
            }
        }
        assertThat(refused).as("uploads while the database was stopped").isGreaterThanOrEqualTo(20);
        // The first ones, seconds before the stop, went through on every node, node 3 (another user of the group) too.
        assertThat(accepted).containsAll(keys.subList(0, 8));
        assertThat(accepted).as("uploads before and after").hasSizeGreaterThanOrEqualTo(10);
        // Each accepted upload on every node, each refused one on none; what ran before runs still.
        for (int n = 0; n < 3; n++) {
            JsonNode apps = awaitApps(n, list -> accepted.stream().allMatch(key -> find(list, key) != null),
                    Duration.ofSeconds(20));
            for (String key : keys) {
                assertThat(find(apps, key) != null).as("node %d, %s", n + 1, key).isEqualTo(accepted.contains(key));
            }
            assertThat(running(apps)).containsAllEntriesOf(before);
            awaitInSync(n);
        }
    }

    // ---- how long a change takes to reach the others -----------------------------------------

    @Test
    @Order(8)
    void twentyUploadsOnNodeOneReachNodeThreeWithinTenSeconds() throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String key = "com.acme.dc.timed" + i;
            byte[] app = TestApps.bundle(key, "1.0.0", 1000);
            Http.Response answer = http[0].upload(app, vendor.signatureFile(app));
            long answered = System.nanoTime();
            assertThat(answer.status()).as(answer.text()).isEqualTo(201);
            awaitApp(2, key, a -> "ACTIVE".equals(a.path("state").asText()), PROPAGATION);
            millis.add((System.nanoTime() - answered) / 1_000_000);
        }
        Collections.sort(millis);
        long median = (millis.get(9) + millis.get(10)) / 2;
        System.out.println("Propagation from an upload's answer on node 1 to ACTIVE on node 3 (20 uploads, polled every 20 ms):"
                + " median " + median + " ms, worst " + millis.get(19) + " ms, best " + millis.get(0) + " ms");
        assertThat(millis.get(19)).isLessThan(PROPAGATION.toMillis());
    }

    // ---- updates -----------------------------------------------------------------------------

    @Test
    @Order(9)
    void anUpdateOnOneNodeReplacesTheAppOnEveryNodeAndADowngradeNeedsConsent() throws Exception {
        byte[] first = TestApps.bundle("com.acme.dc.updated", "1.0.0", 300);
        byte[] second = TestApps.bundle("com.acme.dc.updated", "2.0.0", 300);
        assertThat(http[0].upload(first, vendor.signatureFile(first)).status()).isEqualTo(201);
        for (int n = 0; n < 3; n++) {
            awaitApp(n, "com.acme.dc.updated", a -> "1.0.0".equals(a.path("version").asText())
                    && "ACTIVE".equals(a.path("state").asText()), PROPAGATION);
        }
        Http.Response updated = http[1].upload(second, vendor.signatureFile(second));
        assertThat(updated.status()).as(updated.text()).isEqualTo(201);
        String secondSha = io.appsigning.truststore.TrustedCertificate.sha256Hex(second);
        for (int n = 0; n < 3; n++) {
            awaitApp(n, "com.acme.dc.updated", a -> "2.0.0".equals(a.path("version").asText())
                    && "ACTIVE".equals(a.path("state").asText()) && secondSha.equals(a.path("sha256").asText())
                    && "VERIFIED".equals(a.path("signature").path("status").asText()), PROPAGATION);
        }
        // Going back is the same decision on any node: refused without consent, applied everywhere with it.
        Http.Response back = http[2].upload(first, vendor.signatureFile(first));
        assertThat(back.code()).as(back.text()).isEqualTo("DOWNGRADE");
        Http.Response consented = http[2].upload(first, vendor.signatureFile(first), Map.of("allowDowngrade", "true"));
        assertThat(consented.status()).as(consented.text()).isEqualTo(201);
        for (int n = 0; n < 3; n++) {
            awaitApp(n, "com.acme.dc.updated", a -> "1.0.0".equals(a.path("version").asText())
                    && "ACTIVE".equals(a.path("state").asText()), PROPAGATION);
            awaitInSync(n);
        }

        // A node that has not applied the cluster's newest version yet judges an update against the
        // cluster's, not its own: 1.0.1 sent to node 3 the moment node 1 accepted a large 3.0.0 (which node 3
        // is still reading from the shared home) is a downgrade, though node 3 itself still runs 1.0.0.
        byte[] third = TestApps.bundle("com.acme.dc.updated", "3.0.0", 8 * 1024 * 1024);
        byte[] patch = TestApps.bundle("com.acme.dc.updated", "1.0.1", 100);
        byte[] patchSignature = vendor.signatureFile(patch);
        assertThat(http[0].upload(third, vendor.signatureFile(third)).status()).isEqualTo(201);
        Http.Response behind = http[2].upload(patch, patchSignature);
        assertThat(behind.code()).as(behind.text()).isEqualTo("DOWNGRADE");
        assertThat(behind.text()).contains("3.0.0");
        for (int n = 0; n < 3; n++) {
            awaitApp(n, "com.acme.dc.updated", a -> "3.0.0".equals(a.path("version").asText())
                    && "ACTIVE".equals(a.path("state").asText()), PROPAGATION);
            awaitInSync(n);
        }
    }

    @Test
    @Order(10)
    void anObrArchiveIsOneAppOnEveryNodeWithItsDependencyAndGoesWithIt() throws Exception {
        byte[] suite = TestApps.obr(io.appsigning.testsupport.TestBundles.bundle("com.acme.dc.suite", "1.0.0", 0,
                Map.of("Import-Package", "com.acme.dc.lib")),
                io.appsigning.testsupport.TestBundles.bundle("com.acme.dc.lib", "1.0.0", 0, Map.of("Export-Package", "com.acme.dc.lib")));
        Http.Response uploaded = http[0].upload(Map.of("signature", vendor.signatureFile(suite), "app", suite), "suite.obr");
        assertThat(uploaded.status()).as(uploaded.text()).isEqualTo(201);
        String obrSha = io.appsigning.truststore.TrustedCertificate.sha256Hex(suite);
        for (int n = 0; n < 3; n++) {
            // The root bundle runs (so its dependency resolved there too); the dependency is not an app of its own.
            JsonNode app = awaitApp(n, "com.acme.dc.suite", a -> "ACTIVE".equals(a.path("state").asText()), PROPAGATION);
            assertThat(app.path("sha256").asText()).as("node %d", n + 1).isEqualTo(obrSha);
            assertThat(find(apps(n), "com.acme.dc.lib")).as("node %d", n + 1).isNull();
        }
        assertThat(http[1].delete("/api/apps/com.acme.dc.suite").status()).isEqualTo(204);
        for (int n = 0; n < 3; n++) {
            awaitGone(n, "com.acme.dc.suite", PROPAGATION);
            awaitInSync(n);
        }
    }

    @Test
    @Order(11)
    void aChangeEditedByHandInTheDatabaseIsNotGuessedAtAndEveryNodeSaysSo() throws Exception {
        byte[] app = TestApps.bundle("com.acme.dc.edited", "1.0.0", 100);
        assertThat(http[0].upload(app, vendor.signatureFile(app)).status()).isEqualTo(201);
        for (int n = 0; n < 3; n++) {
            awaitApp(n, "com.acme.dc.edited", a -> "ACTIVE".equals(a.path("state").asText()), PROPAGATION);
        }
        String record;
        try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), "appsign", "");
             Statement statement = connection.createStatement()) {
            try (ResultSet row = statement.executeQuery("SELECT record FROM appsign_changes WHERE app_key = 'com.acme.dc.edited'")) {
                assertThat(row.next()).isTrue();
                record = row.getString(1);
            }
            statement.executeUpdate("UPDATE appsign_changes SET record = '{\"key\": ' WHERE app_key = 'com.acme.dc.edited'");
            for (int n = 0; n < 3; n++) {
                Http client = http[n];
                JsonNode cluster = await(() -> client.get("/api/cluster").json(), c -> c.path("problems").toString()
                        .contains("CLUSTER_LOG_UNREADABLE"), PROPAGATION);
                assertThat(cluster.path("inSync").asBoolean(true)).isFalse();
                assertThat(clusterCheck(client.get("/api/health").json()).path("status").asText()).isEqualTo("CRITICAL");
                // What runs keeps running: nothing is removed on a guess either.
                assertThat(find(apps(n), "com.acme.dc.edited")).isNotNull();
            }
            try (java.sql.PreparedStatement restore = connection.prepareStatement(
                    "UPDATE appsign_changes SET record = ? WHERE app_key = 'com.acme.dc.edited'")) {
                restore.setString(1, record);
                assertThat(restore.executeUpdate()).isEqualTo(1);
            }
        }
        for (int n = 0; n < 3; n++) {
            awaitInSync(n);
        }
    }

    @Test
    @Order(12)
    void aChangeForgedInTheDatabaseGetsNoUnverifiedCodeOntoAnyNode() throws Exception {
        // Whoever can write the database (not the admin's web account) claims a verified app and puts unsigned bytes
        // in the shared home: each node checks the app itself, under ENFORCE, and refuses it.
        byte[] unsigned = TestApps.bundle("com.acme.dc.forged", "1.0.0", 100);
        String sha = io.appsigning.truststore.TrustedCertificate.sha256Hex(unsigned);
        Path stored = Files.write(shared.resolve("apps/" + sha + ".app"), unsigned);
        Files.setPosixFilePermissions(stored, PosixFilePermissions.fromString("rw-r--r--"));
        String record = "{\"key\":\"com.acme.dc.forged\",\"version\":\"1.0.0\",\"status\":\"VERIFIED\",\"appSha256\":\""
                + sha + "\",\"recordedAt\":\"2026-11-25T00:00:00Z\",\"installedBy\":\"admin\"}";
        try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), "appsign", "");
             java.sql.PreparedStatement insert = connection.prepareStatement("INSERT INTO appsign_changes (kind, app_key, version,"
                     + " origin, app_sha256, record, node, user_name, accepted_at) VALUES (?, 'com.acme.dc.forged', '1.0.0', ?, ?, ?,"
                     + " 'node-1', 'admin', now())")) {
            insert.setString(1, "INSTALL");
            insert.setString(2, "UPLOAD");
            insert.setString(3, sha);
            insert.setString(4, record);
            assertThat(insert.executeUpdate()).isEqualTo(1);
            // No NOTIFY came with it: the nodes find it by reading the log every few seconds.
            for (int n = 0; n < 3; n++) {
                Http client = http[n];
                JsonNode cluster = await(() -> client.get("/api/cluster").json(), c -> c.path("problems").toString()
                        .contains("com.acme.dc.forged"), PROPAGATION);
                assertThat(cluster.path("problems").toString()).contains("MISSING_SIGNATURE");
                assertThat(find(apps(n), "com.acme.dc.forged")).as("node %d", n + 1).isNull();
            }
            insert.setString(1, "UNINSTALL");
            insert.setString(2, null);
            insert.setString(3, null);
            insert.setString(4, null);
            assertThat(insert.executeUpdate()).isEqualTo(1);
        }
        for (int n = 0; n < 3; n++) {
            awaitInSync(n);
        }
        assertThat(auditLines()).anyMatch(line -> line.contains("\"decision\":\"NODE_REFUSED\"") && line.contains("com.acme.dc.forged"));
    }

    // ---- helpers ---------------------------------------------------------------------------

    private interface BrowserSession<T> {
        T run(org.openqa.selenium.chrome.ChromeDriver browser, org.openqa.selenium.support.ui.WebDriverWait wait)
                throws Exception;
    }

    /** Real Chromium (headless), for one look at a node's pages; skipped where Debian's chromium is missing. */
    private static <T> T inBrowser(BrowserSession<T> session) throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        Path chromedriver = Path.of("/usr/bin/chromedriver");
        Assumptions.assumeTrue(Files.isExecutable(chromium) && Files.isExecutable(chromedriver),
                "Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
        org.openqa.selenium.chrome.ChromeOptions options = new org.openqa.selenium.chrome.ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--window-size=1366,900", "--user-data-dir=" + Files.createTempDirectory("chromium-cluster"));
        org.openqa.selenium.chrome.ChromeDriver browser = new org.openqa.selenium.chrome.ChromeDriver(
                new org.openqa.selenium.chrome.ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                        .usingAnyFreePort().build(), options);
        try {
            return session.run(browser, new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(20)));
        } finally {
            browser.quit();
        }
    }

    private static void screenshot(org.openqa.selenium.chrome.ChromeDriver browser, String name) throws Exception {
        Path screenshots = Files.createDirectories(Path.of(System.getProperty("screenshots", "target/screenshots")));
        Files.write(screenshots.resolve(name + ".png"), browser.getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
    }

    /**
     * Screenshots NAME at 1366 px and NAME-390 at a phone's 390 px, where nothing may be wider than
     * the screen; {@code beforeEach}, if any, runs before each (a scroll to what the picture is of).
     */
    private static void atBothWidths(org.openqa.selenium.chrome.ChromeDriver browser, String name, String what,
                                     String beforeEach) throws Exception {
        if (beforeEach != null) {
            browser.executeScript(beforeEach);
        }
        screenshot(browser, name);
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        Thread.sleep(300);
        if (beforeEach != null) {
            browser.executeScript(beforeEach);
        }
        Number overflow = (Number) browser.executeScript("return document.documentElement.scrollWidth - window.innerWidth;");
        assertThat(overflow.intValue()).as(what + " at 390 px").isLessThanOrEqualTo(0);
        screenshot(browser, name + "-390");
    }

    /** Opens a node's plugin manager and sends the admin's password through its sign-in page. */
    private void signIn(org.openqa.selenium.chrome.ChromeDriver browser, org.openqa.selenium.support.ui.WebDriverWait wait,
                        int node) {
        browser.get(nodes[node].url("/"));
        wait.until(org.openqa.selenium.support.ui.ExpectedConditions.visibilityOfElementLocated(
                org.openqa.selenium.By.id("login-password"))).sendKeys(HostProcess.PASSWORD);
        browser.findElement(org.openqa.selenium.By.id("login-submit")).click();
    }

    /**
     * The Health page of a node, signed in through its sign-in page: the Cluster card's text;
     * screenshots at 1366 and 390 px (nothing wider than the phone's screen).
     */
    private String healthPageCluster(int node, String name) throws Exception {
        return inBrowser((browser, wait) -> {
            signIn(browser, wait, node);
            wait.until(org.openqa.selenium.support.ui.ExpectedConditions.elementToBeClickable(
                    org.openqa.selenium.By.cssSelector("a[data-view=health]"))).click();
            String card = wait.until(org.openqa.selenium.support.ui.ExpectedConditions.visibilityOfElementLocated(
                    org.openqa.selenium.By.cssSelector("#cluster tbody tr"))).findElement(
                    org.openqa.selenium.By.xpath("ancestor::div[@id='cluster']")).getText();
            atBothWidths(browser, name, "the Health page", "document.getElementById('cluster').scrollIntoView();");
            return card;
        });
    }

    private interface Outage {
        void begin() throws Exception;
    }

    /**
     * The banner a signed-in administrator sees on the next page once {@code outage} has taken the
     * database away: its text; screenshots at 1366 and 390 px.
     */
    private String bannerWhenTheDatabaseGoesAway(int node, String name, Outage outage) throws Exception {
        return inBrowser((browser, wait) -> {
            signIn(browser, wait, node);
            wait.until(org.openqa.selenium.support.ui.ExpectedConditions.elementToBeClickable(
                    org.openqa.selenium.By.cssSelector("a[data-view=health]")));
            assertThat(browser.findElement(org.openqa.selenium.By.id("cluster-banner")).isDisplayed()).isFalse();
            outage.begin();
            String said = null;
            // The next page the administrator opens asks the product, which cannot check the session now.
            for (String view : List.of("health", "apps", "audit", "health")) {
                browser.findElement(org.openqa.selenium.By.cssSelector("a[data-view=" + view + "]")).click();
                try {
                    said = new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(8)).until(
                            org.openqa.selenium.support.ui.ExpectedConditions.visibilityOfElementLocated(
                                    org.openqa.selenium.By.id("cluster-banner"))).getText();
                    break;
                } catch (org.openqa.selenium.TimeoutException e) {
                    // The pool's connections may take a moment to fail; the next page asks again.
                }
            }
            assertThat(said).as("the banner after the database went away").isNotNull();
            // Nothing shown before can be checked now: no stale page, no stale mode, only the banner and the way back.
            assertThat(browser.findElements(org.openqa.selenium.By.cssSelector("section.view")))
                    .noneMatch(org.openqa.selenium.WebElement::isDisplayed);
            assertThat(browser.findElement(org.openqa.selenium.By.id("mode-pill")).isDisplayed()).isFalse();
            assertThat(browser.findElement(org.openqa.selenium.By.cssSelector("a[data-view=apps]")).isDisplayed()).isTrue();
            atBothWidths(browser, name, "the banner", null);
            return said;
        });
    }

    /** What the sign-in page says when the administrator signs in while the database is away. */
    private String signInWhileTheDatabaseIsAway(int node, String name) throws Exception {
        return inBrowser((browser, wait) -> {
            signIn(browser, wait, node);
            String said = wait.until(org.openqa.selenium.support.ui.ExpectedConditions.visibilityOfElementLocated(
                    org.openqa.selenium.By.id("login-error"))).getText();
            atBothWidths(browser, name, "the sign-in page", null);
            return said;
        });
    }

    private JsonNode apps(int node) throws Exception {
        Http.Response response = http[node].get("/api/apps");
        assertThat(response.status()).as(response.text()).isEqualTo(200);
        return response.json().path("apps");
    }

    private static Set<String> bulk(JsonNode apps) {
        Set<String> keys = new TreeSet<>();
        apps.forEach(app -> {
            if (app.path("key").asText().startsWith("com.acme.dc.bulk")) {
                keys.add(app.path("key").asText());
            }
        });
        return keys;
    }

    private static boolean allBulk(JsonNode apps, Predicate<JsonNode> test) {
        for (JsonNode app : apps) {
            if (app.path("key").asText().startsWith("com.acme.dc.bulk") && !test.test(app)) {
                return false;
            }
        }
        return true;
    }

    /** Key to "version sha256 state" of every app a node lists. */
    private static Map<String, String> running(JsonNode apps) {
        Map<String, String> running = new TreeMap<>();
        apps.forEach(app -> running.put(app.path("key").asText(), app.path("version").asText() + " "
                + app.path("sha256").asText() + " " + app.path("state").asText()));
        return running;
    }

    private Map<String, String> runningApps(int node) throws Exception {
        return running(apps(node));
    }

    private JsonNode awaitApp(int node, String key, Predicate<JsonNode> ready, Duration within) throws Exception {
        JsonNode apps = awaitApps(node, list -> find(list, key) != null && ready.test(find(list, key)), within);
        return find(apps, key);
    }

    private void awaitGone(int node, String key, Duration within) throws Exception {
        awaitApps(node, list -> find(list, key) == null, within);
    }

    private JsonNode awaitApps(int node, Predicate<JsonNode> ready, Duration within) throws Exception {
        return await(() -> apps(node), ready, within);
    }

    private void awaitInSync(int node) throws Exception {
        await(() -> http[node].get("/api/cluster").json(), c -> c.path("inSync").asBoolean(false), PROPAGATION);
    }

    private static JsonNode find(JsonNode apps, String key) {
        for (JsonNode app : apps) {
            if (key.equals(app.path("key").asText())) {
                return app;
            }
        }
        return null;
    }

    private static JsonNode nodeEntry(JsonNode cluster, String nodeId) {
        for (JsonNode node : cluster.path("nodes")) {
            if (nodeId.equals(node.path("nodeId").asText())) {
                return node;
            }
        }
        return JSON.createObjectNode();
    }

    private static JsonNode clusterCheck(JsonNode health) {
        for (JsonNode check : health.path("checks")) {
            if (check.toString().toLowerCase().contains("cluster")) {
                return check;
            }
        }
        throw new AssertionError("no cluster check in " + health);
    }

    private interface Probe<T> {
        T get() throws Exception;
    }

    private static <T> T await(Probe<T> probe, Predicate<T> ready, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        T last = probe.get();
        while (!ready.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within.toSeconds() + " s; last seen: " + last);
            }
            Thread.sleep(20);
            last = probe.get();
        }
        return last;
    }

    /** An upload that sends half its body, then waits until the test has taken the database away. */
    private HttpResponse<String> slowUpload(HostProcess node, byte[] app, byte[] signature, CountDownLatch halfSent,
                                            CountDownLatch thenWait) throws Exception {
        String boundary = "----appsign-cluster-" + System.nanoTime();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"signature\"; filename=\"app.jar.sig\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(signature);
        body.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"app\"; filename=\"app.jar\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(app);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        byte[] bytes = body.toByteArray();
        int half = bytes.length / 2;
        InputStream stream = new InputStream() {
            private int position;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                if (position >= bytes.length) {
                    return -1;
                }
                if (position == half) {
                    halfSent.countDown();
                    try {
                        thenWait.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                int end = position < half ? Math.min(half, position + length) : Math.min(bytes.length, position + length);
                System.arraycopy(bytes, position, buffer, offset, end - position);
                int n = end - position;
                position = end;
                return n;
            }
        };
        return client.send(HttpRequest.newBuilder(URI.create(node.url("/api/apps")))
                .header("Authorization", Http.basic("admin", HostProcess.PASSWORD))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .timeout(Duration.ofSeconds(90))
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> stream),
                        bytes.length)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<String> auditLines() throws Exception {
        List<String> lines = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), "appsign", "");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT line_text FROM appsign_audit ORDER BY line")) {
            while (rows.next()) {
                lines.add(rows.getString(1));
            }
        }
        return lines;
    }

    private record Cli(int exitCode, String output) {}

    private static Cli appsign(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                System.getProperty("appsign.jar", "../signing-cli/target/appsign.jar")));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("APPSIGN_DB_USER", "appsign");
        builder.environment().put("APPSIGN_DB_PASSWORD", "");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Cli(process.waitFor(), output);
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }

    private static boolean userExists(String user) throws IOException, InterruptedException {
        return new ProcessBuilder("id", "-u", user).redirectErrorStream(true).start().waitFor() == 0;
    }
}
