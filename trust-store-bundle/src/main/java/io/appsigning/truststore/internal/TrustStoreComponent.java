package io.appsigning.truststore.internal;

import io.appsigning.truststore.Identity;
import io.appsigning.truststore.ReloadingTrustStore;
import io.appsigning.truststore.TrustStore;
import io.appsigning.truststore.TrustStoreSnapshot;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Publishes the trust store folder as the {@link TrustStore} service, following its changes. */
@Component(service = TrustStore.class, configurationPid = "io.appsigning.truststore", immediate = true)
@Designate(ocd = TrustStoreComponent.Config.class)
public final class TrustStoreComponent implements TrustStore {

    @ObjectClassDefinition(name = "App signing trust store")
    public @interface Config {
        @AttributeDefinition(description = "The trust store folder; default <home>/upmconfig/truststore")
        String path() default "";

        @AttributeDefinition(description = "The deny list file; default <home>/upmconfig/denylist")
        String denylist() default "";

        @AttributeDefinition(description = "How often the folder is polled, in milliseconds")
        long pollIntervalMillis() default 2000;
    }

    private ReloadingTrustStore store;

    @Activate
    void activate(BundleContext context, Config config) {
        Path home = Path.of(context.getProperty("appsigning.home") != null ? context.getProperty("appsigning.home") : "upm-home");
        Path folder = config.path().isBlank() ? home.resolve("upmconfig/truststore") : Path.of(config.path());
        Path denyList = config.denylist().isBlank() ? home.resolve("upmconfig/denylist") : Path.of(config.denylist());
        store = new ReloadingTrustStore(folder, denyList, Identity.current(), Clock.systemUTC(),
                Duration.ofMillis(Math.max(100, config.pollIntervalMillis())));
        store.start();
    }

    @Deactivate
    void deactivate() {
        store.close();
    }

    @Override
    public TrustStoreSnapshot snapshot() {
        return store.snapshot();
    }
}
