package io.appsigning.health.internal;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.CollectionType;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** Runs the app signing checks once the framework has started, and logs one line per check. */
@Component(immediate = true)
public final class StartupHealthLog implements FrameworkListener {

    private static final System.Logger LOG = System.getLogger("io.appsigning.health");

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + HealthCheck.TAGS + "=appsigning)", collectionType = CollectionType.TUPLE)
    final List<Map.Entry<Map<String, Object>, HealthCheck>> checks = new CopyOnWriteArrayList<>();

    private static final int EXPECTED_CHECKS = 3;
    private BundleContext context;
    private volatile boolean done;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        context.addFrameworkListener(this);
        if (context.getBundle(0).getState() == Bundle.ACTIVE) {
            runOnce();
        }
    }

    @Deactivate
    void deactivate() {
        context.removeFrameworkListener(this);
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.STARTED) {
            runOnce();
        }
    }

    private void runOnce() {
        if (done) {
            return;
        }
        done = true;
        // Off the framework's event thread: a check reads the file system.
        Thread thread = new Thread(() -> {
            // The checks are bound one by one as their components start; wait for all three.
            for (int i = 0; i < 300 && checks.size() < EXPECTED_CHECKS; i++) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
            for (Map.Entry<Map<String, Object>, HealthCheck> check : checks) {
                Result result = check.getValue().execute();
                LOG.log(result.isOk() ? Level.INFO : Level.WARNING, line(check.getKey().get(HealthCheck.NAME), result));
            }
        }, "appsigning-startup-health");
        thread.setDaemon(true);
        thread.start();
    }

    /** One check's line: its name, its status and each message, so that one grep finds everything about it. */
    static String line(Object name, Result result) {
        StringBuilder line = new StringBuilder("Health check ").append(name).append(": ").append(result.getStatus());
        for (ResultLog.Entry entry : result) {
            line.append(" | ").append(entry.getMessage());
        }
        return line.toString();
    }

}
