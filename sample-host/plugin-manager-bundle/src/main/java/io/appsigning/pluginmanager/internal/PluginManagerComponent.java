package io.appsigning.pluginmanager.internal;

import io.appsigning.gate.AppRecords;
import io.appsigning.gate.InstallGate;
import io.appsigning.gate.PolicyService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Hashtable;
import java.util.List;
import io.appsigning.health.CheckResult;
import io.appsigning.health.Status;
import java.util.ArrayList;
import javax.servlet.Servlet;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.apache.felix.hc.api.execution.HealthCheckExecutionOptions;
import org.apache.felix.hc.api.execution.HealthCheckExecutionResult;
import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.apache.felix.hc.api.execution.HealthCheckSelector;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/** Registers the plugin manager's REST API and web UI with the Http Whiteboard. */
@Component(immediate = true)
public final class PluginManagerComponent {

    @Reference
    private InstallGate gate;

    @Reference
    private AppRecords records;

    @Reference
    private PolicyService policies;

    /** Felix Health Checks' executor: on-demand runs with its timeouts, as any other product health check. */
    @Reference
    private HealthCheckExecutor healthChecks;

    private ServiceRegistration<Servlet> api;
    private ServiceRegistration<Servlet> ui;

    @Activate
    void activate(BundleContext context) throws IOException {
        Path home = Path.of(context.getProperty("appsigning.home") != null ? context.getProperty("appsigning.home") : "upm-home");
        Path data = home.resolve("data");
        AdminAuth auth = AdminAuth.open(data.resolve("admin.pwd"), System.getenv("APPSIGN_ADMIN_PASSWORD"));
        Path scratch = data.resolve("upload-scratch");
        Files.createDirectories(scratch);
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwx------"));
        try (var leftovers = Files.list(scratch)) {
            for (Path leftover : leftovers.toList()) {
                Files.deleteIfExists(leftover);
            }
        }
        api = context.registerService(Servlet.class,
                new ApiServlet(context, auth, gate, records, policies, this::runHealthChecks, scratch),
                properties("appsigning-api", "/api/*"));
        ui = context.registerService(Servlet.class, new UiServlet(context.getBundle()), properties("appsigning-ui", "/"));
    }

    private List<CheckResult> runHealthChecks() {
        List<CheckResult> results = new ArrayList<>();
        for (HealthCheckExecutionResult execution : healthChecks.execute(HealthCheckSelector.tags("appsigning"),
                new HealthCheckExecutionOptions().setForceInstantExecution(true))) {
            Result result = execution.getHealthCheckResult();
            Status status = switch (result.getStatus()) {
                case OK -> Status.OK;
                case WARN -> Status.WARN;
                default -> Status.CRITICAL; // CRITICAL, and a check that failed or timed out
            };
            List<String> messages = new ArrayList<>();
            for (ResultLog.Entry entry : result) {
                messages.add(entry.getMessage());
            }
            results.add(new CheckResult(execution.getHealthCheckMetadata().getName(), status, messages));
        }
        return results;
    }

    private static Hashtable<String, Object> properties(String name, String pattern) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("osgi.http.whiteboard.servlet.name", name);
        properties.put("osgi.http.whiteboard.servlet.pattern", pattern);
        return properties;
    }

    @Deactivate
    void deactivate() {
        api.unregister();
        ui.unregister();
    }
}
