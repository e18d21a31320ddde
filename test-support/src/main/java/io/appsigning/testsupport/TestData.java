package io.appsigning.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The repository's read-only test data under {@code testdata/} (Wycheproof, speccheck, the
 * marketplace CA certificates; where each comes from is in {@code testdata/README.md}).
 */
public final class TestData {

    /** Set by the parent POM for surefire and failsafe. */
    public static final String PROPERTY = "appsigning.testdata";

    private TestData() {}

    /**
     * The test data folder: the build's property, else (an IDE run, or Maven started inside a module,
     * where the property names the module's own folder) the nearest {@code testdata/} above the
     * working folder.
     */
    public static Path folder() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && Files.isDirectory(Path.of(configured))) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("testdata/README.md"))) {
                return dir.resolve("testdata");
            }
        }
        throw new IllegalStateException("no testdata/ folder above " + Path.of("").toAbsolutePath()
                + " and the system property " + PROPERTY + " is not set");
    }

    /** One file or folder of the test data, which must exist: a missing one is a broken checkout, not a skipped test. */
    public static Path path(String relative) {
        Path file = folder().resolve(relative);
        if (!Files.exists(file)) {
            throw new IllegalStateException("test data missing: " + file.toAbsolutePath());
        }
        return file;
    }

    /** The folder of the three real marketplace CA certificates. */
    public static Path marketplaceCa() {
        return path("marketplace-ca");
    }

    /** One of the real marketplace CA certificates, by file name. */
    public static Path marketplaceCa(String fileName) {
        return path("marketplace-ca/" + fileName);
    }
}
