package io.appsigning.pluginmanager.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OriginsTest {

    @Test
    void scriptsAndTheManagersOwnPagesAreSameSite() {
        assertThat(Origins.crossSite(null, null, "127.0.0.1:8080")).isFalse();
        assertThat(Origins.crossSite("same-origin", "http://127.0.0.1:8080", "127.0.0.1:8080")).isFalse();
        assertThat(Origins.crossSite("none", null, "127.0.0.1:8080")).isFalse();
        assertThat(Origins.crossSite(null, "http://Manager.Example", "manager.example:80")).isFalse();
        assertThat(Origins.crossSite(null, "https://manager.example", "manager.example")).isFalse();
    }

    @Test
    void anotherSiteIsRefusedWhateverItClaims() {
        assertThat(Origins.crossSite("cross-site", null, "127.0.0.1:8080")).isTrue();
        assertThat(Origins.crossSite("same-site", null, "127.0.0.1:8080")).as("a sibling subdomain is another origin").isTrue();
        assertThat(Origins.crossSite(null, "http://evil.example", "127.0.0.1:8080")).isTrue();
        assertThat(Origins.crossSite(null, "null", "127.0.0.1:8080")).isTrue();
        assertThat(Origins.crossSite(null, "http://127.0.0.1:8081", "127.0.0.1:8080")).isTrue();
        assertThat(Origins.crossSite(null, "http://127.0.0.1:8080.evil.example", "127.0.0.1:8080")).isTrue();
        assertThat(Origins.crossSite(null, "http://127.0.0.1:8080", null)).isTrue();
        assertThat(Origins.crossSite(null, "::not a uri::", "127.0.0.1:8080")).isTrue();
    }

    @Test
    void controlCharactersNeverReachALogLine() {
        assertThat(Origins.printable("evil.jar\nFORGED: line\r\u2028x")).isEqualTo("evil.jar\\u000aFORGED: line\\u000d\\u2028x");
        assertThat(Origins.printable("x".repeat(1000))).hasSize(300);
    }
}
