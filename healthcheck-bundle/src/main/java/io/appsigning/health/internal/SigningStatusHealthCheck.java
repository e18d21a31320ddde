package io.appsigning.health.internal;

import io.appsigning.gate.AppRecords;
import io.appsigning.gate.BlockedBundles;
import io.appsigning.gate.PolicyService;
import io.appsigning.health.CheckResult;
import io.appsigning.health.internal.SigningStatusCheck;
import io.appsigning.health.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.framework.Bundle;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code signing-status}: whether signatures are enforced yet, which apps are not verified, and
 * which bundles strict mode keeps from resolving.
 */
@Component(service = HealthCheck.class, property = {
    HealthCheck.NAME + "=" + SigningStatusCheck.NAME,
    HealthCheck.TAGS + "=appsigning"})
public final class SigningStatusHealthCheck implements HealthCheck {

    @Reference
    private PolicyService policies;

    @Reference
    private AppRecords records;

    /** Optional: without strict mode's service there is nothing blocked to report. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile BlockedBundles strictMode;

    @Override
    public Result execute() {
        CheckResult result = SigningStatusCheck.evaluate(policies.current(), records.all(), Instant.now());
        BlockedBundles strict = strictMode;
        List<Bundle> blocked = strict == null ? List.of() : strict.blocked();
        if (blocked.isEmpty()) {
            return Results.toFelix(result);
        }
        List<String> messages = new ArrayList<>(result.messages());
        for (Bundle bundle : blocked) {
            messages.add(bundle.getSymbolicName() + " " + bundle.getVersion() + " is BLOCKED (bundle " + bundle.getBundleId()
                    + ", location " + bundle.getLocation() + "): it reached the framework by another path than the plugin"
                    + " manager or the plugins folder while strict mode is on, so it never resolves. Uninstall it, or install"
                    + " it through the plugin manager.");
        }
        return Results.toFelix(new CheckResult(result.name(), result.status().worse(Status.WARN), messages));
    }
}
