package io.appsigning.cli;

/** A command line that cannot be run as given, or an input that cannot be read: exit code 2. */
public final class UsageException extends Exception {

    public UsageException(String message) {
        super(message);
    }
}
