package io.appsigning.gate;

import java.util.List;
import java.util.Optional;
import org.osgi.framework.Bundle;

/**
 * What counts as an app in this product: the one definition that the gate, its records, the
 * plugin manager and the health checks share (a service). The product's own bundles are not apps.
 */
@org.osgi.annotation.versioning.ProviderType
public interface AppScope {

    /** Whether the bundle is an app rather than part of the product. */
    boolean isApp(Bundle bundle);

    /** The installed apps, ordered by key. */
    List<Bundle> apps();

    /** The installed app with this key (symbolic name). */
    Optional<Bundle> app(String key);
}
