package io.appsigning.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} and {@code --name=value} options, {@code --flag}s and, for commands that
 * take them, positional operands; checked against what a command accepts.
 */
final class Args {

    private final Map<String, String> values = new HashMap<>();
    private final List<String> operands = new ArrayList<>();

    private Args() {}

    static Args parse(List<String> args, Set<String> valued, Set<String> flags) throws UsageException {
        return parse(args, valued, flags, false);
    }

    static Args parse(List<String> args, Set<String> valued, Set<String> flags, boolean operandsAllowed) throws UsageException {
        Args parsed = new Args();
        boolean onlyOperands = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (onlyOperands || !arg.startsWith("-") || arg.equals("-")) {
                if (!operandsAllowed) {
                    throw new UsageException("unexpected argument: " + arg);
                }
                parsed.operands.add(arg);
                continue;
            }
            if (arg.equals("--") && operandsAllowed) {
                onlyOperands = true;
                continue;
            }
            int equals = arg.indexOf('=');
            String name = equals > 0 ? arg.substring(0, equals) : arg;
            if (valued.contains(name)) {
                String value;
                if (equals > 0) {
                    value = arg.substring(equals + 1);
                } else if (i + 1 >= args.size()) {
                    throw new UsageException(name + " needs a value");
                } else {
                    value = args.get(++i);
                }
                if (value.isEmpty()) {
                    throw new UsageException(name + " needs a value");
                }
                if (parsed.values.put(name, value) != null) {
                    throw new UsageException(name + " is given twice");
                }
            } else if (flags.contains(name)) {
                if (equals > 0) {
                    throw new UsageException(name + " takes no value");
                }
                parsed.values.put(name, "true");
            } else {
                throw new UsageException("unknown option: " + name);
            }
        }
        return parsed;
    }

    String required(String name) throws UsageException {
        String value = values.get(name);
        if (value == null) {
            throw new UsageException(name + " is required");
        }
        return value;
    }

    String optional(String name) {
        return values.get(name);
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    List<String> operands() {
        return List.copyOf(operands);
    }
}
