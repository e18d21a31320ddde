package io.appsigning.health.internal;

import io.appsigning.gate.PolicyService;
import io.appsigning.health.internal.TrustStoreChecks;
import io.appsigning.truststore.TrustStore;
import io.appsigning.truststore.TrustStoreSnapshot;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code trust-store-permissions}: whether the product user can change the trust store. */
@Component(service = HealthCheck.class, property = {
    HealthCheck.NAME + "=" + TrustStoreChecks.PERMISSIONS,
    HealthCheck.TAGS + "=appsigning"})
public final class TrustStorePermissionsHealthCheck implements HealthCheck {

    @Reference
    private TrustStore trustStore;

    @Reference
    private PolicyService policies;

    @Override
    public Result execute() {
        TrustStoreSnapshot snapshot = trustStore.snapshot();
        return Results.toFelix(TrustStoreChecks.permissions(snapshot.safety(), policies.current().looseTrustStore(), snapshot.problems()));
    }
}
