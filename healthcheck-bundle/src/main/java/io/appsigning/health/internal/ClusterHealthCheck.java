package io.appsigning.health.internal;

import io.appsigning.cluster.ClusterMode;
import io.appsigning.cluster.ClusterStatus;
import io.appsigning.health.CheckResult;
import io.appsigning.health.Status;
import java.time.Instant;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Registers the {@code cluster} health check in Data Center mode only, decided by the framework
 * property rather than by whether {@link ClusterStatus} exists: in that mode a missing status
 * service is itself CRITICAL, where a check that came and went with the service would hide it;
 * on a single node the product's checks stay exactly what they were.
 */
@Component(immediate = true, service = {})
public final class ClusterHealthCheck implements HealthCheck {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ClusterStatus status;

    private ServiceRegistration<HealthCheck> registration;

    @Activate
    void activate(BundleContext context) {
        if (!ClusterMode.on(context.getProperty(ClusterMode.DATABASE))) {
            return;
        }
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(HealthCheck.NAME, ClusterCheck.NAME);
        properties.put(HealthCheck.TAGS, new String[] {"appsigning"});
        registration = context.registerService(HealthCheck.class, this, properties);
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister();
            registration = null;
        }
    }

    @Override
    public Result execute() {
        return Results.toFelix(evaluate(status, Instant.now()));
    }

    static CheckResult evaluate(ClusterStatus cluster, Instant now) {
        if (cluster == null) {
            return new CheckResult(ClusterCheck.NAME, Status.CRITICAL, List.of("The cluster status is not available: this node's"
                    + " install gate is not running in Data Center mode, so it cannot tell whether it runs the cluster's apps."
                    + " The product log says why."));
        }
        return ClusterCheck.evaluate(cluster.local(), cluster.nodes(), cluster.databaseReachable(), now);
    }
}
