package io.appsigning.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/** One CLI command. */
interface Command {

    String name();

    /** The usage lines shown by --help. */
    String help();

    /** Runs the command; returns the exit code. */
    int run(List<String> args, PrintStream out, PrintStream err) throws UsageException, IOException;
}
