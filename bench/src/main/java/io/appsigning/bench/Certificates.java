package io.appsigning.bench;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Self-signed Ed25519 certificates for the benchmarks' trust stores. */
final class Certificates {

    private Certificates() {}

    static X509Certificate selfSigned(String subject, KeyPair keys) throws Exception {
        X500Principal name = new X500Principal(subject);
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                Date.from(Instant.now().minus(Duration.ofDays(1))), Date.from(Instant.now().plus(Duration.ofDays(30))), name,
                keys.getPublic()).build(new JcaContentSignerBuilder(algorithm(keys)).build(keys.getPrivate())));
    }

    private static String algorithm(KeyPair keys) {
        return keys.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "Ed25519";
    }
}
