package io.appsigning.cluster.postgres;

import io.appsigning.cluster.ClusterLedger;
import io.appsigning.cluster.ClusterMode;
import io.appsigning.cluster.ClusterSessions;
import java.nio.file.Path;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The OSGi edge: builds this node's {@link PostgresCluster} from the framework's properties and the
 * environment, and registers its ledger and sessions as the cluster's services for as long as it
 * runs. Everything else is plain Java; the services are those plain objects, not wrappers.
 */
@Component(immediate = true, service = {})
public final class ClusterComponent {

    /** The database user and password come from the environment, never from a file or a property. */
    static final String USER_ENV = "APPSIGN_DB_USER";
    static final String PASSWORD_ENV = "APPSIGN_DB_PASSWORD";

    private PostgresCluster cluster;
    private ServiceRegistration<ClusterLedger> ledger;
    private ServiceRegistration<ClusterSessions> sessions;

    @Activate
    void activate(BundleContext context) {
        String database = property(context, ClusterMode.DATABASE);
        String nodeId = property(context, ClusterMode.NODE_ID);
        Path sharedHome = Path.of(property(context, ClusterMode.SHARED_HOME)).toAbsolutePath().normalize();
        cluster = PostgresCluster.start(new ClusterSettings(database, environment(USER_ENV),
                System.getenv(PASSWORD_ENV), nodeId, sharedHome));
        ledger = context.registerService(ClusterLedger.class, cluster.ledger(), null);
        sessions = context.registerService(ClusterSessions.class, cluster.sessions(), null);
    }

    @Deactivate
    void deactivate() {
        // The users let go of the services before the connections close under them.
        sessions.unregister();
        ledger.unregister();
        cluster.close();
    }

    private static String property(BundleContext context, String name) {
        String value = context.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("The framework property " + name + " is not set: the cluster bundle runs"
                    + " only in Data Center mode, where the product sets " + ClusterMode.DATABASE + ", "
                    + ClusterMode.NODE_ID + " and " + ClusterMode.SHARED_HOME);
        }
        return value.trim();
    }

    private static String environment(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("The environment variable " + name + " is not set: it names the user of"
                    + " the cluster's database");
        }
        return value;
    }
}
