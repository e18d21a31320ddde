package io.appsigning.verifier.internal;

import java.nio.file.Path;

/** The repository's test data, by its path under {@code testdata/}. */
final class TestData {

    private TestData() {}

    static Path shared(String relative) {
        return io.appsigning.testsupport.TestData.path(relative);
    }
}
