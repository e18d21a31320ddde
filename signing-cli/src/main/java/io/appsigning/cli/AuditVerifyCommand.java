package io.appsigning.cli;

import io.appsigning.audit.AuditChain;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code audit-verify}: checks the hash chain of the product's audit log. */
final class AuditVerifyCommand implements Command {

    @Override
    public String name() {
        return "audit-verify";
    }

    @Override
    public String help() {
        return """
                audit-verify --log FILE   check that no line of the audit log was edited, removed or cut off
                  Exit 0 intact, 1 broken (naming the first bad line), 2 unreadable.""";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException, IOException {
        Path log = Path.of(Args.parse(args, Set.of("--log"), Set.of()).required("--log"));
        if (!Files.isRegularFile(log)) {
            throw new UsageException("the audit log " + log + " does not exist");
        }
        AuditChain.Result result = AuditChain.verify(log);
        (result.intact() ? out : err).println((result.intact() ? "INTACT: " : "BROKEN: ") + log + ": " + result.message());
        return result.intact() ? 0 : 1;
    }
}
