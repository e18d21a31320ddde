package io.appsigning.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.appsigning.verifier.Flow;
import io.appsigning.verifier.ReasonCode;
import io.appsigning.verifier.Signer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The record's one persisted form, as the record file and the cluster's database keep it. */
class AppRecordFieldsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @SuppressWarnings("unchecked")
    private static AppRecord throughJson(AppRecord record) throws Exception {
        return AppRecord.fromFields(JSON.readValue(JSON.writeValueAsString(record.fields()), Map.class));
    }

    @Test
    void everyFieldSurvivesJsonAndNullsAreLeftOut() throws Exception {
        AppRecord full = new AppRecord("com.acme.app", "1.2.0", SignatureStatus.VERIFIED, Flow.MARKETPLACE,
                new Signer("CN=Acme", "ab".repeat(32)), ReasonCode.VERIFIED, "cd".repeat(32),
                Instant.parse("2026-11-25T10:15:30.123456Z"), "admin", List.of("upm:dependency:lib:1.0.0"));
        assertThat(throughJson(full)).isEqualTo(full);
        AppRecord bare = new AppRecord("com.acme.old", "0.1.0", SignatureStatus.INSTALLED_BEFORE_SIGNING, null, null, null,
                null, Instant.parse("2026-01-01T00:00:00Z"), "PRODUCT");
        assertThat(bare.fields()).containsOnlyKeys("key", "version", "status", "recordedAt", "installedBy");
        assertThat(throughJson(bare)).isEqualTo(bare);
    }

    @Test
    void aFileWrittenWithExplicitNullsStillReads() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> older = JSON.readValue("{\"key\":\"k\",\"version\":\"1.0.0\",\"status\":\"UNSIGNED\",\"flow\":null,"
                + "\"reason\":\"MISSING_SIGNATURE\",\"appSha256\":null,\"recordedAt\":\"2026-11-25T00:00:00Z\",\"installedBy\":\"admin\"}",
                Map.class);
        AppRecord record = AppRecord.fromFields(older);
        assertThat(record.flow()).isNull();
        assertThat(record.reason()).isEqualTo(ReasonCode.MISSING_SIGNATURE);
    }

    @Test
    void aRecordWithoutItsKeyOrWithAnUnknownStatusIsRefused() {
        assertThatThrownBy(() -> AppRecord.fromFields(Map.of("version", "1", "status", "VERIFIED", "recordedAt",
                "2026-11-25T00:00:00Z"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"key\"");
        assertThatThrownBy(() -> AppRecord.fromFields(Map.of("key", "k", "version", "1", "status", "TRUSTED_BY_MAGIC",
                "recordedAt", "2026-11-25T00:00:00Z"))).isInstanceOf(IllegalArgumentException.class);
    }
}
