package io.appsigning.truststore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.appsigning.testsupport.TestData;
import io.appsigning.truststore.Identity;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.truststore.TrustedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustStoreLoaderTest {

    @TempDir
    Path store;

    private final Clock clock = Clock.fixed(Instant.parse("2027-01-01T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void withoutTheSafetyCheckTheSameCertificatesLoadAndTheVerdictIsNotSafe() throws Exception {
        for (String name : new String[] {"marketplace_root_ca_v1.crt", "marketplace_intermediate_ca_v2.crt"}) {
            Files.copy(TestData.marketplaceCa(name), store.resolve(name));
        }
        Files.writeString(store.resolve("garbage.crt"), "not a certificate");
        TrustStoreSnapshot judged = TrustStoreLoader.load(store, null, Identity.current(), clock);
        TrustStoreSnapshot unjudged = TrustStoreLoader.loadWithoutSafetyCheck(store, null, "someone", clock);
        assertThat(unjudged.certificates()).extracting(TrustedCertificate::sha256)
                .containsExactlyElementsOf(judged.certificates().stream().map(TrustedCertificate::sha256).toList());
        assertThat(unjudged.problems()).isEqualTo(judged.problems());
        assertThat(unjudged.loadedAt()).isEqualTo(judged.loadedAt());
        // Nobody looked, so a strict verifier must not take the folder for safe.
        assertThat(unjudged.safety().safe()).isFalse();
        assertThat(unjudged.safety().user()).isEqualTo("someone");
        assertThat(unjudged.safety().findings()).singleElement()
                .satisfies(finding -> assertThat(finding.problem()).contains("not judged"));
    }
}
