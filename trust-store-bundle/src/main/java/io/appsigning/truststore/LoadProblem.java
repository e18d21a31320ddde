package io.appsigning.truststore;

import java.nio.file.Path;

/** A trust store file that was skipped, and why, in words an operator can act on. */
public record LoadProblem(Path file, String message) {}
