package io.appsigning.health.internal;

import io.appsigning.health.internal.SigningStatusCheck;
import io.appsigning.health.internal.TrustStoreChecks;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Runs the three app signing checks once the framework has started, and logs one line per check.
 * DS activates this only when all three checks are registered, so nothing here waits for them; it
 * publishes no service (the framework listener is added to the context, not registered). The
 * {@code cluster} check exists only in Data Center mode, so it is optional: logged when it is there
 * (its component registers it as soon as this bundle starts, before the framework's STARTED event).
 */
@Component(immediate = true, service = {})
public final class StartupHealthLog {

    private static final System.Logger LOG = System.getLogger("io.appsigning.health");

    @Reference(target = "(" + HealthCheck.NAME + "=" + TrustStoreChecks.PERMISSIONS + ")")
    HealthCheck permissions;

    @Reference(target = "(" + HealthCheck.NAME + "=" + TrustStoreChecks.EXPIRY + ")")
    HealthCheck expiry;

    @Reference(target = "(" + HealthCheck.NAME + "=" + SigningStatusCheck.NAME + ")")
    HealthCheck signingStatus;

    @Reference(target = "(" + HealthCheck.NAME + "=" + ClusterCheck.NAME + ")", cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile HealthCheck cluster;

    private final AtomicBoolean ran = new AtomicBoolean();
    private final FrameworkListener started = event -> {
        if (event.getType() == FrameworkEvent.STARTED) {
            runOnce();
        }
    };
    private BundleContext context;
    private volatile Thread worker;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        context.addFrameworkListener(started);
        // Added before looking: a STARTED event between the two is not missed, and runOnce runs once.
        if (context.getBundle(0).getState() == Bundle.ACTIVE) {
            runOnce();
        }
    }

    @Deactivate
    void deactivate() {
        context.removeFrameworkListener(started);
        Thread running = worker;
        if (running != null) {
            running.interrupt();
        }
    }

    /** What the log says of one check: its name, its status and every message, on one line. */
    static String line(String name, Result result) {
        StringBuilder line = new StringBuilder("Health check ").append(name).append(": ").append(result.getStatus());
        for (ResultLog.Entry entry : result) {
            line.append(" | ").append(entry.getMessage());
        }
        return line.toString();
    }

    /** The framework's events as the listener this component adds sees them. */
    void frameworkEvent(FrameworkEvent event) {
        started.frameworkEvent(event);
    }

    private void runOnce() {
        if (!ran.compareAndSet(false, true)) {
            return;
        }
        Map<String, HealthCheck> checks = new LinkedHashMap<>();
        checks.put(TrustStoreChecks.PERMISSIONS, permissions);
        checks.put(TrustStoreChecks.EXPIRY, expiry);
        checks.put(SigningStatusCheck.NAME, signingStatus);
        HealthCheck clusterCheck = cluster;
        if (clusterCheck != null) {
            checks.put(ClusterCheck.NAME, clusterCheck);
        }
        // Off the framework's event thread: a check reads the file system.
        Thread thread = new Thread(() -> {
            for (Map.Entry<String, HealthCheck> check : checks.entrySet()) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                Result result = check.getValue().execute();
                LOG.log(result.isOk() ? Level.INFO : Level.WARNING, line(check.getKey(), result));
            }
        }, "appsigning-startup-health");
        thread.setDaemon(true);
        worker = thread;
        thread.start();
    }
}
