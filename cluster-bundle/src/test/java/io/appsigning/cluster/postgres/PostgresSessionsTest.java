package io.appsigning.cluster.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.appsigning.cluster.ClusterSessions;
import io.appsigning.cluster.ClusterSessions.Admission;
import io.appsigning.cluster.ClusterSessions.StoredSession;
import io.appsigning.testsupport.PostgresServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/** Sessions and the lock-out, shared by several nodes on a real PostgreSQL. */
class PostgresSessionsTest extends WithPostgres {

    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final Duration IDLE = Duration.ofMinutes(30);
    private static final Duration LOCKOUT = Duration.ofMinutes(1);

    private static String id(String session) {
        return SharedHome.sha256(session.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aSessionMadeOnOneNodeWorksOnAnotherUntilItIdlesOut() throws Exception {
        try (TestNodes nodes = new TestNodes(server, shared, 2)) {
            ClusterSessions one = nodes.sessions(0);
            ClusterSessions two = nodes.sessions(1);
            one.put(id("s1"), new StoredSession("admin", "csrf-1", T0));

            StoredSession used = two.touch(id("s1"), T0.plus(Duration.ofMinutes(20)), IDLE).orElseThrow();
            assertThat(used).isEqualTo(new StoredSession("admin", "csrf-1", T0.plus(Duration.ofMinutes(20))));
            // Used at 20 min, so still live at 49 min, though 49 min after it was made.
            assertThat(one.touch(id("s1"), T0.plus(Duration.ofMinutes(49)), IDLE)).isPresent();
            assertThat(one.touch(id("s1"), T0.plus(Duration.ofMinutes(80)), IDLE)).as("idle for 31 min").isEmpty();
            assertThat(two.touch(id("s1"), T0.plus(Duration.ofMinutes(80)), Duration.ofDays(365)))
                    .as("an expired session is removed, not only hidden").isEmpty();

            one.put(id("s2"), new StoredSession("admin", "csrf-2", T0));
            assertThat(two.touch(id("s2"), T0, IDLE)).isPresent();
            two.remove(id("s2"));
            assertThat(one.touch(id("s2"), T0, IDLE)).isEmpty();
            assertThat(one.touch(id("never"), T0, IDLE)).isEmpty();
        }
    }

    /** The rows as stored, read past the provider: a touch that removes a row would hide it anyway. */
    private static List<String> storedIds(TestNodes nodes) throws Exception {
        try (Connection connection = DriverManager.getConnection(nodes.url, PostgresServer.USER, null);
             Statement select = connection.createStatement();
             ResultSet rows = select.executeQuery("SELECT id_sha256 FROM appsign_sessions ORDER BY id_sha256")) {
            List<String> ids = new ArrayList<>();
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
            return ids;
        }
    }

    @Test
    void unknownIdsRemoveNothingAndExpiredSessionsAreSweptAtTheNextSignIn() throws Exception {
        try (TestNodes nodes = new TestNodes(server, shared, 2)) {
            ClusterSessions one = nodes.sessions(0);
            ClusterSessions two = nodes.sessions(1);
            Instant now = T0.plus(Duration.ofHours(2));
            one.put(id("live"), new StoredSession("admin", "csrf-live", now.minus(Duration.ofMinutes(10))));
            one.put(id("old-1"), new StoredSession("admin", "csrf-old-1", T0));
            one.put(id("old-2"), new StoredSession("admin", "csrf-old-2", T0));
            List<String> all = new ArrayList<>(List.of(id("live"), id("old-1"), id("old-2")));
            all.sort(null);

            SecureRandom random = new SecureRandom();
            for (int i = 0; i < 200; i++) {
                byte[] cookie = new byte[32];
                random.nextBytes(cookie);
                ClusterSessions node = i % 2 == 0 ? one : two;
                assertThat(node.touch(SharedHome.sha256(cookie), now, IDLE)).isEmpty();
            }
            assertThat(storedIds(nodes)).as("unknown ids removed nothing, expired rows included").isEqualTo(all);
            assertThat(two.touch(id("live"), now, IDLE)).contains(new StoredSession("admin", "csrf-live", now));

            assertThat(two.touch(id("old-1"), now, IDLE)).as("expired: refused").isEmpty();
            assertThat(storedIds(nodes)).as("only the expired row touched went")
                    .containsExactlyInAnyOrder(id("live"), id("old-2"));
            assertThat(one.touch(id("old-2"), now, IDLE)).as("expired: refused, though not yet swept").isEmpty();
            assertThat(one.touch(id("old-2"), now, Duration.ofDays(1))).as("and removed by the refusal").isEmpty();

            one.put(id("old-3"), new StoredSession("admin", "csrf-old-3", T0));
            two.put(id("new"), new StoredSession("admin", "csrf-new", now));
            assertThat(storedIds(nodes)).as("the sign-in swept the expired session")
                    .containsExactlyInAnyOrder(id("live"), id("new"));
            assertThat(one.touch(id("live"), now, IDLE)).isPresent();
            assertThat(one.touch(id("new"), now, IDLE)).isPresent();
        }
    }

    @Test
    void onlyTheSha256OfASessionIdIsAccepted() throws Exception {
        try (TestNodes nodes = new TestNodes(server, shared, 1)) {
            ClusterSessions sessions = nodes.sessions(0);
            assertThatThrownBy(() -> sessions.put("raw-session-id", new StoredSession("admin", "c", T0)))
                    .isInstanceOf(IOException.class).hasMessageContaining("Not a SHA-256");
            assertThatThrownBy(() -> sessions.touch(id("s").toUpperCase(), T0, IDLE)).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> sessions.remove(null)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void thirtyConcurrentAttemptsOnThreeNodesAdmitOnlyTen() throws Exception {
        try (TestNodes nodes = new TestNodes(server, shared, 3)) {
            List<Callable<Admission>> attempts = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                ClusterSessions node = nodes.sessions(i % 3);
                attempts.add(() -> node.admit("admin", T0, 10, LOCKOUT));
            }
            List<Admission> admissions = TestNodes.atOnce(attempts);
            assertThat(admissions).filteredOn(Admission::admitted).hasSize(10);
            assertThat(admissions).filteredOn(Admission::lockedNow).hasSize(1);
            assertThat(admissions).filteredOn(admission -> !admission.admitted())
                    .allSatisfy(refused -> assertThat(refused.lockedUntil()).isEqualTo(T0.plus(LOCKOUT)));
            // While locked even an attempt whose password would be right is not admitted.
            Admission locked = nodes.sessions(1).admit("admin", T0.plus(Duration.ofSeconds(30)), 10, LOCKOUT);
            assertThat(locked).isEqualTo(new Admission(false, T0.plus(LOCKOUT), false));
            assertThat(nodes.sessions(2).admit("admin", T0.plus(LOCKOUT), 10, LOCKOUT).admitted())
                    .as("the lock-out is over").isTrue();
            assertThat(nodes.sessions(2).admit("someone-else", T0, 10, LOCKOUT).admitted())
                    .as("each account counts its own attempts").isTrue();
        }
    }

    @Test
    void theTenthFailureLocksOnceAndASuccessClearsTheCount() throws Exception {
        try (TestNodes nodes = new TestNodes(server, shared, 2)) {
            List<Boolean> locks = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ClusterSessions node = nodes.sessions(i % 2);
                assertThat(node.admit("admin", T0, 10, LOCKOUT).admitted()).isTrue();
                locks.add(node.settle("admin", false, T0, 10, LOCKOUT));
            }
            assertThat(locks).containsExactly(false, false, false, false, false, false, false, false, false, true);
            assertThat(nodes.sessions(0).settle("admin", false, T0, 10, LOCKOUT)).as("locked once, not twice").isFalse();
            assertThat(nodes.sessions(1).admit("admin", T0.plusSeconds(1), 10, LOCKOUT))
                    .isEqualTo(new Admission(false, T0.plus(LOCKOUT), false));

            Instant later = T0.plus(LOCKOUT);
            for (int i = 0; i < 9; i++) {
                nodes.sessions(0).admit("admin", later, 10, LOCKOUT);
                nodes.sessions(0).settle("admin", false, later, 10, LOCKOUT);
            }
            nodes.sessions(1).admit("admin", later, 10, LOCKOUT);
            assertThat(nodes.sessions(1).settle("admin", true, later, 10, LOCKOUT)).isFalse();
            for (int i = 0; i < 9; i++) {
                assertThat(nodes.sessions(0).admit("admin", later, 10, LOCKOUT).admitted())
                        .as("a success cleared the nine failures before it").isTrue();
                assertThat(nodes.sessions(0).settle("admin", false, later, 10, LOCKOUT)).isFalse();
            }
        }
    }
}
