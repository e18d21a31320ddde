package io.appsigning.pluginmanager.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminAuthTest {

    @TempDir
    Path data;

    private static final class MovableClock extends Clock {
        private Instant now = Instant.parse("2026-11-25T12:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private AdminAuth open(String password) throws Exception {
        AdminAuth auth = new AdminAuth();
        auth.open(data.resolve("admin.pwd"), password);
        return auth;
    }

    @Test
    void thePasswordIsKeptOnlyAsAPrivateSlowHash() throws Exception {
        open("s3cret-enough");
        Path file = data.resolve("admin.pwd");
        String stored = Files.readString(file);
        assertThat(stored).startsWith("pbkdf2-sha256$" + PasswordHash.ITERATIONS + "$").doesNotContain("s3cret-enough");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        // Restarted without the variable: the stored hash stands. With another value: the operator reset it.
        AdminAuth again = open(null);
        assertThat(again.signIn("admin", "s3cret-enough", "c").verdict()).isEqualTo(AdminAuth.Verdict.OK);
        AdminAuth reset = open("another-one");
        assertThat(reset.signIn("admin", "s3cret-enough", "c").verdict()).isEqualTo(AdminAuth.Verdict.WRONG);
        assertThat(reset.signIn("admin", "another-one", "c").verdict()).isEqualTo(AdminAuth.Verdict.OK);
    }

    @Test
    void tenFailuresLockTheAccountForAMinuteAndTheRightPasswordWaitsToo() throws Exception {
        AdminAuth auth = open("right-password");
        MovableClock clock = new MovableClock();
        auth.clock(clock);
        for (int i = 0; i < AdminAuth.MAX_FAILURES; i++) {
            assertThat(auth.signIn("admin", "wrong" + i, "10.0.0.1").verdict()).as("attempt " + i).isEqualTo(AdminAuth.Verdict.WRONG);
        }
        AdminAuth.Attempt locked = auth.signIn("admin", "right-password", "10.0.0.2");
        assertThat(locked.verdict()).isEqualTo(AdminAuth.Verdict.LOCKED);
        assertThat(locked.retryAfterSeconds()).isBetween(1L, 61L);
        clock.advance(Duration.ofSeconds(30));
        assertThat(auth.signIn("admin", "right-password", "10.0.0.2").retryAfterSeconds()).isBetween(1L, 31L);
        clock.advance(Duration.ofSeconds(31));
        assertThat(auth.signIn("admin", "right-password", "10.0.0.2").verdict()).isEqualTo(AdminAuth.Verdict.OK);
    }

    @Test
    void concurrentGuessesCannotOutrunTheCount() throws Exception {
        AdminAuth auth = open("right-password");
        assertThat(Guesses.evaluated(30, n -> auth)).as("guesses whose password was evaluated")
                .isLessThanOrEqualTo(AdminAuth.MAX_FAILURES);
    }

    @Test
    void sessionsExpireWhenIdleAndEndAtLogout() throws Exception {
        AdminAuth auth = open("right-password");
        MovableClock clock = new MovableClock();
        auth.clock(clock);
        AdminAuth.Session session = auth.login("admin");
        assertThat(session.id()).isNotEqualTo(session.csrfToken()).hasSizeGreaterThanOrEqualTo(43);
        assertThat(auth.sessionUser(session.id())).contains("admin");
        clock.advance(AdminAuth.SESSION_IDLE.minusSeconds(1));
        assertThat(auth.session(session.id())).isPresent();
        clock.advance(AdminAuth.SESSION_IDLE.plusSeconds(1));
        assertThat(auth.session(session.id())).isEmpty();
        AdminAuth.Session other = auth.login("admin");
        auth.logout(other.id());
        assertThat(auth.session(other.id())).isEmpty();
        assertThat(auth.session(null)).isEmpty();
        assertThat(auth.session("forged")).isEmpty();
    }

    @Test
    void basicHeadersAreParsedStrictly() throws Exception {
        AdminAuth auth = open("pa:ss");
        String good = "Basic " + java.util.Base64.getEncoder().encodeToString("admin:pa:ss".getBytes());
        assertThat(auth.checkBasic(good, "c").verdict()).isEqualTo(AdminAuth.Verdict.OK);
        assertThat(auth.checkBasic("Basic !!!not-base64", "c").verdict()).isEqualTo(AdminAuth.Verdict.WRONG);
        assertThat(auth.checkBasic("Bearer abc", "c").verdict()).isEqualTo(AdminAuth.Verdict.WRONG);
        assertThat(auth.checkBasic(null, "c").verdict()).isEqualTo(AdminAuth.Verdict.WRONG);
        String otherUser = "Basic " + java.util.Base64.getEncoder().encodeToString("root:pa:ss".getBytes());
        assertThat(auth.checkBasic(otherUser, "c").verdict()).isEqualTo(AdminAuth.Verdict.WRONG);
    }

    @Test
    void aHashFileOutOfBoundsIsRefusedOnASingleNodeTooUntilAPasswordReplacesIt() throws Exception {
        open("right-password");
        Path file = data.resolve("admin.pwd");
        String[] parts = Files.readString(file).trim().split("\\$");
        Files.writeString(file, "pbkdf2-sha256$" + Integer.MAX_VALUE + "$" + parts[2] + "$" + parts[3] + "\n");
        AdminAuth refused = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            AdminAuth auth = open(null);
            assertThat(auth.signIn("admin", "right-password", "c").verdict()).isEqualTo(AdminAuth.Verdict.WRONG);
            return auth;
        });
        assertThat(Files.readString(file)).as("not replaced behind the operator's back").contains("$" + Integer.MAX_VALUE + "$");
        assertThat(refused.session(refused.login("admin").id())).isEmpty();
        assertThat(open("right-password").signIn("admin", "right-password", "c").verdict()).isEqualTo(AdminAuth.Verdict.OK);
    }
}
