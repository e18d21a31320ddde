package io.appsigning.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Random;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Apps for the tests: real OSGi bundles, made in memory. */
public final class TestBundles {

    private TestBundles() {}

    /** A bundle with a manifest only. */
    public static byte[] bundle(String symbolicName, String version) {
        return bundle(symbolicName, version, 0, Map.of());
    }

    /**
     * A bundle with {@code headers} added to its manifest and, when {@code padding} is positive, an
     * entry of that many bytes (random, seeded by the size: the same arguments give the same bytes).
     */
    public static byte[] bundle(String symbolicName, String version, int padding, Map<String, String> headers) {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", symbolicName);
        main.putValue("Bundle-Version", version);
        headers.forEach(main::putValue);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, manifest)) {
            if (padding > 0) {
                jar.putNextEntry(new JarEntry("data.bin"));
                byte[] data = new byte[padding];
                new Random(padding).nextBytes(data);
                jar.write(data);
                jar.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a jar in memory cannot fail to write", e);
        }
        return bytes.toByteArray();
    }
}
