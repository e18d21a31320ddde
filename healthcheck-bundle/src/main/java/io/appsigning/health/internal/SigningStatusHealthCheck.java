package io.appsigning.health.internal;

import io.appsigning.gate.AppRecords;
import io.appsigning.gate.PolicyService;
import io.appsigning.health.SigningStatusCheck;
import java.time.Instant;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code signing-status}: whether signatures are enforced yet, and which apps are not verified. */
@Component(service = HealthCheck.class, property = {
    HealthCheck.NAME + "=" + SigningStatusCheck.NAME,
    HealthCheck.TAGS + "=appsigning"})
public final class SigningStatusHealthCheck implements HealthCheck {

    @Reference
    private PolicyService policies;

    @Reference
    private AppRecords records;

    @Override
    public Result execute() {
        return Results.toFelix(SigningStatusCheck.evaluate(policies.current(), records.all(), Instant.now()));
    }
}
