package io.appsigning.host;

import io.appsigning.testsupport.Pem;
import io.appsigning.testsupport.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Apps (real bundles) and a vendor key with its self-signed certificate. */
final class TestApps {

    final KeyPair key;
    final X509Certificate certificate;

    TestApps(String subject) {
        key = TestPki.ed25519();
        certificate = new TestPki().selfSigned(TestPki.Spec.plain(subject, Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(365))), key).certificate();
    }

    String certificatePem() {
        return Pem.certificate(certificate);
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

    byte[] signatureFile(byte[] app) {
        return ("{\"signature\": \"" + Base64.getEncoder().encodeToString(TestPki.sign(key.getPrivate(), app)) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The same bundle with one byte more: still a valid jar, no longer the signed bytes. */
    static byte[] tampered(byte[] app) {
        byte[] copy = java.util.Arrays.copyOf(app, app.length + 1);
        copy[app.length] = '\n';
        return copy;
    }
}
