package io.appsigning.gate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.appsigning.gate.Mode;
import io.appsigning.gate.Origin;
import io.appsigning.gate.Policy;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyLayersTest {

    private static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");

    private static PolicyLayers.Layers layers(Map<String, String> file, Map<String, String> system, Map<String, String> admin) {
        return new PolicyLayers.Layers(file, system, admin);
    }

    @Test
    void theAdminTightensButNeverRelaxesTheOperatorsFloor() {
        Policy enforced = PolicyLayers.effective(layers(Map.of("mode", "ENFORCE"), Map.of(), Map.of("mode", "OFF")));
        assertThat(enforced.mode()).isEqualTo(Mode.ENFORCE);
        Policy tightened = PolicyLayers.effective(layers(Map.of("mode", "WARN"), Map.of(), Map.of("mode", "ENFORCE")));
        assertThat(tightened.mode()).isEqualTo(Mode.ENFORCE);
        Policy earlier = PolicyLayers.effective(layers(Map.of("enforceAfter", "2027-03-31"), Map.of(), Map.of("enforceAfter", "2027-01-01")));
        assertThat(earlier.enforceAfter()).isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
        Policy later = PolicyLayers.effective(layers(Map.of("enforceAfter", "2027-03-31"), Map.of(), Map.of("enforceAfter", "2028-01-01")));
        assertThat(later.enforceAfter()).isEqualTo(Instant.parse("2027-03-31T00:00:00Z"));
        Policy uploadsOff = PolicyLayers.effective(layers(Map.of(), Map.of(), Map.of("upload.enabled", "false")));
        assertThat(uploadsOff.uploadsAccepted(NOW)).isFalse();
        Policy uploadsOn = PolicyLayers.effective(layers(Map.of("mode", "OFF"), Map.of(), Map.of("upload.enabled", "true")));
        assertThat(uploadsOn.uploadsAccepted(NOW)).as("the admin cannot turn on what the operator's OFF turned off").isFalse();
    }

    @Test
    void perOriginModesCombineWithTheGeneralMode() {
        Policy policy = PolicyLayers.effective(layers(Map.of("mode", "WARN", "mode.upload", "OFF"), Map.of(),
                Map.of("mode.marketplace", "ENFORCE")));
        assertThat(policy.configuredMode(Origin.UPLOAD)).isEqualTo(Mode.OFF);
        assertThat(policy.configuredMode(Origin.MARKETPLACE)).isEqualTo(Mode.ENFORCE);
        Policy general = PolicyLayers.effective(layers(Map.of("mode", "WARN", "mode.upload", "OFF"), Map.of(), Map.of("mode", "ENFORCE")));
        assertThat(general.configuredMode(Origin.MARKETPLACE)).isEqualTo(Mode.ENFORCE);
        assertThat(general.configuredMode(Origin.UPLOAD)).as("the admin's general mode tightens every origin").isEqualTo(Mode.ENFORCE);
    }

    @Test
    void systemPropertiesWinOverTheFileAndTheKillSwitchIsModeOff() {
        Map<String, String> system = PolicyComponent.systemValues(Map.of("appsigning.check.disabled", "true")::get);
        Policy policy = PolicyLayers.effective(layers(Map.of("mode", "ENFORCE", "mode.upload", "ENFORCE"), system, Map.of()));
        assertThat(policy.configuredMode(Origin.UPLOAD)).isEqualTo(Mode.OFF);
        assertThat(policy.configuredMode(Origin.MARKETPLACE)).isEqualTo(Mode.OFF);
        Map<String, String> strict = PolicyComponent.systemValues(Map.of("appsigning.strict", "true", "appsigning.mode", "WARN")::get);
        assertThat(PolicyLayers.effective(layers(Map.of("mode", "ENFORCE"), strict, Map.of())).mode()).isEqualTo(Mode.WARN);
        assertThat(PolicyLayers.effective(layers(Map.of(), strict, Map.of())).strict()).isTrue();
    }

    @Test
    void operatorOnlyKeysNeverComeFromTheAdmin() {
        Policy policy = PolicyLayers.effective(layers(Map.of(), Map.of(),
                Map.of("trustStore.looseCheck", "true", "policy.adminMayRelax", "true", "strict", "false")));
        assertThat(policy.looseTrustStore()).isFalse();
        assertThat(policy.adminMayRelax()).isFalse();
        assertThat(PolicyLayers.relaxations(Policy.DEFAULT, policy, Map.of("trustStore.looseCheck", "true"), NOW))
                .containsExactly("trustStore.looseCheck");
    }

    @Test
    void relaxationsAreNamedKeyByKey() {
        Policy current = PolicyLayers.effective(layers(Map.of("mode", "WARN", "enforceAfter", "2027-03-31"), Map.of(),
                Map.of("mode", "ENFORCE", "upload.enabled", "false")));
        assertThat(PolicyLayers.relaxations(current, current, Map.of("mode", "WARN"), NOW)).containsExactly("mode");
        assertThat(PolicyLayers.relaxations(current, current, Map.of("mode.upload", "OFF"), NOW)).containsExactly("mode.upload");
        assertThat(PolicyLayers.relaxations(current, current, Map.of("enforceAfter", "2028-01-01"), NOW)).containsExactly("enforceAfter");
        assertThat(PolicyLayers.relaxations(current, current, Map.of("enforceAfter", ""), NOW)).containsExactly("enforceAfter");
        assertThat(PolicyLayers.relaxations(current, current, Map.of("upload.enabled", "true"), NOW)).containsExactly("upload.enabled");
        assertThat(PolicyLayers.relaxations(current, current, Map.of("upload.enabled", ""), NOW)).containsExactly("upload.enabled");
        Policy resetMode = PolicyLayers.effective(layers(Map.of("mode", "WARN"), Map.of(), Map.of()));
        assertThat(PolicyLayers.relaxations(current, resetMode, Map.of("mode", ""), NOW)).contains("mode");
        assertThat(PolicyLayers.relaxations(current, current, Map.of("enforceAfter", "2027-01-01"), NOW)).isEmpty();
        assertThat(PolicyLayers.relaxations(current, current, Map.of("mode", "ENFORCE"), NOW)).isEmpty();
    }

    @Test
    void anOperatorWhoAllowsItLetsTheAdminRelax() {
        Map<String, String> file = Map.of("mode", "ENFORCE", "policy.adminMayRelax", "true");
        Policy relaxed = PolicyLayers.effective(layers(file, Map.of(), Map.of("mode", "WARN")));
        assertThat(relaxed.mode()).isEqualTo(Mode.WARN);
        Policy current = PolicyLayers.effective(layers(file, Map.of(), Map.of()));
        assertThat(PolicyLayers.relaxations(current, relaxed, Map.of("mode", "WARN"), NOW)).isEmpty();
    }

    @Test
    void whereEachValueComesFrom() {
        PolicyLayers.Layers layers = layers(Map.of("mode", "WARN", "enforceAfter", "2027-03-31"), Map.of("strict", "true"),
                Map.of("mode", "ENFORCE", "enforceAfter", "2028-01-01"));
        Map<String, String> sources = PolicyLayers.sources(layers, PolicyLayers.effective(layers));
        assertThat(sources).containsEntry("mode", "admin").containsEntry("enforceAfter", "file")
                .containsEntry("strict", "system").containsEntry("upload.enabled", "default");
    }

    @Test
    void badValuesAreRefused() {
        assertThatThrownBy(() -> PolicyLayers.effective(layers(Map.of("mode", "LOUD"), Map.of(), Map.of())))
                .hasMessageContaining("mode must be OFF, WARN or ENFORCE");
        assertThatThrownBy(() -> PolicyLayers.effective(layers(Map.of(), Map.of(), Map.of("enforceAfter", "soon"))))
                .hasMessageContaining("enforceAfter");
    }
}
