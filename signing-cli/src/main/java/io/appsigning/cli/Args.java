package io.appsigning.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options and {@code --flag}s, checked against what a command accepts. */
final class Args {

    private final Map<String, String> values = new HashMap<>();

    private Args() {}

    static Args parse(List<String> args, Set<String> valued, Set<String> flags) throws UsageException {
        Args parsed = new Args();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (valued.contains(arg)) {
                if (i + 1 >= args.size()) {
                    throw new UsageException(arg + " needs a value");
                }
                if (parsed.values.put(arg, args.get(++i)) != null) {
                    throw new UsageException(arg + " is given twice");
                }
            } else if (flags.contains(arg)) {
                parsed.values.put(arg, "true");
            } else {
                throw new UsageException("unknown option: " + arg);
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
}
