package io.appsigning.pluginmanager.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PasswordHashTest {

    @Test
    void hashesAreSaltedAndMatchOnlyTheirPassword() {
        String first = PasswordHash.hash("correct horse".toCharArray());
        String second = PasswordHash.hash("correct horse".toCharArray());
        assertThat(first).isNotEqualTo(second);
        assertThat(PasswordHash.matches("correct horse".toCharArray(), first)).isTrue();
        assertThat(PasswordHash.matches("correct horse".toCharArray(), second)).isTrue();
        assertThat(PasswordHash.matches("correct hors".toCharArray(), first)).isFalse();
        assertThat(PasswordHash.matches("".toCharArray(), first)).isFalse();
    }

    @Test
    void damagedOrForeignHashesNeverMatch() {
        for (String stored : new String[] {"", "plain", "md5$1$abc$def", "pbkdf2-sha256$x$AAAA$AAAA",
                "pbkdf2-sha256$1000$!!!$AAAA", "pbkdf2-sha256$1000$AAAA"}) {
            assertThat(PasswordHash.matches("anything".toCharArray(), stored)).as(stored).isFalse();
        }
    }

    @Test
    void generatedPasswordsAreLongAndUnambiguous() {
        String password = PasswordHash.generate();
        assertThat(password).hasSize(20).matches("[A-HJ-NP-Za-km-z2-9]+");
        assertThat(PasswordHash.generate()).isNotEqualTo(password);
    }

    @Test
    void onlyIterationCountsFromWhatIsWrittenToTenTimesThatAreAccepted() {
        String[] parts = PasswordHash.hash("correct horse".toCharArray()).split("\\$");
        String salt = parts[2];
        String derived = parts[3];
        assertThat(PasswordHash.problem(String.join("$", parts))).isNull();
        assertThat(PasswordHash.problem("pbkdf2-sha256$" + PasswordHash.MAX_ITERATIONS + "$" + salt + "$" + derived)).isNull();
        for (long iterations : new long[] {PasswordHash.ITERATIONS - 1, PasswordHash.MAX_ITERATIONS + 1L, Integer.MAX_VALUE, 0, -1}) {
            String stored = "pbkdf2-sha256$" + iterations + "$" + salt + "$" + derived;
            assertThat(PasswordHash.problem(stored)).as(stored).contains("iteration count " + iterations);
            // Refused before any hashing: a count of two billion would otherwise take hours.
            assertThat(PasswordHash.matches("correct horse".toCharArray(), stored)).as(stored).isFalse();
        }
        assertThat(PasswordHash.problem("pbkdf2-sha256$99999999999$" + salt + "$" + derived)).contains("not a number");
        assertThat(PasswordHash.problem("pbkdf2-sha256$" + PasswordHash.ITERATIONS + "$AAAA$" + derived)).contains("salt");
        assertThat(PasswordHash.problem("pbkdf2-sha256$" + PasswordHash.ITERATIONS + "$" + salt + "$AAAA")).contains("hash");
        assertThat(PasswordHash.problem("pbkdf2-sha256$" + PasswordHash.ITERATIONS + "$" + salt + "$" + derived + "$")).contains("form");
        assertThat(PasswordHash.problem("pbkdf2-sha256$" + PasswordHash.ITERATIONS + "$" + salt + "\n$" + derived)).contains("Base64");
    }
}
