package io.appsigning.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyTest {

    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    @Test
    void defaultsAreWarnWithUploadsOn() {
        Policy policy = Policies.parse(Map.of());
        assertThat(policy).isEqualTo(Policy.DEFAULT);
        assertThat(policy.effectiveMode(Origin.UPLOAD, NOW)).isEqualTo(Mode.WARN);
        assertThat(policy.uploadsAccepted(NOW)).isTrue();
    }

    @Test
    void offTurnsUploadsOffUnlessExplicitlyEnabled() {
        assertThat(Policies.parse(Map.of("mode", "OFF")).uploadsAccepted(NOW)).isFalse();
        assertThat(Policies.parse(Map.of("mode", "off", "upload.enabled", "true")).uploadsAccepted(NOW)).isTrue();
        assertThat(Policies.parse(Map.of("mode", "ENFORCE", "upload.enabled", "false")).uploadsAccepted(NOW)).isFalse();
        assertThat(Policies.parse(Map.of("mode", "OFF", "mode.upload", "WARN")).uploadsAccepted(NOW)).isTrue();
    }

    @Test
    void perOriginModesOverrideTheMode() {
        Policy policy = Policies.parse(Map.of("mode", "WARN", "mode.marketplace", "ENFORCE"));
        assertThat(policy.effectiveMode(Origin.MARKETPLACE, NOW)).isEqualTo(Mode.ENFORCE);
        assertThat(policy.effectiveMode(Origin.UPLOAD, NOW)).isEqualTo(Mode.WARN);
    }

    @Test
    void theEndOfGraceTurnsWarnIntoEnforceAtThatInstantButNotOff() {
        Policy policy = Policies.parse(Map.of("mode", "WARN", "enforceAfter", "2026-12-01", "mode.marketplace", "OFF"));
        Instant end = Instant.parse("2026-12-01T00:00:00Z");
        assertThat(policy.effectiveMode(Origin.UPLOAD, end.minusMillis(1))).isEqualTo(Mode.WARN);
        assertThat(policy.effectiveMode(Origin.UPLOAD, end)).isEqualTo(Mode.ENFORCE);
        assertThat(policy.effectiveMode(Origin.MARKETPLACE, end)).isEqualTo(Mode.OFF);
        assertThat(Policies.parse(Map.of("enforceAfter", "2026-12-01T08:30:00Z")).enforceAfter())
                .isEqualTo(Instant.parse("2026-12-01T08:30:00Z"));
    }

    @Test
    void badKeysAndValuesAreRejectedWithTheirName() {
        assertThatThrownBy(() -> Policies.parse(Map.of("mood", "WARN"))).hasMessageContaining("unknown policy key 'mood'");
        assertThatThrownBy(() -> Policies.parse(Map.of("mode", "STRICT"))).hasMessageContaining("mode must be OFF, WARN or ENFORCE");
        assertThatThrownBy(() -> Policies.parse(Map.of("enforceAfter", "next week"))).hasMessageContaining("enforceAfter");
        assertThatThrownBy(() -> Policies.parse(Map.of("upload.enabled", "yes"))).hasMessageContaining("true or false");
        assertThatThrownBy(() -> Policies.parse(Map.of("trustStore.looseCheck", "1"))).hasMessageContaining("trustStore.looseCheck");
    }

    @Test
    void formatRoundTrips() {
        Policy policy = Policies.parse(Map.of("mode", "ENFORCE", "enforceAfter", "2027-01-31", "mode.upload", "WARN",
                "upload.enabled", "false", "trustStore.looseCheck", "true"));
        Map<String, String> text = Policies.format(policy);
        text.values().removeIf(java.util.Objects::isNull);
        assertThat(Policies.parse(text)).isEqualTo(policy);
    }
}
