package io.appsigning.verifier.internal;

import io.appsigning.testsupport.TestPki;
import io.appsigning.truststore.DenyList;
import io.appsigning.truststore.SafetyFinding;
import io.appsigning.truststore.SafetyVerdict;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.truststore.TrustedCertificate;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The shared test PKI ({@link TestPki}: keys, certificates, signatures, reached as {@code Pki.Spec},
 * {@code Pki.NOW} ...) plus the trust store snapshots that the verifier's tests hand it.
 */
final class Pki extends TestPki {

    static TrustStoreSnapshot store(List<X509Certificate> certificates) {
        return store(certificates, DenyList.empty(), true);
    }

    static TrustStoreSnapshot store(List<X509Certificate> certificates, DenyList deny, boolean safe) {
        List<TrustedCertificate> trusted = new ArrayList<>();
        for (int i = 0; i < certificates.size(); i++) {
            trusted.add(TrustedCertificate.of(certificates.get(i), Path.of("/trust/cert" + i + ".pem")));
        }
        List<SafetyFinding> findings = safe ? List.of()
                : List.of(new SafetyFinding(Path.of("/trust"), "world-writable (mode 0777)", "chmod o-w /trust"));
        return new TrustStoreSnapshot(Path.of("/trust"), trusted, List.of(), new SafetyVerdict("product", false, findings),
                deny, NOW);
    }

    static DenyList deny(String... sha256) {
        return new DenyList(Set.of(sha256));
    }
}
