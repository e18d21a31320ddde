package io.appsigning.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * {@code appsign}: keys, certificates, signing and verification of apps, for vendors, customers and
 * operators. Exit codes: 0 success (verified, healthy), 1 a negative answer (rejected, critical),
 * 2 a usage error or an input that cannot be read. Whatever happens, the user reads plain words
 * naming the input, never a stack trace.
 */
public final class Main {

    /** Set by bin/appsign to "c1" when it started the JVM with -XX:TieredStopAtLevel=1 (see main). */
    static final String JIT_PROPERTY = "appsign.jit";
    /** The exit status that asks bin/appsign for a run with the whole JIT; no command exits with it. */
    static final int RUN_AGAIN_WITH_FULL_JIT = 75;

    private final List<Command> commands;
    private final Hashing hashing;

    Main(Clock clock, boolean terminal) {
        this(clock, terminal, List.of());
    }

    /** With {@code extra} commands beside the real ones (tests of the error handling every command shares). */
    Main(Clock clock, boolean terminal, List<Command> extra) {
        this(clock, terminal, Hashing.jdk("the default"), extra);
    }

    Main(Clock clock, boolean terminal, Hashing hashing, List<Command> extra) {
        this.hashing = hashing;
        List<Command> all = new java.util.ArrayList<>(List.of(new KeygenCommand(clock), new SignCommand(terminal),
                new VerifyCommand(clock, hashing), new HealthCommand(clock), new TrustCommand(clock), new AuditVerifyCommand()));
        all.addAll(extra);
        commands = List.copyOf(all);
    }

    Main(Clock clock) {
        this(clock, false);
    }

    public static void main(String[] args) {
        Hashing hashing = NativeHashing.choose(System.getenv());
        if (hashing.provider() == null && "c1".equals(System.getProperty(JIT_PROPERTY))) {
            // bin/appsign started this JVM without the optimising compiler, counting on OpenSSL's SHA-512;
            // the JDK's would run several times slower without it: exit at once, the launcher runs again.
            System.exit(RUN_AGAIN_WITH_FULL_JIT);
        }
        if (hashing.provider() != null) {
            // First in line for SHA-512 alone; every other algorithm still comes from the JDK's providers.
            java.security.Security.insertProviderAt(hashing.provider(), 1);
        }
        System.exit(new Main(Clock.systemUTC(), System.console() != null, hashing, List.of())
                .run(Arrays.asList(args), System.out, System.err));
    }

    int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h") || args.get(0).equals("help")) {
            out.println(overview());
            return args.isEmpty() ? 2 : 0;
        }
        if (args.get(0).equals("--version") || args.get(0).equals("version")) {
            printVersion(out);
            return 0;
        }
        Command command = commands.stream().filter(c -> c.name().equals(args.get(0))).findFirst().orElse(null);
        if (command == null) {
            err.println("appsign: unknown command '" + args.get(0) + "'. Run 'appsign --help'.");
            return 2;
        }
        List<String> rest = args.subList(1, args.size());
        if (rest.contains("--help") || rest.contains("-h")) {
            out.println(command.help());
            return 0;
        }
        if (rest.contains("--version")) {
            printVersion(out);
            return 0;
        }
        try {
            return command.run(rest, out, err);
        } catch (UsageException e) {
            err.println("appsign " + command.name() + ": " + e.getMessage());
            if (e.getMessage().startsWith("unknown option") || e.getMessage().endsWith("is required")
                    || e.getMessage().startsWith("unexpected argument") || e.getMessage().endsWith("needs a value")) {
                err.println("Run 'appsign " + command.name() + " --help' for usage.");
            }
            return 2;
        } catch (IOException e) {
            String message = e.getMessage();
            err.println("appsign " + command.name() + ": " + (message == null || message.isBlank()
                    ? "an input or output file cannot be read or written" : message));
            return 2;
        } catch (OutOfMemoryError e) {
            err.println("appsign " + command.name() + ": ran out of memory (Java heap of "
                    + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB). appsign reads apps in bounded memory,"
                    + " so this is most likely a very large trust store or key file; run again with more memory,"
                    + " e.g. java -Xmx512m -jar appsign.jar ...");
            return 2;
        } catch (RuntimeException e) {
            // A defect, not a bad input: still no stack trace for the user, but enough to report it.
            err.println("appsign " + command.name() + ": an unexpected error stopped the command ("
                    + (e.getMessage() == null ? "no detail" : e.getMessage().lines().findFirst().orElse(""))
                    + "). Please report it with the command line you ran.");
            return 2;
        }
    }

    private void printVersion(PrintStream out) {
        out.println("appsign " + version());
        out.println("SHA-512 of apps: " + hashing.description());
    }

    /** The version the jar was built as (a resource filtered by the build). */
    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                String version = properties.getProperty("version");
                if (version != null && !version.startsWith("${")) {
                    return version;
                }
            }
        } catch (IOException e) {
            // Fall through to the manifest.
        }
        String fromManifest = Main.class.getPackage().getImplementationVersion();
        return fromManifest != null ? fromManifest : "(unknown version)";
    }

    private String overview() {
        StringBuilder text = new StringBuilder("appsign " + version()
                + "\nUsage: java -jar appsign.jar COMMAND [OPTIONS]   (options as --name value or --name=value)\n\nCommands:\n");
        for (Command command : commands) {
            text.append("  ").append(command.help().lines().findFirst().orElse(command.name())).append('\n');
        }
        return text.append("""

                Exit codes: 0 success, 1 a negative answer (rejected, critical, broken), 2 a bad input or usage.
                Run 'appsign COMMAND --help' for a command's options; 'appsign --version' for the version.""").toString();
    }
}
