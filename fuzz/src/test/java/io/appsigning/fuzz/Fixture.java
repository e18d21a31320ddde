package io.appsigning.fuzz;

import io.appsigning.testsupport.TestPki;
import io.appsigning.truststore.DenyList;
import io.appsigning.truststore.SafetyVerdict;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.truststore.TrustedCertificate;
import io.appsigning.verifier.internal.AppVerifier;
import io.appsigning.verifier.SignatureFiles;
import io.appsigning.verifier.VerificationOptions;
import io.appsigning.verifier.VerificationResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/** One valid app in each flow, built once: what the mutation targets start from. */
final class Fixture {

    static final Instant NOW = TestPki.NOW;
    final byte[] app = "PK\u0003\u0004 a small app for fuzzing ".repeat(40).getBytes();
    final X509Certificate vendor;
    final X509Certificate ca;
    final X509Certificate leaf;
    final byte[] customSignatureFile;
    final byte[] marketplaceSignatureFile;
    final AppVerifier verifier;

    Fixture() throws Exception {
        TestPki pki = new TestPki();
        TestPki.Issued vendorIssued = pki.selfSigned(TestPki.Spec.leaf("CN=Fuzz Vendor"));
        vendor = vendorIssued.certificate();
        TestPki.Issued caIssued = pki.selfSigned(TestPki.Spec.ca("CN=Fuzz CA"));
        ca = caIssued.certificate();
        TestPki.Issued leafIssued = pki.issue(TestPki.Spec.leaf("CN=Fuzz Leaf"), TestPki.ed25519(), caIssued);
        leaf = leafIssued.certificate();
        customSignatureFile = SignatureFiles.encode(TestPki.sign(vendorIssued.key(), app), null);
        marketplaceSignatureFile = SignatureFiles.encode(TestPki.sign(leafIssued.key(), app), leaf);
        TrustStoreSnapshot snapshot = new TrustStoreSnapshot(Path.of("fuzz"),
                List.of(TrustedCertificate.of(vendor, Path.of("vendor.pem")), TrustedCertificate.of(ca, Path.of("ca.pem"))),
                List.of(), new SafetyVerdict("fuzz", false, List.of()), DenyList.empty(), NOW);
        verifier = AppVerifier.of(snapshot, new VerificationOptions(NOW, false));
        if (!verify(app, customSignatureFile).verified() || !verify(app, marketplaceSignatureFile).verified()) {
            throw new IllegalStateException("the fixture does not verify");
        }
    }

    VerificationResult verify(byte[] appBytes, byte[] signatureFile) {
        try {
            return verifier.verify(new ByteArrayInputStream(appBytes), signatureFile);
        } catch (IOException e) {
            throw new IllegalStateException("a byte array cannot fail to read", e);
        }
    }
}
