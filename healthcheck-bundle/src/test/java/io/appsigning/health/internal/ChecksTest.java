package io.appsigning.health.internal;

import io.appsigning.health.HealthJson;

import io.appsigning.health.HealthReport;

import io.appsigning.health.Status;

import io.appsigning.health.CheckResult;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.appsigning.gate.AppRecord;
import io.appsigning.gate.Mode;
import io.appsigning.gate.Policy;
import io.appsigning.gate.SignatureStatus;
import io.appsigning.testsupport.TestData;
import io.appsigning.truststore.internal.CertificateFiles;
import io.appsigning.truststore.SafetyFinding;
import io.appsigning.truststore.SafetyVerdict;
import io.appsigning.truststore.TrustedCertificate;
import io.appsigning.verifier.ReasonCode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChecksTest {

    private static List<TrustedCertificate> marketplace() {
        CertificateFiles.Contents contents = CertificateFiles.read(TestData.marketplaceCa());
        assertThat(contents.problems()).isEmpty();
        assertThat(contents.certificates()).hasSize(3);
        return contents.certificates();
    }

    @Test
    void intermediateV1IsAWarningThreeWeeksBeforeItExpires() {
        CheckResult result = TrustStoreChecks.expiry(marketplace(), Instant.parse("2026-12-20T00:00:00Z"), Duration.ofDays(30));
        assertThat(result.name()).isEqualTo("certificate-expiry");
        assertThat(result.status()).isEqualTo(Status.WARN);
        assertThat(result.messages()).singleElement().satisfies(m -> assertThat(m)
                .contains("e362af9f2701a09b7f242584c35c8cd4181418f15a5640e1b8f15955df4865d1")
                .contains("expires on 2027-01-10, in 21 days"));
    }

    @Test
    void afterItExpiresItIsReportedAsIgnored() {
        CheckResult result = TrustStoreChecks.expiry(marketplace(), Instant.parse("2027-02-01T00:00:00Z"), Duration.ofDays(30));
        assertThat(result.status()).isEqualTo(Status.WARN);
        assertThat(result.messages()).singleElement().satisfies(m -> assertThat(m)
                .contains("expired on 2027-01-10").contains("ignored").contains("Remove it"));
    }

    @Test
    void noneExpiringIsOk() {
        CheckResult result = TrustStoreChecks.expiry(marketplace(), Instant.parse("2026-11-24T00:00:00Z"), Duration.ofDays(30));
        assertThat(result.status()).isEqualTo(Status.OK);
        assertThat(TrustStoreChecks.expiry(marketplace(), Instant.parse("2026-11-24T00:00:00Z"), Duration.ofDays(60)).status())
                .isEqualTo(Status.WARN);
    }

    @Test
    void permissions() {
        SafetyVerdict safe = new SafetyVerdict("product", false, List.of());
        SafetyVerdict unsafe = new SafetyVerdict("product", false,
                List.of(new SafetyFinding(Path.of("/t"), "writable by every user (mode 0777)", "chmod o-w /t")));
        SafetyVerdict root = new SafetyVerdict("root", true, List.of());
        assertThat(TrustStoreChecks.permissions(safe, false).status()).isEqualTo(Status.OK);
        CheckResult critical = TrustStoreChecks.permissions(unsafe, false);
        assertThat(critical.status()).isEqualTo(Status.CRITICAL);
        assertThat(critical.messages()).anyMatch(m -> m.contains("/t: writable by every user (mode 0777). Fix: chmod o-w /t"));
        assertThat(TrustStoreChecks.permissions(unsafe, true).status()).isEqualTo(Status.WARN);
        assertThat(TrustStoreChecks.permissions(root, false).status()).isEqualTo(Status.WARN);
        assertThat(TrustStoreChecks.permissions(root, false).messages()).anyMatch(m -> m.contains("runs as root"));
    }

    @Test
    void aDenyListThatCannotBeUsedIsCriticalAndOtherSkippedFilesAWarning() {
        SafetyVerdict safe = new SafetyVerdict("product", false, List.of());
        CheckResult deny = TrustStoreChecks.permissions(safe, false, List.of(new io.appsigning.truststore.LoadProblem(
                Path.of("/t/denylist"), io.appsigning.truststore.DenyList.UNUSABLE + "line 1: not a SHA-256 digest")));
        assertThat(deny.status()).as("the product trusts nothing").isEqualTo(Status.CRITICAL);
        CheckResult skipped = TrustStoreChecks.permissions(safe, false, List.of(new io.appsigning.truststore.LoadProblem(
                Path.of("/t/broken.crt"), "skipped /t/broken.crt: not a certificate")));
        assertThat(skipped.status()).isEqualTo(Status.WARN);
    }

    @Test
    void signingStatus() {
        Instant now = Instant.parse("2026-11-24T00:00:00Z");
        AppRecord unsigned = new AppRecord("com.acme.a", "1.0.0", SignatureStatus.UNSIGNED, null, null,
                ReasonCode.MISSING_SIGNATURE, null, now, "admin");
        AppRecord old = new AppRecord("com.acme.b", "2.0.0", SignatureStatus.INSTALLED_BEFORE_SIGNING, null, null, null, null, now,
                "PRODUCT");
        AppRecord tampered = new AppRecord("com.acme.c", "3.0.0", SignatureStatus.NOT_VERIFIED, null, null,
                ReasonCode.SIGNATURE_MISMATCH, null, now, "admin");
        AppRecord verified = new AppRecord("com.acme.d", "1.0.0", SignatureStatus.VERIFIED, null, null, ReasonCode.VERIFIED,
                null, now, "admin");
        Policy grace = new Policy(Mode.WARN, Instant.parse("2026-12-24T00:00:00Z"), null, null, null, false, false, false);
        CheckResult warn = SigningStatusCheck.evaluate(grace, List.of(unsigned, old, tampered, verified), now);
        assertThat(warn.status()).isEqualTo(Status.WARN);
        assertThat(warn.messages()).anyMatch(m -> m.contains("in 30 days"))
                .anyMatch(m -> m.equals("com.acme.a 1.0.0: Unsigned. Ask the vendor for the signature file and upload the app"
                        + " again with it."))
                .anyMatch(m -> m.startsWith("com.acme.b 2.0.0: Installed before signing. Upload a signed build"))
                .anyMatch(m -> m.startsWith("com.acme.c 3.0.0: Signature failed (SIGNATURE_MISMATCH). Its signature did not verify"))
                .noneMatch(m -> m.contains("com.acme.d"))
                .as("an app whose signature failed is not called unsigned").noneMatch(m -> m.contains("com.acme.c") && m.contains("Unsigned"));
        Policy enforce = new Policy(Mode.ENFORCE, null, null, null, null, false, false, false);
        assertThat(SigningStatusCheck.evaluate(enforce, List.of(), now).status()).isEqualTo(Status.OK);
        assertThat(SigningStatusCheck.evaluate(enforce, List.of(verified), now).status()).isEqualTo(Status.OK);
        assertThat(SigningStatusCheck.evaluate(enforce, List.of(old), now).status()).isEqualTo(Status.WARN);
        assertThat(SigningStatusCheck.evaluate(grace, List.of(), Instant.parse("2027-01-01T00:00:00Z")).status())
                .as("after the grace period WARN acts as ENFORCE").isEqualTo(Status.OK);
        assertThat(SigningStatusCheck.evaluate(new Policy(Mode.OFF, null, null, null, null, false, false, false), List.of(), now)
                .messages()).anyMatch(m -> m.contains("No end of the grace period"));
    }

    @Test
    void theJsonHasTheShapeOfGetApiHealth() throws Exception {
        HealthReport report = new HealthReport(List.of(
                new CheckResult("trust-store-permissions", Status.OK, List.of("fine")),
                new CheckResult("certificate-expiry", Status.WARN, List.of("soon"))));
        JsonNode json = new ObjectMapper().readTree(HealthJson.toJson(report));
        assertThat(json.get("status").asText()).isEqualTo("WARN");
        assertThat(json.get("checks")).hasSize(2);
        assertThat(json.get("checks").get(1).get("name").asText()).isEqualTo("certificate-expiry");
        assertThat(json.get("checks").get(1).get("messages").get(0).asText()).isEqualTo("soon");
        assertThat(new HealthReport(List.of()).status()).isEqualTo(Status.OK);
    }
}
