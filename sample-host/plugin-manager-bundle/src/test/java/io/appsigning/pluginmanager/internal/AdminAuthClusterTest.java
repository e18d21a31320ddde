package io.appsigning.pluginmanager.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.appsigning.audit.AuditTrail;
import io.appsigning.cluster.ClusterSessions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data Center mode: sessions and the lock-out shared through ClusterSessions, one shared password, and fail-closed. */
class AdminAuthClusterTest {

    private static final Instant T0 = Instant.parse("2026-11-25T12:00:00Z");

    @TempDir
    Path shared;
    final TestClusterSessions database = new TestClusterSessions();

    private Path hashFile() {
        return shared.resolve("data").resolve("admin.pwd");
    }

    private AdminAuth node(String password) throws Exception {
        return node(password, () -> database);
    }

    private AdminAuth node(String password, Supplier<ClusterSessions> service) throws Exception {
        AdminAuth auth = new AdminAuth();
        auth.cluster(service, hashFile(), password);
        auth.clock(Clock.fixed(T0, ZoneOffset.UTC));
        return auth;
    }

    private static final class RecordingTrail implements AuditTrail {
        final List<Map<String, Object>> lines = new CopyOnWriteArrayList<>();

        @Override
        public void append(Map<String, ?> line) {
            lines.add(new java.util.LinkedHashMap<>(line));
        }

        @Override
        public String head() {
            return "0".repeat(64);
        }

        @Override
        public long lines() {
            return lines.size();
        }

        @Override
        public String location() {
            return "test";
        }
    }

    @Test
    void aSessionMadeOnOneNodeWorksOnAnotherAndEndsEverywhere() throws Exception {
        AdminAuth node1 = node("right-password");
        AdminAuth node2 = node("right-password");
        assertThat(node1.signIn("admin", "right-password", "10.0.0.1").verdict()).isEqualTo(AdminAuth.Verdict.OK);
        AdminAuth.Session session = node1.login("admin");

        AdminAuth.Session onNode2 = node2.session(session.id()).orElseThrow();
        assertThat(onNode2.user()).isEqualTo("admin");
        assertThat(onNode2.csrfToken()).as("the page's CSRF token holds on every node").isEqualTo(session.csrfToken());
        assertThat(onNode2.id()).isEqualTo(session.id());

        // Only the id's SHA-256 reached the database.
        assertThat(database.sessions).hasSize(1);
        assertThat(database.keysSeen).allSatisfy(key -> assertThat(key).matches("[0-9a-f]{64}"))
                .doesNotContain(session.id()).contains(ClusterSessionStore.sha256(session.id()));
        assertThat(database.sessions.values()).allSatisfy(stored -> assertThat(stored.toString()).doesNotContain(session.id()));

        node2.logout(session.id());
        assertThat(node1.session(session.id())).as("signed out on node 2, gone on node 1").isEmpty();
        assertThat(node1.session("forged")).isEmpty();
        assertThat(node1.session(null)).isEmpty();
    }

    @Test
    void aSessionIdleOnEveryNodeExpires() throws Exception {
        AdminAuth node1 = node("right-password");
        AdminAuth node2 = node("right-password");
        AdminAuth.Session session = node1.login("admin");
        node2.clock(Clock.fixed(T0.plus(AdminAuth.SESSION_IDLE).minusSeconds(1), ZoneOffset.UTC));
        assertThat(node2.session(session.id())).as("used on node 2 just in time").isPresent();
        node1.clock(Clock.fixed(T0.plus(AdminAuth.SESSION_IDLE.multipliedBy(2)).minusSeconds(2), ZoneOffset.UTC));
        assertThat(node1.session(session.id())).as("node 2's use counts on node 1").isPresent();
        node1.clock(Clock.fixed(T0.plus(AdminAuth.SESSION_IDLE.multipliedBy(3)), ZoneOffset.UTC));
        assertThat(node1.session(session.id())).isEmpty();
        assertThat(database.sessions).isEmpty();
    }

