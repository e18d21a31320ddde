package io.appsigning.truststore.internal;

import io.appsigning.truststore.Identity;
import io.appsigning.truststore.internal.ReloadingTrustStore;
import io.appsigning.truststore.TrustStore;
import io.appsigning.truststore.TrustStoreSnapshot;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Publishes the trust store folder as the {@link TrustStore} service, following its changes. A
 * configuration change (PID {@code io.appsigning.truststore}) is applied in place: the service
 * stays registered, so nothing that uses it is restarted.
 */
@Component(service = TrustStore.class, configurationPid = TrustStoreComponent.PID, immediate = true)
@Designate(ocd = TrustStoreComponent.Config.class)
public final class TrustStoreComponent implements TrustStore {

    static final String PID = "io.appsigning.truststore";

    @ObjectClassDefinition(id = PID, name = "App signing trust store",
            description = "Where the product reads the certificates it trusts and the deny list. Both are files the"
                    + " operator keeps out of the product user's reach; a change here applies without a restart.")
    public @interface Config {
        @AttributeDefinition(name = "Trust store folder",
                description = "The folder of trusted certificates (*.crt, *.pem, *.cer, *.der). Empty: <home>/upmconfig/truststore")
        String path() default "";

        @AttributeDefinition(name = "Deny list file",
                description = "SHA-256 digests of certificates, keys or apps never to accept. Empty: <home>/upmconfig/denylist")
        String denylist() default "";

        @AttributeDefinition(name = "Poll interval (ms)",
                description = "How often the folder is checked for changes besides file system events; at least 100", min = "100")
        long pollIntervalMillis() default 2000;
    }

    /** What a running store was made from: a change of any of these needs a new store. */
    private record Settings(Path folder, Path denyList, Duration pollInterval) {}

    private Settings settings;
    private volatile ReloadingTrustStore store;

    @Activate
    @Modified
    synchronized void configure(BundleContext context, Config config) {
        String homeProperty = context.getProperty("appsigning.home");
        if ((homeProperty == null || homeProperty.isBlank()) && (config.path().isBlank() || config.denylist().isBlank())) {
            throw new IllegalStateException("The framework property appsigning.home is not set and the configuration (PID " + PID
                    + ") names no trust store path and deny list: the product must say where its trust store is.");
        }
        // In Data Center mode the operator's folder is the shared home's (appsigning.upmconfig); each node
        // still judges its safety for its own product user.
        String upmconfigProperty = context.getProperty("appsigning.upmconfig");
        Path upmconfig = upmconfigProperty != null && !upmconfigProperty.isBlank() ? Path.of(upmconfigProperty)
                : homeProperty == null || homeProperty.isBlank() ? null : Path.of(homeProperty).resolve("upmconfig");
        Settings next = new Settings(
                config.path().isBlank() ? upmconfig.resolve("truststore") : Path.of(config.path()),
                config.denylist().isBlank() ? upmconfig.resolve("denylist") : Path.of(config.denylist()),
                Duration.ofMillis(Math.max(100, config.pollIntervalMillis())));
        if (next.equals(settings)) {
            return;
        }
        // The new store loads before it is swapped in: a caller never sees an empty or half-read store.
        ReloadingTrustStore fresh = new ReloadingTrustStore(next.folder(), next.denyList(), Identity.current(),
                Clock.systemUTC(), next.pollInterval());
        fresh.start();
        ReloadingTrustStore previous = store;
        store = fresh;
        settings = next;
        if (previous != null) {
            previous.close();
        }
    }

    @Deactivate
    synchronized void deactivate() {
        store.close();
    }

    @Override
    public TrustStoreSnapshot snapshot() {
        return store.snapshot();
    }
}
