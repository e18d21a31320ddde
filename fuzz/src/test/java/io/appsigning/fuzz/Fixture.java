package io.appsigning.fuzz;

import io.appsigning.truststore.DenyList;
import io.appsigning.truststore.SafetyVerdict;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.truststore.TrustedCertificate;
import io.appsigning.verifier.AppVerifier;
import io.appsigning.verifier.SignatureFiles;
import io.appsigning.verifier.VerificationOptions;
import io.appsigning.verifier.VerificationResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** One valid app in each flow, built once: what the mutation targets start from. */
final class Fixture {

    static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    final byte[] app = "PK\u0003\u0004 a small app for fuzzing ".repeat(40).getBytes();
    final X509Certificate vendor;
    final X509Certificate ca;
    final X509Certificate leaf;
    final byte[] customSignatureFile;
    final byte[] marketplaceSignatureFile;
    final AppVerifier verifier;

    Fixture() throws Exception {
        KeyPair vendorKeys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        vendor = certificate("CN=Fuzz Vendor", "CN=Fuzz Vendor", vendorKeys, vendorKeys, false);
        KeyPair caKeys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        ca = certificate("CN=Fuzz CA", "CN=Fuzz CA", caKeys, caKeys, true);
        KeyPair leafKeys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        leaf = certificate("CN=Fuzz Leaf", "CN=Fuzz CA", leafKeys, caKeys, false);
        customSignatureFile = SignatureFiles.encode(sign(vendorKeys, app), null);
        marketplaceSignatureFile = SignatureFiles.encode(sign(leafKeys, app), leaf);
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

    private static byte[] sign(KeyPair keys, byte[] data) throws Exception {
        Signature signature = Signature.getInstance("Ed25519");
        signature.initSign(keys.getPrivate());
        signature.update(data);
        return signature.sign();
    }

    private static X509Certificate certificate(String subject, String issuer, KeyPair subjectKeys, KeyPair issuerKeys, boolean ca)
            throws Exception {
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Principal(issuer), BigInteger.TEN,
                Date.from(NOW.minus(Duration.ofDays(1))), Date.from(NOW.plus(Duration.ofDays(30))), new X500Principal(subject),
                subjectKeys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("Ed25519").build(issuerKeys.getPrivate())));
    }
}