    @Test
    void failuresOnAllNodesCountAgainstOneAccountAndTheLockIsAuditedOnce() throws Exception {
        AdminAuth node1 = node("right-password");
        AdminAuth node2 = node("right-password");
        RecordingTrail trail1 = new RecordingTrail();
        RecordingTrail trail2 = new RecordingTrail();
        node1.audit = trail1;
        node2.audit = trail2;
        for (int i = 0; i < AdminAuth.MAX_FAILURES; i++) {
            AdminAuth node = i % 2 == 0 ? node1 : node2;
            assertThat(node.signIn("admin", "wrong" + i, "10.0.0." + i).verdict()).as("attempt " + i).isEqualTo(AdminAuth.Verdict.WRONG);
        }
        // Half the failures were on each node: a per-node count would not have locked anything yet.
        AdminAuth.Attempt locked = node1.signIn("admin", "right-password", "10.0.0.20");
        assertThat(locked.verdict()).isEqualTo(AdminAuth.Verdict.LOCKED);
        assertThat(locked.retryAfterSeconds()).isBetween(1L, 61L);
        AdminAuth.Attempt alsoLocked = node2.signIn("admin", "right-password", "10.0.0.21");
        assertThat(alsoLocked.verdict()).as("the lock holds on the other node").isEqualTo(AdminAuth.Verdict.LOCKED);

        List<Map<String, Object>> audited = new ArrayList<>(trail1.lines);
        audited.addAll(trail2.lines);
        assertThat(audited).as("one lock, one audit line, whichever node saw it").hasSize(1);
        assertThat(audited.get(0)).containsEntry("decision", "ACCOUNT_LOCKED").containsEntry("user", "admin")
                .containsEntry("until", T0.plus(AdminAuth.LOCKOUT).toString());

        node2.clock(Clock.fixed(T0.plus(AdminAuth.LOCKOUT).plusSeconds(1), ZoneOffset.UTC));
        assertThat(node2.signIn("admin", "right-password", "10.0.0.21").verdict()).isEqualTo(AdminAuth.Verdict.OK);
    }

    @Test
    void concurrentGuessesOnSeveralNodesCannotOutrunTheCount() throws Exception {
        List<AdminAuth> nodes = List.of(node("right-password"), node("right-password"), node("right-password"));
        assertThat(Guesses.evaluated(30, n -> nodes.get(n % 3))).as("guesses whose password was evaluated, on all nodes"
                + " together").isLessThanOrEqualTo(AdminAuth.MAX_FAILURES);
    }

    @Test
    void withTheDatabaseDownNobodySignsInAndNoSessionIsHonouredUntilItIsBack() throws Exception {
        AdminAuth node = node("right-password");
        AdminAuth.Session session = node.login("admin");
        database.down = true;

        assertThat(node.signIn("admin", "right-password", "10.0.0.1").verdict())
                .as("the right password is not let in on a count nobody can keep").isEqualTo(AdminAuth.Verdict.UNAVAILABLE);
        assertThat(node.checkBasic("Basic " + java.util.Base64.getEncoder().encodeToString("admin:right-password".getBytes()), "c")
                .verdict()).isEqualTo(AdminAuth.Verdict.UNAVAILABLE);
        assertThatThrownBy(() -> node.session(session.id())).as("a cookie is neither honoured nor called invalid")
                .isInstanceOf(AdminAuth.Unavailable.class).hasMessageContaining("database cannot be reached");
        assertThatThrownBy(() -> node.sessionUser(session.id())).isInstanceOf(AdminAuth.Unavailable.class);
        assertThatThrownBy(() -> node.login("admin")).isInstanceOf(AdminAuth.Unavailable.class);
        assertThatThrownBy(() -> node.logout(session.id())).isInstanceOf(AdminAuth.Unavailable.class);
        assertThat(database.sessions).as("nothing was kept aside in memory either").hasSize(1);

        // Many wrong guesses while it is down are not counted anywhere, and nothing was remembered on the node.
        for (int i = 0; i < 3 * AdminAuth.MAX_FAILURES; i++) {
            assertThat(node.signIn("admin", "wrong", "10.0.0.1").verdict()).isEqualTo(AdminAuth.Verdict.UNAVAILABLE);
        }

        database.down = false;
        assertThat(node.session(session.id())).as("back by itself").isPresent();
        assertThat(node.signIn("admin", "right-password", "10.0.0.1").verdict()).isEqualTo(AdminAuth.Verdict.OK);
    }

    @Test
    void withoutTheSessionServiceOrWithAFailingOneItFailsClosedToo() throws Exception {
        AdminAuth absent = node("right-password", () -> null);
        assertThat(absent.signIn("admin", "right-password", "c").verdict()).isEqualTo(AdminAuth.Verdict.UNAVAILABLE);
        assertThatThrownBy(() -> absent.session("some-cookie")).isInstanceOf(AdminAuth.Unavailable.class);
        assertThatThrownBy(() -> absent.login("admin")).isInstanceOf(AdminAuth.Unavailable.class);
        assertThat(absent.session(null)).as("no cookie, nothing to ask").isEmpty();

        AdminAuth node = node("right-password");
        AdminAuth.Session session = node.login("admin");
        database.broken = true;
        assertThat(node.signIn("admin", "right-password", "c").verdict()).isEqualTo(AdminAuth.Verdict.UNAVAILABLE);
        assertThatThrownBy(() -> node.session(session.id())).isInstanceOf(AdminAuth.Unavailable.class);
    }

