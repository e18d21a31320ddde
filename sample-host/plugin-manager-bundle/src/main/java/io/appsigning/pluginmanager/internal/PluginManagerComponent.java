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
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.servlet.Servlet;
import org.apache.felix.hc.api.HealthCheck;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.CollectionType;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** Registers the plugin manager's REST API and web UI with the Http Whiteboard. */
@Component(immediate = true)
public final class PluginManagerComponent {

    @Reference
    private InstallGate gate;

    @Reference
    private AppRecords records;

    @Reference
    private PolicyService policies;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + HealthCheck.TAGS + "=appsigning)", collectionType = CollectionType.TUPLE)
    private final List<Map.Entry<Map<String, Object>, HealthCheck>> healthChecks = new CopyOnWriteArrayList<>();

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
                new ApiServlet(context, auth, gate, records, policies, () -> List.copyOf(healthChecks), scratch),
                properties("appsigning-api", "/api/*"));
        ui = context.registerService(Servlet.class, new UiServlet(context.getBundle()), properties("appsigning-ui", "/"));
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
