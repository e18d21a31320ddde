package io.appsigning.cli;

import io.appsigning.health.CheckResult;
import io.appsigning.health.HealthJson;
import io.appsigning.health.HealthReport;
import io.appsigning.health.Status;
import io.appsigning.health.internal.TrustStoreChecks;
import io.appsigning.truststore.Identity;
import io.appsigning.truststore.internal.TrustStoreLoader;
import io.appsigning.truststore.TrustStoreSnapshot;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;

/** {@code health}: the product's trust store checks, for a folder and a user, before start-up. */
final class HealthCommand implements Command {

    private final Clock clock;

    HealthCommand(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String name() {
        return "health";
    }

    @Override
    public String help() {
        return """
                health --trust-store DIR [--user NAME] [--json]   check a trust store as the product would
                  Runs the trust-store-permissions and certificate-expiry checks, judged for the user NAME
                  (default: the current user). Exit 0 when no check is CRITICAL, 1 otherwise.
                  --json  print the shape of GET /api/health""";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        Args parsed = Args.parse(args, Set.of("--trust-store", "--user"), Set.of("--json"));
        Path store = Path.of(parsed.required("--trust-store"));
        Identity who;
        try {
            who = parsed.optional("--user") == null ? Identity.current() : Identity.ofUser(parsed.optional("--user"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        TrustStoreSnapshot snapshot = TrustStoreLoader.load(store, null, who, clock);
        HealthReport report = TrustStoreChecks.run(snapshot, false, clock.instant(), TrustStoreChecks.DEFAULT_WARN_WITHIN);
        if (parsed.flag("--json")) {
            out.println(HealthJson.toJson(report));
        } else {
            out.println(report.status() + ": trust store " + store.toAbsolutePath() + " judged for user " + who.name());
            for (CheckResult check : report.checks()) {
                out.println(check.status() + " " + check.name());
                check.messages().forEach(message -> out.println("  - " + message));
            }
        }
        return report.status() == Status.CRITICAL ? 1 : 0;
    }
}
