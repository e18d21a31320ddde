package io.appsigning.health;

import java.util.List;

/** Several checks and the worst of their outcomes: the shape of {@code GET /api/health}. */
public record HealthReport(List<CheckResult> checks) {

    public HealthReport {
        checks = List.copyOf(checks);
    }

    public Status status() {
        return checks.stream().map(CheckResult::status).reduce(Status.OK, Status::worse);
    }
}
