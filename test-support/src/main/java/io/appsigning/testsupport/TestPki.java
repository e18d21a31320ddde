package io.appsigning.testsupport;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The one test PKI of the project: Ed25519 (and P-256) keys, certificates with chosen extensions
 * and validity, and signatures. Open for extension so that a module's tests can add what needs
 * its own types (the verifier's trust store snapshots).
 */
public class TestPki {

    /** The fixed "now" of the unit tests, so that validity windows never drift with the calendar. */
    public static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    /** BouncyCastle as an instance: tests never register a global provider. */
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private final AtomicLong serial = new AtomicLong(1000);

    /** A certificate and its private key. */
    public record Issued(X509Certificate certificate, PrivateKey key) {}

    /** What to put in a certificate; null fields are left out. */
    public record Spec(String subject, Instant notBefore, Instant notAfter, Integer caPathLen, boolean caFalse,
                       Integer keyUsage, boolean keyUsageCritical, KeyPurposeId[] extendedKeyUsage, String extraCriticalOid) {

        /** No extensions at all: the minimal self-made certificate of a vendor. */
        public static Spec plain(String subject, Instant notBefore, Instant notAfter) {
            return new Spec(subject, notBefore, notAfter, null, false, null, false, null, null);
        }

        /** A CA (path length 1) valid around {@link #NOW}. */
        public static Spec ca(String subject) {
            return new Spec(subject, NOW.minus(Duration.ofDays(365)), NOW.plus(Duration.ofDays(3650)), 1, false,
                    KeyUsage.keyCertSign | KeyUsage.cRLSign, true, null, null);
        }

        /** A code signing leaf valid around {@link #NOW}. */
        public static Spec leaf(String subject) {
            return new Spec(subject, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30)), null, false,
                    KeyUsage.digitalSignature, true, new KeyPurposeId[] {KeyPurposeId.id_kp_codeSigning}, null);
        }

        public Spec validity(Instant from, Instant to) {
            return new Spec(subject, from, to, caPathLen, caFalse, keyUsage, keyUsageCritical, extendedKeyUsage, extraCriticalOid);
        }

        /** Valid from a day before {@code now} for {@code length}: for tests against the real clock. */
        public Spec validFor(Instant now, Duration length) {
            return validity(now.minus(Duration.ofDays(1)), now.plus(length));
        }

        public Spec keyUsage(Integer bits) {
            return new Spec(subject, notBefore, notAfter, caPathLen, caFalse, bits, keyUsageCritical, extendedKeyUsage, extraCriticalOid);
        }

        public Spec extendedKeyUsage(KeyPurposeId... purposes) {
            return new Spec(subject, notBefore, notAfter, caPathLen, caFalse, keyUsage, keyUsageCritical, purposes, extraCriticalOid);
        }

        public Spec notCa() {
            return new Spec(subject, notBefore, notAfter, null, true, keyUsage, keyUsageCritical, extendedKeyUsage, extraCriticalOid);
        }

        public Spec caPathLen(int pathLen) {
            return new Spec(subject, notBefore, notAfter, pathLen, false, keyUsage, keyUsageCritical, extendedKeyUsage, extraCriticalOid);
        }

        public Spec criticalExtension(String oid) {
            return new Spec(subject, notBefore, notAfter, caPathLen, caFalse, keyUsage, keyUsageCritical, extendedKeyUsage, oid);
        }
    }

    public static KeyPair ed25519() {
        return generate("Ed25519", null);
    }

    public static KeyPair p256() {
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

    /** A self-signed certificate for a new Ed25519 key. */
    public Issued selfSigned(Spec spec) {
        return selfSigned(spec, ed25519());
    }

    /** A self-signed certificate for {@code keys}. */
    public Issued selfSigned(Spec spec, KeyPair keys) {
        return new Issued(issue(spec, keys.getPublic(), new X500Principal(spec.subject()), keys.getPrivate()), keys.getPrivate());
    }

    /** A certificate for {@code keys}, issued by {@code issuer}. */
    public Issued issue(Spec spec, KeyPair keys, Issued issuer) {
        return new Issued(issue(spec, keys.getPublic(), issuer.certificate().getSubjectX500Principal(), issuer.key()), keys.getPrivate());
    }

    private X509Certificate issue(Spec spec, PublicKey subjectKey, X500Principal issuer, PrivateKey issuerKey) {
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                BigInteger.valueOf(serial.incrementAndGet()), Date.from(spec.notBefore()), Date.from(spec.notAfter()),
                new X500Principal(spec.subject()), subjectKey);
        try {
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
        } catch (CertIOException | OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("the test PKI cannot make " + spec.subject(), e);
        }
    }

    /** A pure Ed25519 signature over {@code data}. */
    public static byte[] sign(PrivateKey key, byte[] data) {
        try {
            Signature signature = Signature.getInstance("Ed25519");
            signature.initSign(key);
            signature.update(data);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
