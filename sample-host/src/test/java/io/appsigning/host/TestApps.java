package io.appsigning.host;

import io.appsigning.testsupport.Pem;
import io.appsigning.testsupport.TestBundles;
import io.appsigning.testsupport.TestPki;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

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

    static byte[] bundle(String symbolicName, String version, int padding) {
        return TestBundles.bundle(symbolicName, version, padding, Map.of());
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

    /** An OBR archive: the app's root bundle and one dependency bundle, as the plugin manager takes them. */
    static byte[] obr(byte[] root, byte[] dependency) throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(bytes)) {
            zip.putNextEntry(new java.util.zip.ZipEntry("suite.jar"));
            zip.write(root);
            zip.putNextEntry(new java.util.zip.ZipEntry("dependencies/lib.jar"));
            zip.write(dependency);
        }
        return bytes.toByteArray();
    }
}
