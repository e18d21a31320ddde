package io.appsigning.gate.internal;

import io.appsigning.gate.AppRecords;
import io.appsigning.gate.PolicyService;
import io.appsigning.gate.BlockedBundles;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.hooks.resolver.ResolverHook;
import org.osgi.framework.hooks.resolver.ResolverHookFactory;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Strict mode (DESIGN.md, {@code strict}): no install path left open. No hook can veto
 * {@code installBundle}, but one can refuse to resolve: with strict on, a bundle resolves only if it
 * is the product's (location {@code product:}, or the framework), or it came through the install
 * gate (location {@code upm:app:}) or the plugins folder (a {@code file:} location inside
 * {@code <home>/plugins/}) <em>and</em> the gate has a record of it. Anything else (the Web
 * Console's upload, a shell's {@code install}) stays INSTALLED and is listed as blocked. Once it is
 * recorded it resolves at the next attempt: nothing here is remembered against a bundle.
 *
 * <p>Fail closed: without the records service, only product bundles resolve.
 */
@Component(service = {ResolverHookFactory.class, BlockedBundles.class}, immediate = true)
public final class StrictResolverHook implements ResolverHookFactory, BlockedBundles {

    static final String STRICT_PROPERTY = "appsigning.strict";
    static final String STRICT_KEY = "strict";
    static final String PRODUCT_PREFIX = "product:";
    static final String GATE_PREFIX = GateComponent.LOCATION_PREFIX;
    static final String DEPENDENCY_PREFIX = GateComponent.DEPENDENCY_PREFIX;
    private static final System.Logger LOG = System.getLogger(StrictResolverHook.class.getName());

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile AppRecords records;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PolicyService policies;

    private BundleContext context;
    private Path plugins;
    /**
     * Bundles the gate installed in this session that it has not recorded yet: between its
     * {@code installBundle} and its record, the gate starts the app, which must resolve. Known from
     * the install event's origin (the bundle whose context installed it), which no other install
     * path can claim.
     */
    private final Set<Long> installedByGate = ConcurrentHashMap.newKeySet();
    private final Set<Long> reported = ConcurrentHashMap.newKeySet();
    private final SynchronousBundleListener installs = this::bundleChanged;


    @Activate
    void activate(BundleContext context) {
        this.context = context;
        plugins = PluginsFolder.of(context);
        context.addBundleListener(installs);
        LOG.log(Level.INFO, "Strict mode is " + (strict() ? "on" : "off") + " (" + STRICT_KEY + " in the operator's"
                + " signing.properties, or the property " + STRICT_PROPERTY + ").");
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(installs);
    }

    private void bundleChanged(BundleEvent event) {
        Bundle bundle = event.getBundle();
        if (event.getType() == BundleEvent.INSTALLED && bundle.getLocation().startsWith(GATE_PREFIX)
                && context.getBundle().equals(event.getOrigin())) {
            installedByGate.add(bundle.getBundleId());
        } else if (event.getType() == BundleEvent.UNINSTALLED) {
            installedByGate.remove(bundle.getBundleId());
            reported.remove(bundle.getBundleId());
        }
    }

    @Override
    public ResolverHook begin(Collection<BundleRevision> triggers) {
        if (!strict()) {
            return null; // abstains: everything resolves as without strict mode
        }
        AppRecords snapshot = records; // one view of the records for the whole resolve operation
        Set<BundleRevision> blockedTriggers = new HashSet<>();
        for (BundleRevision trigger : triggers) {
            if (!allowed(trigger.getBundle(), snapshot)) {
                blockedTriggers.add(trigger);
            }
        }
        return new ResolverHook() {
            /**
             * Removes, in place (Felix 7.0.5 only sees what is removed from this very collection), the
             * blocked bundles this operation was asked to resolve, and nothing else: as soon as anything
             * is removed, Felix 7.0.5 also hides every already-resolved bundle's capabilities from the
             * rest of this operation (its whitelist holds unresolved revisions only). Removing only
             * blocked triggers keeps that to operations that asked for a blocked bundle; a blocked
             * bundle that is not a trigger is kept out by {@link #filterMatches} instead.
             */
            @Override
            public void filterResolvable(Collection<BundleRevision> candidates) {
                if (blockedTriggers.isEmpty()) {
                    return;
                }
                candidates.removeIf(revision -> {
                    if (!blockedTriggers.contains(revision)) {
                        return false;
                    }
                    report(revision.getBundle());
                    return true;
                });
            }

            @Override
            public void filterSingletonCollisions(BundleCapability singleton, Collection<BundleCapability> collisionCandidates) {
                // not strict mode's concern
            }

            /**
             * A blocked bundle neither wires anything (a blocked fragment attaches to no host) nor provides
             * anything (it is never pulled in to satisfy another bundle).
             */
            @Override
            public void filterMatches(BundleRequirement requirement, Collection<BundleCapability> candidates) {
                if (blocked(requirement.getRevision(), snapshot)) {
                    report(requirement.getRevision().getBundle());
                    candidates.removeIf(candidate -> true);
                } else {
                    candidates.removeIf(candidate -> blocked(candidate.getRevision(), snapshot));
                }
            }

            @Override
            public void end() {
                // nothing held
            }
        };
    }

    /** An unresolved revision strict mode refuses; what is already resolved stays as it is. */
    private boolean blocked(BundleRevision revision, AppRecords snapshot) {
        return revision.getWiring() == null && !allowed(revision.getBundle(), snapshot);
    }

    private void report(Bundle bundle) {
        if (reported.add(bundle.getBundleId())) {
            LOG.log(Level.WARNING, "Strict mode: " + bundle.getSymbolicName() + " " + bundle.getVersion() + " (bundle "
                    + bundle.getBundleId() + ", location " + bundle.getLocation() + ") was not installed through the"
                    + " plugin manager or the plugins folder; it stays INSTALLED and will not resolve.");
        }
    }

    /**
     * The policy's {@code strict} (the operator's file or a system or framework property, never the
     * web UI). While the policy service is away (its bundle restarting), strict: fail closed, which
     * only ever holds back bundles without a record.
     */
    @Override
    public boolean strict() {
        PolicyService policy = policies;
        return policy == null || policy.strict();
    }

    @Override
    public List<Bundle> blocked() {
        if (!strict()) {
            return List.of();
        }
        AppRecords snapshot = records;
        List<Bundle> blocked = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getState() == Bundle.INSTALLED && !allowed(bundle, snapshot)) {
                blocked.add(bundle);
            }
        }
        return List.copyOf(blocked);
    }

    boolean allowed(Bundle bundle, AppRecords records) {
        if (bundle.getBundleId() == 0) {
            return true;
        }
        String location = bundle.getLocation();
        if (location.startsWith(PRODUCT_PREFIX)) {
            return true;
        }
        if (location.startsWith(DEPENDENCY_PREFIX)) {
            // A dependency bundle of an OBR app: allowed while an app's record names it.
            if (records == null) {
                return false;
            }
            try {
                return records.all().stream().anyMatch(record -> record.dependencies().contains(location));
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "Strict mode could not read the app records; refusing " + location, e);
                return false;
            }
        }
        boolean fromGate = location.startsWith(GATE_PREFIX);
        if (!fromGate && !PluginsFolder.contains(plugins, location)) {
            return false;
        }
        if (fromGate && installedByGate.contains(bundle.getBundleId())) {
            return true;
        }
        String name = bundle.getSymbolicName();
        if (name == null || records == null) {
            return false;
        }
        try {
            return records.find(name).isPresent();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Strict mode could not read the app records; refusing " + name, e);
            return false;
        }
    }

}
