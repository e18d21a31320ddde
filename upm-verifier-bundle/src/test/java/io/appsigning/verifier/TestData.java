package io.appsigning.verifier;

import java.nio.file.Files;
import java.nio.file.Path;

/** The project's shared, read-only test data (Wycheproof, speccheck, marketplace CA). */
final class TestData {

    private TestData() {}

    static Path shared(String relative) {
        String root = System.getProperty("appsigning.shared");
        Path base = root != null ? Path.of(root) : Path.of("..", "..", "shared");
        Path file = base.resolve("testdata").resolve(relative);
        if (!Files.exists(file)) {
            throw new IllegalStateException("test data missing: " + file.toAbsolutePath()
                    + " (run the build from the project root, with ../shared beside it)");
        }
        return file;
    }
}
