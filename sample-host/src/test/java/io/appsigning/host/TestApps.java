package io.appsigning.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Apps (real bundles) and a vendor key with its self-signed certificate. */
final class TestApps {

    final KeyPair key;
    final X509Certificate certificate;

    TestApps(String subject) throws Exception {
        key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        X500Principal name = new X500Principal(subject);
        certificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.TEN,
                Date.from(Instant.now().minus(Duration.ofDays(1))), Date.from(Instant.now().plus(Duration.ofDays(365))),
                name, key.getPublic()).build(new JcaContentSignerBuilder("Ed25519").build(key.getPrivate())));
    }

    String certificatePem() throws GeneralSecurityException {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder().encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    static byte[] bundle(String symbolicName, String version, int padding) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", symbolicName);
        main.putValue("Bundle-Version", version);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, manifest)) {
            jar.putNextEntry(new JarEntry("data.bin"));
            byte[] data = new byte[padding];
            new java.util.Random(padding).nextBytes(data);
            jar.write(data);
            jar.closeEntry();
        }
        return bytes.toByteArray();
    }

    byte[] signatureFile(byte[] app) throws GeneralSecurityException {
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(key.getPrivate());
        signer.update(app);
        return ("{\"signature\": \"" + Base64.getEncoder().encodeToString(signer.sign()) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** The same bundle with one byte more: still a valid jar, no longer the signed bytes. */
    static byte[] tampered(byte[] app) {
        byte[] copy = java.util.Arrays.copyOf(app, app.length + 1);
        copy[app.length] = '\n';
        return copy;
    }
}