    @Test
    void nodesStartingAtOnceAgreeOnOneGeneratedPasswordAndPrintItOnce() throws Exception {
        int count = 6;
        PrintStream original = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ExecutorService pool = Executors.newFixedThreadPool(count);
        CountDownLatch go = new CountDownLatch(1);
        List<AdminAuth> nodes = new ArrayList<>();
        try {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            List<Future<AdminAuth>> starting = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                starting.add(pool.submit(() -> {
                    go.await();
                    return node(null);
                }));
            }
            go.countDown();
            for (Future<AdminAuth> node : starting) {
                nodes.add(node.get(60, TimeUnit.SECONDS));
            }
        } finally {
            System.setOut(original);
            pool.shutdownNow();
        }
        Matcher shown = Pattern.compile("password \\(shown only now[^)]*\\): (\\S+)").matcher(printed.toString(StandardCharsets.UTF_8));
        assertThat(shown.find()).as("one node printed the password: " + printed).isTrue();
        String password = shown.group(1);
        assertThat(shown.find()).as("and only one").isFalse();
        for (AdminAuth node : nodes) {
            assertThat(node.signIn("admin", password, "c").verdict()).isEqualTo(AdminAuth.Verdict.OK);
        }
        try (var files = Files.list(hashFile().getParent())) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).as("no temp file left").containsExactly("admin.pwd");
        }
        // Readable by the product group (nodes may run as different users of it), by nobody else.
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(hashFile())))
                .isEqualTo("rw-r-----");
    }

    @Test
    void theHashLivesInTheSharedHomeAndAResetOnOneNodeEndsTheOldPasswordOnAll() throws Exception {
        AdminAuth node1 = node("first-password");
        assertThat(Files.readString(hashFile())).startsWith("pbkdf2-sha256$").doesNotContain("first-password");
        AdminAuth node2 = node(null);
        assertThat(node2.signIn("admin", "first-password", "c").verdict()).as("node 2 reads node 1's hash").isEqualTo(AdminAuth.Verdict.OK);
        assertThat(node1.signIn("admin", "first-password", "c").verdict()).isEqualTo(AdminAuth.Verdict.OK);

        // The operator resets the password by restarting node 3 with another APPSIGN_ADMIN_PASSWORD.
        node("second-password");
        assertThat(node1.signIn("admin", "first-password", "c").verdict())
                .as("the old password stops working on a running node, its recent success notwithstanding").isEqualTo(AdminAuth.Verdict.WRONG);
        assertThat(node2.signIn("admin", "second-password", "c").verdict()).isEqualTo(AdminAuth.Verdict.OK);
    }

    @Test
    void aResetEndsTheSessionsMadeBeforeItOnEveryNode() throws Exception {
        AdminAuth node1 = node("first-password");
        AdminAuth node2 = node(null);
        AdminAuth.Session onNode1 = node1.login("admin");
        AdminAuth.Session onNode2 = node2.login("admin");
        AdminAuth.Session third = node2.login("admin");
        assertThat(node2.session(onNode1.id())).as("before the reset, a session holds on every node").isPresent();
        assertThat(database.sessions.values()).as("the tag says nothing of the hash itself").allSatisfy(stored -> assertThat(
                stored.user()).startsWith("admin ").doesNotContain(Files.readString(hashFile()).trim()));

        // The operator resets the password by restarting node 3 with another APPSIGN_ADMIN_PASSWORD.
        AdminAuth node3 = node("second-password");
        assertThat(node3.session(onNode1.id())).as("on the node that wrote the new hash").isEmpty();
        assertThat(node1.session(onNode2.id())).as("on a running node that reads the new hash").isEmpty();
        assertThat(node2.sessionUser(third.id())).as("for the Web Console too").isEmpty();
        assertThat(database.sessions).as("refused sessions are removed, not kept fresh by each refused use").isEmpty();

        AdminAuth.Session after = node3.login("admin");
        assertThat(node1.session(after.id())).as("a session of the new password holds on every node").isPresent();
        assertThat(node2.sessionUser(after.id())).contains("admin");
    }

    @Test
    void aRunningNodeRefusesOldSessionsAsSoonAsTheSharedHashChangesWithoutItsHelp() throws Exception {
        AdminAuth node1 = node("first-password");
        AdminAuth node2 = node(null);
        AdminAuth.Session session = node1.login("admin");
        // Another node replaced the file as nodes do (a new file moved over it); neither node here wrote it.
        Path replacement = Files.writeString(shared.resolve("replacement"), PasswordHash.hash("second-password".toCharArray()) + "\n");
        Files.move(replacement, hashFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(node2.session(session.id())).isEmpty();
        assertThat(node1.session(session.id())).isEmpty();
    }

    @Test
    void aStoredSessionWithoutATagIsRefused() throws Exception {
        AdminAuth node = node("right-password");
        String id = "made-before-sessions-had-a-tag";
        database.sessions.put(ClusterSessionStore.sha256(id), new ClusterSessions.StoredSession("admin", "csrf", T0));
        assertThat(node.session(id)).isEmpty();
        assertThat(database.sessions).isEmpty();
    }

    /** What AdminAuth logs while {@code body} runs. */
    private static List<String> logged(ThrowingRunnable body) throws Exception {
        List<String> messages = new CopyOnWriteArrayList<>();
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(AdminAuth.class.getName());
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                messages.add(record.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        logger.addHandler(handler);
        try {
            body.run();
        } finally {
            logger.removeHandler(handler);
        }
        return messages;
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Puts {@code content} in place of the shared hash as another node would: a new file moved over it. */
    private void replaceHashFile(String content) throws Exception {
        Path replacement = Files.writeString(shared.resolve("replacement"), content);
        Files.move(replacement, hashFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** The shared hash of "right-password" with another iteration count, salt and hash kept. */
    private String withIterations(long iterations) throws Exception {
        String[] parts = Files.readString(hashFile()).trim().split("\\$");
        return "pbkdf2-sha256$" + iterations + "$" + parts[2] + "$" + parts[3] + "\n";
    }

    @Test
    void aHostileOrDamagedSharedHashIsRefusedWithItsReasonAndNobodySignsIn() throws Exception {
        node("right-password");
        String good = Files.readString(hashFile());
        // {what the log must say, the file}
        List<String[]> hostile = List.of(
                new String[] {"larger than " + AdminAuth.MAX_HASH_FILE + " bytes", good + " ".repeat(AdminAuth.MAX_HASH_FILE)},
                new String[] {"iteration count 2000000000 is outside", withIterations(2_000_000_000L)},
                new String[] {"iteration count " + (PasswordHash.MAX_ITERATIONS + 1) + " is outside", withIterations(PasswordHash.MAX_ITERATIONS + 1L)},
                new String[] {"iteration count 1000 is outside", withIterations(1000)},
                new String[] {"not of the form", "right-password\n"},
                new String[] {"not of the form", good + good},
                new String[] {"not Base64", good.replace("$" + PasswordHash.ITERATIONS + "$", "$" + PasswordHash.ITERATIONS + "$\u00e9")});
        for (String[] file : hostile) {
            TestClusterSessions own = new TestClusterSessions(); // a fresh lock-out count for each file
            replaceHashFile(good);
            AdminAuth running = node(null, () -> own);
            AdminAuth.Session before = running.login("admin");
            replaceHashFile(file[1]);

            List<String> log = logged(() -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                assertThat(running.signIn("admin", "right-password", "c").verdict()).as(file[0]).isEqualTo(AdminAuth.Verdict.WRONG);
                assertThat(running.session(before.id())).as("a session of the refused file's predecessor").isEmpty();
                AdminAuth starting = node(null, () -> own);
                assertThat(starting.signIn("admin", "right-password", "c").verdict()).as("a node that starts with it")
                        .isEqualTo(AdminAuth.Verdict.WRONG);
                assertThat(starting.session(starting.login("admin").id())).as("no session holds meanwhile").isEmpty();
            }));
            assertThat(log).as(file[0]).anySatisfy(line -> assertThat(line).contains("admin.pwd is refused: ")
                    .contains(file[0]).contains("APPSIGN_ADMIN_PASSWORD").doesNotContain(good.trim()));
        }
    }

    @Test
    void aRefusedSharedHashIsReplacedByTheNextNodeStartedWithAPassword() throws Exception {
        node("right-password");
        replaceHashFile(withIterations(2_000_000_000L));
        AdminAuth running = node(null);
        AdminAuth reset = node("new-password");
        assertThat(PasswordHash.problem(Files.readString(hashFile()).trim())).isNull();
        assertThat(reset.signIn("admin", "new-password", "c").verdict()).isEqualTo(AdminAuth.Verdict.OK);
        assertThat(running.signIn("admin", "new-password", "c").verdict()).as("and a running node takes it up").isEqualTo(AdminAuth.Verdict.OK);
        assertThat(running.signIn("admin", "right-password", "c").verdict()).isEqualTo(AdminAuth.Verdict.WRONG);
    }
}
