package io.appsigning.health.internal;

import io.appsigning.health.Status;

import io.appsigning.health.CheckResult;

import io.appsigning.gate.AppRecord;
import io.appsigning.gate.Mode;
import io.appsigning.gate.Origin;
import io.appsigning.gate.Policy;
import io.appsigning.gate.SignatureStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Whether the product enforces signatures yet, and which installed apps are not verified. */
public final class SigningStatusCheck {

    public static final String NAME = "signing-status";

    private SigningStatusCheck() {}

    public static CheckResult evaluate(Policy policy, List<AppRecord> records, Instant now) {
        List<String> messages = new ArrayList<>();
        Status status = Status.OK;
        for (Origin origin : Origin.values()) {
            Mode mode = policy.effectiveMode(origin, now);
            String name = origin.name().toLowerCase();
            if (mode == Mode.ENFORCE) {
                messages.add("Mode for " + name + " apps: ENFORCE (only verified apps install).");
                continue;
            }
            status = Status.WARN;
            messages.add("Mode for " + name + " apps: " + mode
                    + (mode == Mode.OFF ? " (no signature check)." : " (unverified apps install with a warning)."));
        }
        if (status == Status.WARN) {
            if (policy.enforceAfter() == null) {
                messages.add("No end of the grace period is set (enforceAfter): set one to move to ENFORCE.");
            } else if (now.isBefore(policy.enforceAfter())) {
                long days = Duration.between(now, policy.enforceAfter()).toDays();
                messages.add("The grace period ends on " + policy.enforceAfter() + ", in " + days
                        + " days; from then on WARN acts as ENFORCE.");
            }
        }
        for (AppRecord record : records) {
            String advice = record.status().advice();
            if (advice == null) {
                continue;
            }
            status = Status.WARN;
            messages.add(record.key() + " " + record.version() + ": " + record.status().label()
                    + (record.reason() != null && record.status() == SignatureStatus.NOT_VERIFIED ? " (" + record.reason() + ")" : "")
                    + ". " + advice);
        }
        return new CheckResult(NAME, status, messages);
    }
}
