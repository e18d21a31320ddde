package io.appsigning.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;

/**
 * {@code appsign}: keys, certificates, signing and verification of apps, for vendors, customers and
 * operators. Exit codes: 0 success (verified, healthy), 1 a negative answer (rejected, critical),
 * 2 a usage error or an input that cannot be read.
 */
public final class Main {

    private final List<Command> commands;

    Main(Clock clock) {
        commands = List.of(new KeygenCommand(clock), new SignCommand(), new VerifyCommand(clock),
                new HealthCommand(clock), new AuditVerifyCommand());
    }

    public static void main(String[] args) {
        System.exit(new Main(Clock.systemUTC()).run(Arrays.asList(args), System.out, System.err));
    }

    int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h") || args.get(0).equals("help")) {
            out.println(overview());
            return args.isEmpty() ? 2 : 0;
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
        try {
            return command.run(rest, out, err);
        } catch (UsageException e) {
            err.println("appsign " + command.name() + ": " + e.getMessage());
            err.println("Run 'appsign " + command.name() + " --help' for usage.");
            return 2;
        } catch (IOException e) {
            err.println("appsign " + command.name() + ": " + e.getMessage());
            return 2;
        }
    }

    private String overview() {
        StringBuilder text = new StringBuilder("Usage: java -jar appsign.jar COMMAND [OPTIONS]\n\nCommands:\n");
        for (Command command : commands) {
            text.append("  ").append(command.help().lines().findFirst().orElse(command.name())).append('\n');
        }
        return text.append("\nRun 'appsign COMMAND --help' for a command's options.").toString();
    }
}
