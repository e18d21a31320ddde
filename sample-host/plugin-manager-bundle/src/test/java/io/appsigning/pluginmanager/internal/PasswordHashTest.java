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
}
