package io.appsigning.verifier;

import io.appsigning.truststore.DenyList;
import io.appsigning.truststore.SafetyFinding;
import io.appsigning.truststore.SafetyVerdict;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.truststore.TrustedCertificate;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Test PKI: keys, certificates with chosen extensions and validity, trust store snapshots. */
final class Pki {

    static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();
    private final AtomicLong serial = new AtomicLong(1000);

    /** A certificate and its private key. */
    record Issued(X509Certificate certificate, PrivateKey key) {}

    /** What to put in a certificate; null fields are left out. */
    record Spec(String subject, Instant notBefore, Instant notAfter, Integer caPathLen, boolean caFalse,
                Integer keyUsage, boolean keyUsageCritical, KeyPurposeId[] extendedKeyUsage, String extraCriticalOid) {

        static Spec ca(String subject) {
            return new Spec(subject, NOW.minus(Duration.ofDays(365)), NOW.plus(Duration.ofDays(3650)), 1, false,
                    KeyUsage.keyCertSign | KeyUsage.cRLSign, true, null, null);
        }

        static Spec leaf(String subject) {
            return new Spec(subject, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30)), null, false,
                    KeyUsage.digitalSignature, true, new KeyPurposeId[] {KeyPurposeId.id_kp_codeSigning}, null);
        }

        Spec validity(Instant from, Instant to) {
            return new Spec(subject, from, to, caPathLen, caFalse, keyUsage, keyUsageCritical, extendedKeyUsage, extraCriticalOid);
        }

        Spec keyUsage(Integer bits) {
            return new Spec(subject, notBefore, notAfter, caPathLen, caFalse, bits, keyUsageCritical, extendedKeyUsage, extraCriticalOid);
        }

        Spec extendedKeyUsage(KeyPurposeId... purposes) {
            return new Spec(subject, notBefore, notAfter, caPathLen, caFalse, keyUsage, keyUsageCritical, purposes, extraCriticalOid);
        }

        Spec notCa() {
            return new Spec(subject, notBefore, notAfter, null, true, keyUsage, keyUsageCritical, extendedKeyUsage, extraCriticalOid);
        }

        Spec caPathLen(int pathLen) {
            return new Spec(subject, notBefore, notAfter, pathLen, false, keyUsage, keyUsageCritical, extendedKeyUsage, extraCriticalOid);
        }

        Spec criticalExtension(String oid) {
            return new Spec(subject, notBefore, notAfter, caPathLen, caFalse, keyUsage, keyUsageCritical, extendedKeyUsage, oid);
        }
    }

    static KeyPair ed25519() {
        return generate("Ed25519", null);
    }

    static KeyPair p256() {
        return generate("EC", new ECGenParameterSpec("secp256r1"));
    }

    private static KeyPair generate(String algorithm, ECGenParameterSpec spec) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (spec != null) {
                generator.initialize(spec);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed certificate with an Ed25519 key. */
    Issued selfSigned(Spec spec) {
        KeyPair pair = ed25519();
        return new Issued(issue(spec, pair.getPublic(), new X500Principal(spec.subject()), pair.getPrivate()), pair.getPrivate());
    }

    /** A certificate for a new key of {@code keys}, issued by {@code issuer}. */
    Issued issue(Spec spec, KeyPair keys, Issued issuer) {
        return new Issued(issue(spec, keys.getPublic(), issuer.certificate().getSubjectX500Principal(), issuer.key()), keys.getPrivate());
    }

    private X509Certificate issue(Spec spec, java.security.PublicKey subjectKey, X500Principal issuer, PrivateKey issuerKey) {
        try {
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                    BigInteger.valueOf(serial.incrementAndGet()), Date.from(spec.notBefore()), Date.from(spec.notAfter()),
                    new X500Principal(spec.subject()), subjectKey);
            if (spec.caPathLen() != null) {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(spec.caPathLen()));
            } else if (spec.caFalse()) {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            }
            if (spec.keyUsage() != null) {
                builder.addExtension(Extension.keyUsage, spec.keyUsageCritical(), new KeyUsage(spec.keyUsage()));
            }
            if (spec.extendedKeyUsage() != null) {
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(spec.extendedKeyUsage()));
            }
            if (spec.extraCriticalOid() != null) {
                builder.addExtension(new ASN1ObjectIdentifier(spec.extraCriticalOid()), true, new DEROctetString(new byte[] {5}));
            }
            String algorithm = switch (issuerKey.getAlgorithm()) {
                case "EC" -> "SHA256withECDSA";
                case "RSA" -> "SHA256withRSA";
                default -> "Ed25519";
            };
            return new JcaX509CertificateConverter().setProvider(BC)
                    .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).setProvider(BC).build(issuerKey)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sign(PrivateKey key, byte[] app) {
        try {
            Signature signature = Signature.getInstance("Ed25519");
            signature.initSign(key);
            signature.update(app);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

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
