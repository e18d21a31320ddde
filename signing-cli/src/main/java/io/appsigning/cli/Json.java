package io.appsigning.cli;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The CLI's one Jackson mapper, made on first use: building an {@code ObjectMapper} loads and
 * initialises some 500 classes (about 30 ms of a command's start-up, BENCHMARKS.md), which a
 * command that prints plain text, like {@code verify} without {@code --json}, never needs.
 */
final class Json {

    private Json() {}

    static ObjectMapper mapper() {
        return Holder.MAPPER;
    }

    private static final class Holder {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
}
