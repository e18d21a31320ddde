package io.appsigning.gate.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import org.osgi.framework.Version;

/** Reads just enough of an uploaded file to know whether it is a bundle, and which. */
final class BundleManifests {

    /** A manifest larger than this is not a bundle's: refuse it rather than read it. */
    private static final int MAX_MANIFEST_BYTES = 1024 * 1024;

    record Identity(String symbolicName, String version, String problem) {}

    private BundleManifests() {}

    static Identity read(Path file) {
        Manifest manifest;
        try (JarFile jar = new JarFile(file.toFile(), false)) {
            ZipEntry entry = jar.getEntry(JarFile.MANIFEST_NAME);
            if (entry == null) {
                return invalid("it has no META-INF/MANIFEST.MF, so it is not an OSGi bundle");
            }
            byte[] bytes;
            try (InputStream in = jar.getInputStream(entry)) {
                bytes = in.readNBytes(MAX_MANIFEST_BYTES + 1);
            }
            if (bytes.length > MAX_MANIFEST_BYTES) {
                return invalid("its manifest is larger than " + MAX_MANIFEST_BYTES + " bytes");
            }
            manifest = new Manifest(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            return invalid("it is not a readable jar (" + e.getMessage() + ")");
        }
        Attributes main = manifest.getMainAttributes();
        if (!"2".equals(trim(main.getValue("Bundle-ManifestVersion")))) {
            return invalid("its manifest lacks Bundle-ManifestVersion: 2, so it is not an OSGi bundle");
        }
        String name = trim(main.getValue("Bundle-SymbolicName"));
        if (name == null || name.isEmpty()) {
            return invalid("its manifest has no Bundle-SymbolicName");
        }
        name = name.split(";", 2)[0].trim();
        if (!name.matches("[A-Za-z0-9_.\\-]{1,200}")) {
            return invalid("its Bundle-SymbolicName is not a valid name");
        }
        String version = trim(main.getValue("Bundle-Version"));
        try {
            version = Version.parseVersion(version).toString();
        } catch (IllegalArgumentException e) {
            return invalid("its Bundle-Version '" + version + "' is not an OSGi version");
        }
        return new Identity(name, version, null);
    }

    private static Identity invalid(String why) {
        return new Identity(null, null, "The file is not a valid app: " + why + ".");
    }

    private static String trim(String value) {
        return value == null ? null : value.trim();
    }
}
