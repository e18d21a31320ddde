package io.appsigning.gate;

import java.util.List;
import org.osgi.framework.Bundle;

/**
 * Strict mode's view (DESIGN.md, {@code strict}): the bundles it keeps from resolving because they
 * reached the framework by another path than the install gate or the plugins folder (the Web
 * Console's upload, a shell, any {@code BundleContext.installBundle}). The plugin manager lists
 * them as {@code BLOCKED}; the {@code signing-status} health check names them.
 */
@org.osgi.annotation.versioning.ProviderType
public interface BlockedBundles {

    /** Whether strict mode is on now (the operator's file, or the framework or system property). */
    boolean strict();

    /** The installed bundles strict mode refuses to resolve, in bundle id order; empty when it is off. */
    List<Bundle> blocked();
}
