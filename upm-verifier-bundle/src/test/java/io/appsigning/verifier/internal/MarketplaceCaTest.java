package io.appsigning.verifier.internal;

import io.appsigning.verifier.SignatureFiles;

import io.appsigning.verifier.VerificationOptions;

import io.appsigning.verifier.VerificationResult;

import io.appsigning.verifier.ReasonCode;



import static org.assertj.core.api.Assertions.assertThat;

import io.appsigning.truststore.TrustedCertificate;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

/** The real, public marketplace CA certificates, loaded as a customer copies them. */
class MarketplaceCaTest {

    static X509Certificate load(String name) throws Exception {
        try (InputStream in = Files.newInputStream(TestData.shared("marketplace-ca/" + name))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static String fingerprint(X509Certificate certificate) {
        return TrustedCertificate.of(certificate, null).sha256();
    }

    @Test
    void theCertificatesAreTheOnesPublished() throws Exception {
        assertThat(fingerprint(load("marketplace_root_ca_v1.crt")))
                .isEqualTo("26b1218ef40abd79cea10e5778536d77988c299fa74b00189191fde1887b0e8e");
        assertThat(fingerprint(load("marketplace_intermediate_ca_v1.crt")))
                .isEqualTo("e362af9f2701a09b7f242584c35c8cd4181418f15a5640e1b8f15955df4865d1");
        assertThat(fingerprint(load("marketplace_intermediate_ca_v2.crt")))
                .isEqualTo("a4c4caf68ee237e2cb590c9e8da6e66a7ba90800634de70385cd2eff92005f16");
    }

    @Test
    void intermediateV2IsACaWhoseKeyUsageLacksKeyCertSign() throws Exception {
        X509Certificate v2 = load("marketplace_intermediate_ca_v2.crt");
        assertThat(v2.getBasicConstraints()).isEqualTo(0);
        boolean[] keyUsage = v2.getKeyUsage();
        assertThat(keyUsage[0]).as("digitalSignature").isTrue();
        assertThat(keyUsage[5]).as("keyCertSign").isFalse();
        X509Certificate v1 = load("marketplace_intermediate_ca_v1.crt");
        assertThat(v1.getNotAfter().toInstant()).isBetween(
                Instant.parse("2027-01-10T00:00:00Z"), Instant.parse("2027-01-11T00:00:00Z"));
        assertThat(Ed25519Keys.raw(load("marketplace_root_ca_v1.crt").getPublicKey())).hasSize(32);
    }

    @Test
    void aLeafThatOnlyClaimsTheRealIntermediateAsIssuerIsUntrusted() throws Exception {
        X509Certificate v2 = load("marketplace_intermediate_ca_v2.crt");
        Pki pki = new Pki();
        // Same issuer name as the real intermediate, but signed by a key that is not its key.
        Pki.Issued impostor = pki.selfSigned(new Pki.Spec(v2.getSubjectX500Principal().getName(X500Principal.RFC2253),
                Pki.NOW.minus(Duration.ofDays(1)), Pki.NOW.plus(Duration.ofDays(30)), 0, false,
                KeyUsage.digitalSignature | KeyUsage.dataEncipherment, true, null, null));
        Pki.Issued leaf = pki.issue(Pki.Spec.leaf("CN=Impostor App"), Pki.ed25519(), impostor);
        byte[] app = "app".getBytes();
        byte[] sig = SignatureFiles.encode(Pki.sign(leaf.key(), app), leaf.certificate());
        List<X509Certificate> realStore = List.of(load("marketplace_root_ca_v1.crt"),
                load("marketplace_intermediate_ca_v1.crt"), v2);
        VerificationResult result = AppVerifier.of(Pki.store(realStore), new VerificationOptions(Pki.NOW, false))
                .verify(new ByteArrayInputStream(app), sig);
        assertThat(result.reason()).isEqualTo(ReasonCode.UNTRUSTED_CERTIFICATE);
        // With the impostor's own CA certificate trusted as well, the same file verifies: the check is the key, not the name.
        List<X509Certificate> withImpostor = new java.util.ArrayList<>(realStore);
        withImpostor.add(impostor.certificate());
        assertThat(AppVerifier.of(Pki.store(withImpostor), new VerificationOptions(Pki.NOW, false))
                .verify(new ByteArrayInputStream(app), sig).reason()).isEqualTo(ReasonCode.VERIFIED);
    }

    /**
     * The extensions as published, which the verification rules meet: only v2 has a key usage
     * (critical: digitalSignature and dataEncipherment, bits 0 and 3), none an extended key usage,
     * and the path lengths are 1 for the root and 0 for the intermediates.
     */
    @Test
    void theRealCertificatesKeyUsageExtendedKeyUsageAndPathLengths() throws Exception {
        X509Certificate root = load("marketplace_root_ca_v1.crt");
        X509Certificate v1 = load("marketplace_intermediate_ca_v1.crt");
        X509Certificate v2 = load("marketplace_intermediate_ca_v2.crt");
        assertThat(v2.getKeyUsage()).containsExactly(true, false, false, true, false, false, false, false, false);
        assertThat(v2.getCriticalExtensionOIDs()).contains(Extension.keyUsage.getId());
        assertThat(root.getKeyUsage()).isNull();
        assertThat(v1.getKeyUsage()).isNull();
        for (X509Certificate certificate : List.of(root, v1, v2)) {
            assertThat(certificate.getExtendedKeyUsage()).as(certificate.getSubjectX500Principal().getName()).isNull();
            assertThat(certificate.getExtensionValue(Extension.extendedKeyUsage.getId())).isNull();
        }
        assertThat(root.getBasicConstraints()).isEqualTo(1);
        assertThat(v1.getBasicConstraints()).isEqualTo(0);
        assertThat(v2.getBasicConstraints()).isEqualTo(0);
    }
}
