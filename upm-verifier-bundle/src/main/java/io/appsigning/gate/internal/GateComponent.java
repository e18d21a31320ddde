package io.appsigning.gate.internal;

import io.appsigning.cluster.ClusterChange;
import io.appsigning.cluster.ClusterLedger;
import io.appsigning.cluster.ClusterUnavailableException;
import io.appsigning.gate.AppRecord;
import io.appsigning.gate.AppRecords;
import io.appsigning.gate.AppScope;
import io.appsigning.gate.InstallGate;
import io.appsigning.gate.InstallOutcome;
import io.appsigning.gate.InstallRequest;
import io.appsigning.gate.Mode;
import io.appsigning.gate.Origin;
import io.appsigning.gate.Policy;
import io.appsigning.gate.PolicyService;
import io.appsigning.gate.SignatureStatus;
import io.appsigning.gate.UninstallOutcome;
import io.appsigning.truststore.TrustStore;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.verifier.internal.AppVerifier;
import io.appsigning.verifier.PendingVerification;
import io.appsigning.verifier.ReasonCode;
import io.appsigning.verifier.VerificationOptions;
import io.appsigning.verifier.VerificationResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.Version;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The install gate, the one notion of an app, and the app records. An app is spooled once into a
 * private file while it is verified in the same pass; exactly the spooled bytes are installed, and
 * only when the policy allows; every path out deletes the spool file, and every decision goes to
 * the audit log. The trust store and the policy are looked up per install (dynamic references), so
 * that their bundles can restart without this component, its records or its live uploads going
 * away; a configuration change is applied in place.
 */
@Component(service = {InstallGate.class, AppRecords.class, AppScope.class, GateComponent.class},
        configurationPid = "io.appsigning.gate",
        immediate = true)
@Designate(ocd = GateComponent.Config.class)
public final class GateComponent implements InstallGate, AppRecords, AppScope {

    @ObjectClassDefinition(name = "App signing install gate",
            description = "The plugin manager's install path: size limit and what counts as an app.")
    public @interface Config {
        @AttributeDefinition(name = "Largest app", description = "The largest app accepted, in bytes (the framework"
                + " property appsigning.maxAppBytes wins over this)")
        long maxAppBytes() default 512L * 1024 * 1024;

        @AttributeDefinition(name = "Apps", description = "An LDAP filter over bundle.location, bundle.symbolicName and"
                + " the manifest headers: the bundles that are apps. The rest belong to the product.")
        String appFilter() default DEFAULT_APP_FILTER;
    }

    /** The sample host installs its own bundles at locations {@code product:NAME}. */
    static final String DEFAULT_APP_FILTER = "(!(bundle.location=product:*))";
    static final String LOCATION_PREFIX = "upm:app:";
    /** Dependency bundles of OBR apps: part of an app, never an app of their own. */
    static final String DEPENDENCY_PREFIX = "upm:dependency:";
    static final String FILE_SYSTEM_USER = "FILE_SYSTEM";
    /** Data Center mode: the app the cluster accepted is missing from the shared home. */
    static final String STORED_APP_MISSING = "STORED_APP_MISSING";
    /** Data Center mode: the app in the shared home is not the one the cluster accepted. */
    static final String STORED_APP_CHANGED = "STORED_APP_CHANGED";
    /** Data Center mode: the change being applied was replaced by a newer one; the next pass applies that. */
    static final String SUPERSEDED = "SUPERSEDED";
    private static final System.Logger LOG = System.getLogger(GateComponent.class.getName());
    private static final long DRAIN_MILLIS = 60_000;
    private static final long REFRESH_MILLIS = 30_000;

    @Reference
    private HomeStore home;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile TrustStore trustStore;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PolicyService policies;

    private BundleContext context;
    private Path spool;
    private Path archive;
    private Path pluginsFolder;
    private volatile long maxAppBytes;
    private volatile Filter appFilter;
    private volatile boolean closing;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<String, Object> keyLocks = new ConcurrentHashMap<>();
    private final Object dependencyLock = new Object();
    /** Synchronous: the record must exist before the plugins folder's installer starts the bundle (strict mode). */
    private SynchronousBundleListener pluginsListener;

    @Activate
    void activate(BundleContext context, Config config) throws IOException {
        this.context = context;
        configure(config);
        // Spool files live in a folder of this activation's own: the home lock guarantees that no other
        // activation is alive, so whatever else is under spool/ was left by a crash and was never decided on.
        Path spoolRoot = HomeStore.privateFolder(home.data().resolve("spool"));
        deleteTree(spoolRoot, false);
        spool = HomeStore.privateFolder(spoolRoot.resolve(UUID.randomUUID().toString()));
        archive = HomeStore.privateFolder(home.data().resolve("apps"));
        try (var staged = Files.list(archive)) {
            for (Path leftover : staged.filter(p -> p.getFileName().toString().endsWith(".new")).toList()) {
                Files.deleteIfExists(leftover);
            }
        }
        pluginsFolder = home.home().resolve("plugins").toAbsolutePath().normalize();
        reconcileRecords();
        pluginsListener = this::pluginsEvent;
        context.addBundleListener(pluginsListener);
        for (Bundle bundle : context.getBundles()) {
            if (fromPluginsFolder(bundle) && isApp(bundle)) {
                Optional<AppRecord> record = find(bundle.getSymbolicName());
                if (record.isEmpty() || record.get().status() != SignatureStatus.FILE_SYSTEM
                        || !record.get().version().equals(bundle.getVersion().toString())) {
                    recordFileSystem(bundle, record.isEmpty() ? "INSTALLED" : "UPDATED");
                }
            }
        }
    }

    @Modified
    void modified(Config config) {
        configure(config);
    }

    private void configure(Config config) {
        // A framework (or system) property sets the limit for a whole product; Configuration Admin can too.
        String limit = context.getProperty("appsigning.maxAppBytes");
        maxAppBytes = limit != null ? Long.parseLong(limit.trim()) : config.maxAppBytes();
        String filter = config.appFilter() == null || config.appFilter().isBlank() ? DEFAULT_APP_FILTER : config.appFilter();
        try {
            appFilter = FrameworkUtil.createFilter(filter);
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("appFilter is not an LDAP filter: " + e.getMessage(), e);
        }
    }

    /** Lets the installs in flight finish (they see {@code closing} and stop at their next read). */
    @Deactivate
    void deactivate() {
        closing = true;
        context.removeBundleListener(pluginsListener);
        long deadline = System.currentTimeMillis() + DRAIN_MILLIS;
        while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inFlight.get() > 0) {
            LOG.log(Level.ERROR, inFlight.get() + " installs were still running when the gate stopped");
        }
        try {
            deleteTree(spool, true);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Could not remove the spool folder " + spool + ": " + e.getMessage());
        }
    }

    /** Records of apps that are gone are dropped; apps found on the first run are marked as being there before signing. */
    private void reconcileRecords() throws IOException {
        RecordStore records = home.records();
        boolean firstRun = !records.existed();
        Set<String> installed = new HashSet<>();
        for (Bundle bundle : apps()) {
            installed.add(bundle.getSymbolicName());
            if (firstRun && records.find(bundle.getSymbolicName()).isEmpty() && !fromPluginsFolder(bundle)) {
                records.put(new AppRecord(bundle.getSymbolicName(), bundle.getVersion().toString(),
                        SignatureStatus.INSTALLED_BEFORE_SIGNING, null, null, null, null, Instant.now(), "PRODUCT"));
            }
        }
        if (!home.clustered()) {
            // In a cluster the replica reinstalls what the cluster runs, from the shared home, checked again.
            restoreArchived(installed);
        }
        records.retain(installed);
        records.saveIfMissing();
    }

    /**
     * After the framework's cache was lost (wiped, or a new disk for it), the apps uploaded through
     * the gate are installed again from their archived bytes under {@code data/apps}, as the README's
     * backup advice promises: only bytes whose SHA-256 is the record's, and never an app the deny
     * list names now. What cannot be restored (an OBR app's dependencies are not archived) is said
     * in the log and the audit log, and its record goes.
     */
    private void restoreArchived(Set<String> installed) {
        TrustStore store = trustStore;
        for (AppRecord record : home.records().all()) {
            if (installed.contains(record.key()) || record.appSha256() == null
                    || record.status() == SignatureStatus.FILE_SYSTEM || record.status() == SignatureStatus.INSTALLED_BEFORE_SIGNING) {
                continue;
            }
            Path archived = archive.resolve(archiveName(record.key()));
            String problem = null;
            if (!record.dependencies().isEmpty()) {
                problem = "it came in an OBR archive, whose dependency bundles are not kept; upload the archive again";
            } else if (!Files.exists(archived) || !record.appSha256().equals(digestOrNull(archived))) {
                problem = "its archived copy " + archived + " is missing or is not the bytes that were installed";
            } else if (store == null) {
                // Not a reason to lose the app: its record and archived copy stay for the next start.
                installed.add(record.key());
                problem = "the trust store (and its deny list) is not available yet; it is kept, to be restored at the"
                        + " next start";
            } else if (store.snapshot().denyList().denies(record.appSha256())) {
                problem = "the deny list names it now";
            }
            if (problem == null) {
                try (InputStream in = Files.newInputStream(archived)) {
                    Bundle bundle = context.installBundle(LOCATION_PREFIX + record.key(), in);
                    if (!record.key().equals(bundle.getSymbolicName()) || !record.version().equals(bundle.getVersion().toString())) {
                        uninstallQuietly(bundle);
                        problem = "its archived copy is another app (" + bundle.getSymbolicName() + " " + bundle.getVersion() + ")";
                    } else {
                        bundle.start();
                        installed.add(record.key());
                    }
                } catch (IOException | BundleException | RuntimeException e) {
                    app(record.key()).filter(b -> b.getLocation().startsWith(LOCATION_PREFIX)).ifPresent(GateComponent::uninstallQuietly);
                    problem = "the framework refused it (" + e.getMessage() + ")";
                }
            }
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("time", Instant.now().toString());
            line.put("user", "PRODUCT");
            line.put("key", record.key());
            line.put("version", record.version());
            line.put("sha256", record.appSha256());
            line.put("decision", problem == null ? "RESTORED" : "NOT_RESTORED");
            if (problem != null) {
                line.put("problem", problem);
                LOG.log(Level.ERROR, "The framework's cache no longer holds " + record.key() + " " + record.version()
                        + ", and it was not installed again: " + problem + ".");
            } else {
                LOG.log(Level.WARNING, "The framework's cache no longer held " + record.key() + " " + record.version()
                        + "; installed it again from " + archived + " (the bytes recorded at its install).");
            }
            auditQuietly(line);
        }
    }

    // ---- what an app is ------------------------------------------------------------------------

    @Override
    public boolean isApp(Bundle bundle) {
        if (bundle.getBundleId() == 0 || bundle.getSymbolicName() == null || bundle.getLocation().startsWith(DEPENDENCY_PREFIX)) {
            return false;
        }
        Map<String, Object> properties = new java.util.HashMap<>();
        var headers = bundle.getHeaders("");
        for (var keys = headers.keys(); keys.hasMoreElements(); ) {
            String key = keys.nextElement();
            properties.put(key, headers.get(key));
        }
        properties.put("bundle.location", bundle.getLocation());
        properties.put("bundle.symbolicName", bundle.getSymbolicName());
        return appFilter.matches(properties);
    }

    @Override
    public List<Bundle> apps() {
        List<Bundle> apps = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            if (isApp(bundle)) {
                apps.add(bundle);
            }
        }
        apps.sort(Comparator.comparing(Bundle::getSymbolicName).thenComparing(Bundle::getBundleId));
        return apps;
    }

    @Override
    public Optional<Bundle> app(String key) {
        return apps().stream().filter(bundle -> bundle.getSymbolicName().equals(key)).findFirst();
    }

    private boolean fromPluginsFolder(Bundle bundle) {
        return pluginFile(bundle).isPresent();
    }

    /** The file behind a bundle that the plugins folder's installer (FileInstall) installed. */
    private Optional<Path> pluginFile(Bundle bundle) {
        String location = bundle.getLocation();
        if (!PluginsFolder.contains(pluginsFolder, location)) {
            return Optional.empty();
        }
        return Optional.of(Path.of(java.net.URI.create(location)));
    }

    // ---- install -------------------------------------------------------------------------------

    @Override
    public InstallOutcome install(InstallRequest request) {
        inFlight.incrementAndGet();
        try {
            return decide(request, null);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /**
     * Data Center mode: installs on this node an app the cluster accepted on another, from the
     * shared home, after checking it again against this node's own trust store and policy; refuses
     * (and says why) what this node cannot confirm. Nothing is published: the change is the cluster's.
     */
    InstallOutcome apply(ClusterChange change) {
        inFlight.incrementAndGet();
        try {
            ClusterLedger ledger = home.ledger();
            byte[] signature = change.signatureSha256() == null ? null : ledger.signatureFile(change.signatureSha256());
            try (InputStream in = ledger.openApp(change.appSha256())) {
                InstallRequest request = new InstallRequest(in, change.key() + " " + change.version() + " (cluster change "
                        + change.seq() + " from " + change.node() + ")", signature, change.origin(), change.user(), true, true);
                return decide(request, change);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return new InstallOutcome(false, STORED_APP_MISSING, "The app's stored copy in the shared home is missing ("
                    + e.getMessage() + "); this node cannot install it.", null, null, null);
        } catch (IOException e) {
            return new InstallOutcome(false, InstallOutcome.CLUSTER_UNAVAILABLE, "The app's stored copy could not be read"
                    + " from the shared home or the database (" + e.getMessage() + ").", null, null, null);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** Whether this node runs exactly the app of a cluster change (its record names the same bytes, and it is active). */
    boolean runs(ClusterChange change) {
        Optional<Bundle> bundle = app(change.key());
        Optional<AppRecord> record = find(change.key());
        return bundle.isPresent() && bundle.get().getLocation().startsWith(LOCATION_PREFIX)
                && bundle.get().getState() == Bundle.ACTIVE && record.isPresent()
                && change.appSha256().equals(record.get().appSha256());
    }

    /** The keys of the apps installed through the gate on this node (the cluster's apps, in Data Center mode). */
    List<String> gateInstalledKeys() {
        return apps().stream().filter(bundle -> bundle.getLocation().startsWith(LOCATION_PREFIX))
                .map(Bundle::getSymbolicName).toList();
    }

    /** Data Center mode: removes from this node an app the cluster uninstalled, unless it was installed again since. */
    UninstallOutcome applyUninstall(String key) {
        inFlight.incrementAndGet();
        try {
            synchronized (keyLocks.computeIfAbsent(key, k -> new Object())) {
                if (home.ledger().app(key).isPresent()) {
                    return new UninstallOutcome(false, UninstallOutcome.NOT_FOUND, key + " is installed in the cluster again.", null);
                }
                Optional<Bundle> found = app(key).filter(bundle -> bundle.getLocation().startsWith(LOCATION_PREFIX));
                if (found.isEmpty()) {
                    return new UninstallOutcome(false, UninstallOutcome.NOT_FOUND, "No app with the key " + key + " is installed.", null);
                }
                String version = found.get().getVersion().toString();
                String failure = removeLocally(found.get(), key, find(key).orElse(null));
                if (failure != null) {
                    return new UninstallOutcome(false, UninstallOutcome.UNINSTALL_FAILED, failure, version);
                }
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("time", Instant.now().toString());
                line.put("user", "CLUSTER");
                line.put("key", key);
                line.put("version", version);
                line.put("decision", "APPLIED");
                line.put("change", "UNINSTALL");
                auditQuietly(line);
                LOG.log(Level.INFO, "UNINSTALLED " + key + " " + version + " on this node (the cluster removed it)");
                return new UninstallOutcome(true, UninstallOutcome.UNINSTALLED, key + " " + version + " was uninstalled.", version);
            }
        } catch (IOException e) {
            return new UninstallOutcome(false, InstallOutcome.CLUSTER_UNAVAILABLE, "The cluster database could not be asked"
                    + " whether " + key + " is still removed (" + e.getMessage() + ").", null);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void auditQuietly(Map<String, Object> line) {
        try {
            home.audit(line);
        } catch (IOException e) {
            LOG.log(Level.ERROR, "Could not write the audit line " + line + ": " + e.getMessage());
        }
    }

    /**
     * @param replica in Data Center mode, the cluster's change this request replays (accepted on
     *                another node: checked again here, never published again); null for a request of this node
     */
    private InstallOutcome decide(InstallRequest request, ClusterChange replica) {
        Instant now = Instant.now();
        PolicyService policyService = policies;
        TrustStore store = trustStore;
        if (closing || policyService == null || store == null) {
            return rejected(request, replica, null, null, InstallOutcome.GATE_UNAVAILABLE, "App installs are unavailable right now"
                    + " (the product is " + (closing ? "restarting its install gate" : "starting or missing its "
                    + (store == null ? "trust store" : "signing policy")) + "); nothing was installed. Try again shortly.",
                    null, null);
        }
        Policy policy = policyService.current();
        Mode mode = policy.effectiveMode(request.origin(), now);
        if (replica == null && request.origin() == Origin.UPLOAD && !policy.uploadsAccepted(now)) {
            return rejected(request, replica, mode, null, InstallOutcome.UPLOAD_DISABLED,
                    "This product does not accept uploaded apps (upload.enabled is off).", null, null);
        }
        if (replica == null && home.clustered()) {
            // Asked before a byte is read: an app accepted while the database is away would run on this node only.
            try {
                home.ledger().lastSeq();
            } catch (IOException e) {
                return rejected(request, replica, mode, null, InstallOutcome.CLUSTER_UNAVAILABLE, clusterUnavailable(e), null, null);
            }
        }
        // One snapshot for the whole decision, so that a reload cannot mix two trust stores.
        TrustStoreSnapshot snapshot = store.snapshot();
        // A node replaying the cluster's change always checks it: it must confirm what another node accepted.
        PendingVerification pending = mode == Mode.OFF && replica == null ? null
                // Rereadable: the spool file holds the same bytes, so the custom flow can check the hinted key in the
                // streaming pass and the other keys only if that fails, instead of hashing every key at once.
                : AppVerifier.of(snapshot, new VerificationOptions(now, policy.looseTrustStore())).beginRereadable(request.signatureFile());
        MessageDigest sha256 = sha256();
        Path file = null;
        try {
            file = Files.createTempFile(spool, "upload-", ".jar",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            SpoolResult spooled = spool(request.app(), file, pending, sha256);
            if (spooled != SpoolResult.COMPLETE) {
                return switch (spooled) {
                    case TOO_LARGE -> rejected(request, replica, mode, null, InstallOutcome.APP_TOO_LARGE,
                            "The app is larger than the limit of " + maxAppBytes + " bytes.", null, null);
                    case STALLED -> rejected(request, replica, mode, null, InstallOutcome.UPLOAD_STALLED,
                            "The upload stopped before its end; nothing was installed. Send it again.", null, null);
                    default -> rejected(request, replica, mode, null, InstallOutcome.GATE_UNAVAILABLE,
                            "The install gate stopped during the upload; nothing was installed. Send it again.", null, null);
                };
            }
            String appSha256 = HexFormat.of().formatHex(sha256.digest());
            if (replica != null && !appSha256.equals(replica.appSha256())) {
                return rejected(request, replica, mode, null, STORED_APP_CHANGED, "The app's stored copy in the shared home (SHA-256 "
                        + appSha256 + ") is not what the cluster accepted (" + replica.appSha256() + "): it was changed or"
                        + " damaged there. This node does not install it.", null, appSha256);
            }
            VerificationResult verification = pending == null ? null : pending.finish(file);
            if (verification == null && snapshot.denyList().denies(appSha256)) {
                verification = new VerificationResult(ReasonCode.REVOKED, null, null,
                        "This app (SHA-256 " + appSha256 + ") is on the deny list. Do not install it.", appSha256);
            }
            // A revoked app never installs, whatever the mode.
            if (verification != null && (verification.reason() == ReasonCode.REVOKED
                    || mode == Mode.ENFORCE && !verification.verified())
                    || replica != null && unconfirmed(replica, verification)) {
                // The name the file claims, for the audit line and its readers only: nothing is decided on it.
                BundleManifests.Identity claimed = BundleManifests.read(file);
                return rejected(request, replica, mode, claimed.problem() == null ? claimed : null, verification.reason().name(),
                        verification.message(), verification, appSha256);
            }
            ObrArchive.Contents obr = null;
            Path bundleFile = file;
            List<Dependency> dependencies = List.of();
            if (ObrArchive.isArchive(file)) {
                // An OBR: the signature covered the whole archive; its bundles are installed whole or not at all.
                try {
                    obr = ObrArchive.extract(file, spool, maxAppBytes);
                } catch (ObrArchive.NotAnArchive e) {
                    return rejected(request, replica, mode, null, InstallOutcome.INVALID_APP, "The file is not a valid app: "
                            + e.getMessage() + ".", verification, appSha256);
                }
                bundleFile = obr.root();
                List<Dependency> read = new ArrayList<>();
                for (Path dependency : obr.dependencies()) {
                    BundleManifests.Identity needed = BundleManifests.read(dependency);
                    if (needed.problem() != null) {
                        obr.deleteQuietly();
                        return rejected(request, replica, mode, null, InstallOutcome.INVALID_APP, "A dependency in the OBR archive: "
                                + needed.problem(), verification, appSha256);
                    }
                    read.add(new Dependency(needed, dependency));
                }
                dependencies = List.copyOf(read);
            }
            try {
                BundleManifests.Identity identity = BundleManifests.read(bundleFile);
                if (identity.problem() != null) {
                    return rejected(request, replica, mode, null, InstallOutcome.INVALID_APP, identity.problem() + problemHint(bundleFile),
                            verification, appSha256);
                }
                synchronized (keyLocks.computeIfAbsent(identity.symbolicName(), key -> new Object())) {
                    boolean sharesDependencies = !dependencies.isEmpty()
                            || find(identity.symbolicName()).map(record -> !record.dependencies().isEmpty()).orElse(false);
                    if (!sharesDependencies) {
                        return installOrUpdate(request, replica, mode, identity, bundleFile, obr == null ? null : file, dependencies,
                                verification, appSha256, now);
                    }
                    // OBR apps share dependency bundles: one such install at a time, from the first dependency
                    // placed to the record that names them (always taken after the app's own lock).
                    synchronized (dependencyLock) {
                        return installOrUpdate(request, replica, mode, identity, bundleFile, obr == null ? null : file, dependencies,
                                verification, appSha256, now);
                    }
                }
            } finally {
                if (obr != null) {
                    obr.deleteQuietly();
                }
            }
        } catch (ClusterUnavailableException e) {
            // The cluster's database went away between the first question and the update rules' or the commit's.
            return rejected(request, replica, mode, null, InstallOutcome.CLUSTER_UNAVAILABLE, clusterUnavailable(e), null, null);
        } catch (IOException e) {
            LOG.log(Level.ERROR, "Install of " + request.fileName() + " failed: " + e);
            return rejected(request, replica, mode, null, InstallOutcome.INSTALL_FAILED, "The app could not be stored for checking ("
                    + e.getMessage() + "); nothing was installed. Check the free space under the product home.", null, null);
        } finally {
            deleteQuietly(file);
        }
    }

    /**
     * A replayed change that this node cannot confirm: one the accepting node verified must verify
     * here too (else the trust stores differ, or this node's is unsafe, and the records would lie).
     */
    private static boolean unconfirmed(ClusterChange replica, VerificationResult verification) {
        return replica.record().status() == SignatureStatus.VERIFIED && (verification == null || !verification.verified());
    }

    private static String clusterUnavailable(IOException e) {
        return "The cluster's database cannot be reached (" + e.getMessage() + "), so no app can be installed now: it would"
                + " run on this node only. Nothing was installed. Try again when the database is back.";
    }

    /** A signature file chosen as the app is a common slip: say so rather than "not a jar". */
    private static String problemHint(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] start = in.readNBytes(64);
            String text = new String(start, StandardCharsets.ISO_8859_1).strip();
            if (text.startsWith("{") && text.contains("\"signature\"")) {
                return " The file chosen as the app looks like a signature file (.sig): choose the app's .jar or .obr as the"
                        + " app, and its .sig as the signature.";
            }
        } catch (IOException e) {
            // No hint then.
        }
        return "";
    }

    private enum SpoolResult { COMPLETE, TOO_LARGE, STALLED, STOPPED }

    /** Copies the upload into the spool file while verifying it. */
    private SpoolResult spool(InputStream in, Path file, PendingVerification pending, MessageDigest sha256) throws IOException {
        byte[] buffer = new byte[256 * 1024];
        long total = 0;
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    // The client went quiet (the server's idle timeout) or away: the upload is incomplete.
                    return SpoolResult.STALLED;
                }
                if (n == -1) {
                    return SpoolResult.COMPLETE;
                }
                if (closing) {
                    return SpoolResult.STOPPED;
                }
                total += n;
                if (total > maxAppBytes) {
                    return SpoolResult.TOO_LARGE;
                }
                out.write(buffer, 0, n);
                sha256.update(buffer, 0, n);
                if (pending != null) {
                    pending.update(buffer, 0, n);
                }
            }
        }
    }

    /** A dependency bundle of an OBR archive: what its manifest says, and its extracted file. */
    private record Dependency(BundleManifests.Identity identity, Path file) {}

    /** The dependencies an install put in place: the bundles it installed, and every location the app needs. */
    private record Placed(List<Bundle> installed, List<String> locations) {

        static final Placed NONE = new Placed(List.of(), List.of());
    }

    /**
     * @param file  the bundle to install (moved away by this method)
     * @param whole the uploaded file when it is an OBR archive of which {@code file} is the root
     *              bundle; null otherwise (then {@code file} is the whole upload)
     */
    private InstallOutcome installOrUpdate(InstallRequest request, ClusterChange replica, Mode mode, BundleManifests.Identity identity, Path file,
                                           Path whole, List<Dependency> dependencies, VerificationResult verification,
                                           String appSha256, Instant now) throws IOException {
        String key = identity.symbolicName();
        if (replica != null) {
            // Under the app's lock: an upload on this node, or a newer change, may have come first.
            Optional<ClusterChange> current = home.ledger().app(key);
            if (current.isEmpty() || current.get().seq() != replica.seq()) {
                return new InstallOutcome(false, SUPERSEDED, "A newer change of " + key + " came first.", null, verification,
                        null);
            }
        }
        Optional<String> productName = productBundleNamed(key);
        if (productName.isPresent()) {
            return rejected(request, replica, mode, identity, InstallOutcome.INVALID_APP, key + " is the name of one of the product's"
                    + " own bundles; an app may not replace it.", verification, appSha256);
        }
        Bundle existing = app(key).orElse(null);
        if (existing != null && !existing.getLocation().startsWith(LOCATION_PREFIX)) {
            String why = fromPluginsFolder(existing)
                    ? key + " was installed from the product's plugins folder; replace it there, not by upload."
                    : key + " was installed by another path than the plugin manager; it cannot be replaced by upload.";
            return rejected(request, replica, mode, identity, InstallOutcome.INVALID_APP, why, verification, appSha256);
        }
        AppRecord previousRecord = find(key).orElse(null);
        String previousVersion = existing == null ? null : existing.getVersion().toString();
        if (mode == Mode.ENFORCE && replica == null) {
            // In a cluster the update is judged against the cluster's app, not this node's copy, which may
            // lag behind or have been refused here: a node behind must not let an older version in.
            AppRecord judgedAgainst = home.clustered()
                    ? home.ledger().app(key).map(ClusterChange::record).orElse(null)
                    : existing == null ? null : previousRecord;
            Version installed = home.clustered()
                    ? judgedAgainst == null ? null : Version.parseVersion(judgedAgainst.version())
                    : existing == null ? null : existing.getVersion();
            if (installed != null) {
                InstallOutcome refused = updateRule(request, replica, mode, identity, installed, judgedAgainst, verification,
                        appSha256);
                if (refused != null) {
                    return refused;
                }
            }
        }
        // Named by a digest of the symbolic name: a name from an upload never becomes a path.
        Path archived = archive.resolve(archiveName(key));
        // Staged beside the archive first: the spool may be another file system, and a failure here
        // (a full disk) must happen before anything is installed. The final rename is then atomic.
        Path staged = archive.resolve(archiveName(key) + ".new");
        try {
            Files.move(file, staged, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(staged);
            throw e;
        }
        Placed placed = Placed.NONE;
        try {
            if (!dependencies.isEmpty()) {
                String problem = dependencyProblem(key, dependencies);
                if (problem != null) {
                    return rejected(request, replica, mode, identity, InstallOutcome.INVALID_APP, problem, verification, appSha256);
                }
                try {
                    placed = placeDependencies(key, dependencies);
                } catch (IOException e) {
                    return rejected(request, replica, mode, identity, InstallOutcome.INVALID_APP, e.getMessage()
                            + "; nothing was installed.", verification, appSha256);
                }
            }
            AppRecord record = new AppRecord(key, identity.version(), status(verification), verification == null ? null
                    : verification.flow(), verification == null ? null : verification.signer(),
                    verification == null ? null : verification.reason(), appSha256, replica == null ? now : replica.time(),
                    request.user(), placed.locations());
            String decision = existing == null ? "INSTALLED" : "UPDATED";
            InstallOutcome failed = existing == null
                    ? installNew(request, replica, mode, identity, staged, verification, appSha256, record, placed)
                    : update(request, replica, mode, identity, existing, staged, archived, verification, appSha256, record, previousRecord,
                            placed);
            if (failed != null) {
                removeInstalled(placed);
                return failed;
            }
            Map<String, Object> line = auditLine(request, mode, key, identity.version(), appSha256,
                    replica == null ? decision : "APPLIED", code(verification), verification, previousVersion);
            if (replica != null) {
                // The cluster's decision stands, whether or not this node's line about applying it gets written.
                line.put("change", replica.seq());
                auditQuietly(line);
            } else {
                try {
                    if (home.clustered()) {
                        publish(request, whole != null ? whole : staged, record, line);
                    } else {
                        home.audit(line);
                    }
                } catch (IOException e) {
                    // A decision that is not on record (or, in a cluster, not shared with every node) must not stand.
                    LOG.log(Level.ERROR, "Could not " + (home.clustered() ? "commit " : "write the audit line for ") + key
                            + "; undoing the " + decision.toLowerCase() + ": " + e.getMessage());
                    String undone = existing == null ? uninstallNew(key) : rollBack(existing, archived, previousVersion);
                    home.records().restore(key, previousRecord);
                    removeInstalled(placed);
                    if (home.clustered()) {
                        return new InstallOutcome(false, InstallOutcome.CLUSTER_UNAVAILABLE, "The app could not be shared with"
                                + " the cluster (" + e.getMessage() + "), so it was not installed: it would have run on this"
                                + " node only. On this node, " + Character.toLowerCase(undone.charAt(0)) + undone.substring(1) + " Try again once the database and the shared home answer.",
                                null, verification, previousVersion);
                    }
                    return new InstallOutcome(false, InstallOutcome.AUDIT_UNAVAILABLE, "The decision could not be written to"
                            + " the audit log (" + e.getMessage() + "), so the app was not installed: " + undone
                            + " Check that the product can write " + home.location() + ".", null, verification, previousVersion);
                }
            }
            Files.move(staged, archived, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            if (previousRecord != null) {
                removeUnneeded(previousRecord.dependencies());
            }
            LOG.log(Level.INFO, decision + " " + key + " " + identity.version() + " (" + code(verification) + ", mode " + mode
                    + ", by " + request.user() + ")");
            return new InstallOutcome(true, code(verification), message(verification, mode), record, verification,
                    previousVersion);
        } finally {
            Files.deleteIfExists(staged);
        }
    }

    /**
     * Data Center mode: keeps the accepted app and its signature file in the shared home, then
     * commits the change with its audit line, which tells every other node.
     */
    private void publish(InstallRequest request, Path upload, AppRecord record, Map<String, Object> line) throws IOException {
        ClusterLedger ledger = home.ledger();
        String signatureSha256;
        try {
            signatureSha256 = ledger.store(upload, record.appSha256(), request.signatureFile());
        } catch (IOException e) {
            throw new IOException("the app could not be kept in the shared home for the other nodes: " + e.getMessage(), e);
        }
        ledger.commit(ClusterChange.install(record, request.origin(), signatureSha256, ledger.nodeId()), line);
    }

    /** In ENFORCE, an update may neither go back in version nor change signer unless the request says so. */
    private InstallOutcome updateRule(InstallRequest request, ClusterChange replica, Mode mode, BundleManifests.Identity identity,
                                      Version installed, AppRecord previous, VerificationResult verification, String appSha256) {
        Version offered = Version.parseVersion(identity.version());
        if (offered.compareTo(installed) < 0 && !request.allowDowngrade()) {
            return rejected(request, replica, mode, identity, InstallOutcome.DOWNGRADE, "Version " + offered + " is older than the"
                    + " installed " + installed + ". To go back on purpose, upload it again with allowDowngrade=true"
                    + " (the plugin manager asks you to confirm).", verification, appSha256);
        }
        if (previous != null && previous.signer() != null && verification != null && verification.signer() != null
                && !previous.signer().sha256().equals(verification.signer().sha256()) && !request.allowSignerChange()) {
            return rejected(request, replica, mode, identity, InstallOutcome.SIGNER_CHANGED, "This version is signed by "
                    + verification.signer().subject() + ", but the installed version " + installed + " was signed by "
                    + previous.signer().subject() + ". If the vendor changed its signing certificate, upload it again with"
                    + " allowSignerChange=true (the plugin manager asks you to confirm).", verification, appSha256);
        }
        return null;
    }

    /** Installs a new app; null on success, else the (audited) refusal, with nothing left installed. */
    private InstallOutcome installNew(InstallRequest request, ClusterChange replica, Mode mode, BundleManifests.Identity identity, Path staged,
                                      VerificationResult verification, String appSha256, AppRecord record, Placed placed)
            throws IOException {
        String key = identity.symbolicName();
        Bundle bundle;
        try (InputStream in = Files.newInputStream(staged)) {
            bundle = context.installBundle(LOCATION_PREFIX + key, in);
        } catch (BundleException | RuntimeException e) {
            return rejected(request, replica, mode, identity, InstallOutcome.INVALID_APP, "The framework refused the app ("
                    + e.getMessage() + "); nothing was installed.", verification, appSha256);
        }
        // The framework's reading of the manifest is the one that counts: a jar that two readers read
        // differently must not be recorded (and listed) under the name the gate read.
        String mismatch = identityMismatch(bundle, identity);
        if (mismatch != null) {
            uninstallQuietly(bundle);
            return rejected(request, replica, mode, identity, InstallOutcome.INVALID_APP, mismatch, verification, appSha256);
        }
        AppRecord previousRecord = find(key).orElse(null);
        try {
            // Recorded before it starts, so that strict mode lets it resolve.
            home.records().put(record);
        } catch (IOException e) {
            uninstallQuietly(bundle);
            throw e;
        }
        try {
            startAll(placed.installed());
            bundle.start();
        } catch (BundleException | RuntimeException e) {
            uninstallQuietly(bundle);
            home.records().restore(key, previousRecord);
            return rejected(request, replica, mode, identity, InstallOutcome.INVALID_APP, "The app was verified but cannot start in"
                    + " this product (" + e.getMessage() + "); nothing was installed.", verification, appSha256);
        }
        return null;
    }

    /** Updates an installed app; null on success, else the (audited) refusal with the earlier version running. */
    private InstallOutcome update(InstallRequest request, ClusterChange replica, Mode mode, BundleManifests.Identity identity, Bundle existing,
                                  Path staged, Path archived, VerificationResult verification, String appSha256,
                                  AppRecord record, AppRecord previousRecord, Placed placed) throws IOException {
        String key = identity.symbolicName();
        String previousVersion = existing.getVersion().toString();
        home.records().put(record);
        try {
            // Felix restarts an active bundle inside update(), so a new version that cannot start fails
            // there: from the first byte of the update on, any failure restores the earlier version.
            try (InputStream in = Files.newInputStream(staged)) {
                existing.update(in);
            }
            String mismatch = identityMismatch(existing, identity);
            if (mismatch != null) {
                throw new BundleException(mismatch);
            }
            startAll(placed.installed());
            refresh(existing);
            existing.start();
        } catch (BundleException | IOException | RuntimeException e) {
            String restored = rollBack(existing, archived, previousVersion);
            home.records().restore(key, previousRecord);
            return rejected(request, replica, mode, identity, InstallOutcome.INVALID_APP, "The new version " + identity.version()
                    + " was verified but cannot start in this product (" + e.getMessage() + "). " + restored,
                    verification, appSha256);
        }
        return null;
    }

    /** Why these dependencies cannot go in, or null: a product bundle's name, or the app itself. */
    private String dependencyProblem(String key, List<Dependency> dependencies) {
        for (Dependency dependency : dependencies) {
            String name = dependency.identity().symbolicName();
            if (name.equals(key)) {
                return "The OBR archive lists the app " + key + " itself among its dependencies.";
            }
            for (Bundle bundle : context.getBundles()) {
                if (name.equals(bundle.getSymbolicName()) && isApp(bundle)
                        && bundle.getVersion().compareTo(Version.parseVersion(dependency.identity().version())) < 0) {
                    return "The OBR archive's dependency " + name + " " + dependency.identity().version() + " would replace the"
                            + " installed app " + name + " " + bundle.getVersion() + "; update that app on its own.";
                }
            }
        }
        return null;
    }

    /**
     * Installs (without starting) each dependency that is not already present at the same or a newer
     * version; on any failure removes what it installed and throws. Kept and new dependency bundles
     * of this product's OBR apps are what the app needs.
     */
    private Placed placeDependencies(String key, List<Dependency> dependencies) throws IOException {
        List<Bundle> installed = new ArrayList<>();
        List<String> locations = new ArrayList<>();
        try {
            for (Dependency dependency : dependencies) {
                String name = dependency.identity().symbolicName();
                Version version = Version.parseVersion(dependency.identity().version());
                String location = DEPENDENCY_PREFIX + name + ":" + version;
                Optional<Bundle> present = java.util.Arrays.stream(context.getBundles())
                        .filter(bundle -> location.equals(bundle.getLocation())
                                || name.equals(bundle.getSymbolicName()) && bundle.getVersion().compareTo(version) >= 0)
                        .findFirst();
                if (present.isPresent()) {
                    if (present.get().getLocation().startsWith(DEPENDENCY_PREFIX)) {
                        locations.add(present.get().getLocation());
                    }
                    continue;
                }
                Bundle bundle;
                try (InputStream in = Files.newInputStream(dependency.file())) {
                    bundle = context.installBundle(location, in);
                }
                installed.add(bundle);
                if (!name.equals(bundle.getSymbolicName()) || !version.equals(bundle.getVersion())) {
                    throw new BundleException("the dependency's manifest reads differently to the framework ("
                            + bundle.getSymbolicName() + " " + bundle.getVersion() + ")");
                }
                locations.add(location);
            }
        } catch (BundleException | RuntimeException e) {
            removeInstalled(new Placed(installed, locations));
            throw new IOException("A dependency of " + key + " could not be installed: " + e.getMessage(), e);
        }
        return new Placed(List.copyOf(installed), List.copyOf(locations));
    }

    private static void startAll(List<Bundle> bundles) throws BundleException {
        for (Bundle bundle : bundles) {
            if (bundle.getHeaders("").get(org.osgi.framework.Constants.FRAGMENT_HOST) == null) {
                bundle.start();
            }
        }
    }

    /** Undoes what {@link #placeDependencies} installed. */
    private void removeInstalled(Placed placed) {
        for (Bundle bundle : placed.installed()) {
            uninstallQuietly(bundle);
        }
        if (!placed.installed().isEmpty()) {
            refresh(placed.installed());
        }
    }

    /** Uninstalls the dependency bundles at these locations that no recorded app needs any more. */
    private void removeUnneeded(List<String> locations) {
        if (locations.isEmpty()) {
            return;
        }
        synchronized (dependencyLock) {
            removeUnneededLocked(locations);
        }
    }

    private void removeUnneededLocked(List<String> locations) {
        java.util.Set<String> needed = new java.util.HashSet<>();
        for (AppRecord record : home.records().all()) {
            needed.addAll(record.dependencies());
        }
        List<Bundle> removed = new ArrayList<>();
        for (String location : locations) {
            Bundle bundle = context.getBundle(location);
            if (bundle != null && !needed.contains(location)) {
                uninstallQuietly(bundle);
                removed.add(bundle);
            }
        }
        if (!removed.isEmpty()) {
            refresh(removed);
        }
    }

    private String identityMismatch(Bundle bundle, BundleManifests.Identity identity) {
        if (!identity.symbolicName().equals(bundle.getSymbolicName())
                || !Version.parseVersion(identity.version()).equals(bundle.getVersion())) {
            return "The app's manifest reads differently to the framework (" + bundle.getSymbolicName() + " "
                    + bundle.getVersion() + ") than to a plain jar reader (" + identity.symbolicName() + " " + identity.version()
                    + "): a malformed or crafted jar. Nothing was installed.";
        }
        if (productBundleNamed(bundle.getSymbolicName()).isPresent()) {
            return bundle.getSymbolicName() + " is the name of one of the product's own bundles; an app may not use it.";
        }
        return null;
    }

    private Optional<String> productBundleNamed(String symbolicName) {
        for (Bundle bundle : context.getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName()) && !isApp(bundle)) {
                return Optional.of(bundle.getLocation());
            }
        }
        return Optional.empty();
    }

    private static SignatureStatus status(VerificationResult verification) {
        if (verification == null) {
            return SignatureStatus.NOT_CHECKED;
        }
        if (verification.verified()) {
            return SignatureStatus.VERIFIED;
        }
        return verification.reason() == ReasonCode.MISSING_SIGNATURE ? SignatureStatus.UNSIGNED : SignatureStatus.NOT_VERIFIED;
    }

    private static String code(VerificationResult verification) {
        return verification == null ? InstallOutcome.NOT_CHECKED : verification.reason().name();
    }

    private static String message(VerificationResult verification, Mode mode) {
        if (verification == null) {
            return "Installed without a signature check: the mode for this origin is OFF.";
        }
        return verification.verified() ? verification.message()
                : "Installed although it did not verify, because the mode is " + mode + ": " + verification.message();
    }

    private static String archiveName(String key) {
        return io.appsigning.truststore.TrustedCertificate.sha256Hex(key.getBytes(StandardCharsets.UTF_8)) + ".jar";
    }

    /** Puts the archived earlier version back; says in words what really happened. */
    private String rollBack(Bundle bundle, Path archived, String previousVersion) {
        try (InputStream in = Files.newInputStream(archived)) {
            bundle.update(in);
            refresh(bundle);
            bundle.start();
            return "The earlier version " + previousVersion + " was restored and keeps running.";
        } catch (IOException | BundleException | RuntimeException e) {
            LOG.log(Level.ERROR, "Could not restore the earlier version of " + bundle.getSymbolicName() + ": " + e);
            return "Restoring the earlier version " + previousVersion + " failed too (" + e.getMessage() + "): the app is now "
                    + stateName(bundle) + "; install a working version of it.";
        }
    }

    private String uninstallNew(String key) {
        app(key).ifPresent(GateComponent::uninstallQuietly);
        return "it was removed again.";
    }

    private static String stateName(Bundle bundle) {
        return switch (bundle.getState()) {
            case Bundle.ACTIVE -> "active";
            case Bundle.RESOLVED -> "resolved but stopped";
            case Bundle.UNINSTALLED -> "uninstalled";
            default -> "installed but not resolved";
        };
    }

    /** Rewires what used the old revision, and waits for the framework to finish. */
    private void refresh(Bundle bundle) {
        refresh(List.of(bundle));
    }

    private void refresh(List<Bundle> bundles) {
        Bundle bundle = bundles.get(0);
        var done = new java.util.concurrent.CountDownLatch(1);
        context.getBundle(0).adapt(org.osgi.framework.wiring.FrameworkWiring.class).refreshBundles(bundles,
                event -> done.countDown());
        try {
            if (!done.await(REFRESH_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                LOG.log(Level.WARNING, "The framework did not finish refreshing " + bundle.getSymbolicName() + " in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- audit ---------------------------------------------------------------------------------

    private InstallOutcome rejected(InstallRequest request, ClusterChange replica, Mode mode, BundleManifests.Identity identity, String code,
                                    String message, VerificationResult verification, String appSha256) {
        try {
            Map<String, Object> line = auditLine(request, mode, identity == null ? null : identity.symbolicName(),
                    identity == null ? null : identity.version(), appSha256, replica == null ? "REJECTED" : "NODE_REFUSED", code,
                    verification, null);
            if (replica != null) {
                line.put("key", replica.key());
                line.put("version", replica.version());
                line.put("change", replica.seq());
            }
            home.audit(line);
        } catch (IOException e) {
            LOG.log(Level.ERROR, "Could not write the audit log " + home.location() + " for a rejection of "
                    + request.fileName() + " (" + code + "): " + e.getMessage());
        }
        LOG.log(Level.WARNING, "Rejected " + request.fileName() + " (" + code + ", mode " + mode + ", by " + request.user()
                + "): " + message);
        return new InstallOutcome(false, code, message, null, verification, null);
    }

    private static Map<String, Object> auditLine(InstallRequest request, Mode mode, String key, String version,
                                                 String appSha256, String decision, String reason,
                                                 VerificationResult verification, String previousVersion) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("user", request.user());
        line.put("file", request.fileName());
        line.put("key", key);
        line.put("version", version);
        if (previousVersion != null) {
            line.put("previousVersion", previousVersion);
        }
        line.put("sha256", appSha256);
        line.put("origin", request.origin().name());
        line.put("mode", mode == null ? null : mode.name());
        line.put("decision", decision);
        line.put("reason", reason);
        line.put("signer", verification == null || verification.signer() == null ? null
                : Map.of("subject", verification.signer().subject(), "sha256", verification.signer().sha256()));
        if (request.allowDowngrade() || request.allowSignerChange()) {
            line.put("allowDowngrade", request.allowDowngrade());
            line.put("allowSignerChange", request.allowSignerChange());
        }
        return line;
    }

    // ---- uninstall -----------------------------------------------------------------------------

    @Override
    public UninstallOutcome uninstall(String key, String user) {
        Optional<Bundle> found = app(key);
        if (found.isEmpty()) {
            return new UninstallOutcome(false, UninstallOutcome.NOT_FOUND, "No app with the key " + key + " is installed.", null);
        }
        Bundle bundle = found.get();
        if (fromPluginsFolder(bundle)) {
            return new UninstallOutcome(false, UninstallOutcome.FILE_SYSTEM_APP, key + " comes from the product's plugins"
                    + " folder; remove its file there (" + pluginFile(bundle).map(Path::getFileName).orElse(null)
                    + ") and it is uninstalled within seconds.", bundle.getVersion().toString());
        }
        inFlight.incrementAndGet();
        try {
            synchronized (keyLocks.computeIfAbsent(key, k -> new Object())) {
                String version = bundle.getVersion().toString();
                AppRecord previous = find(key).orElse(null);
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("time", Instant.now().toString());
                line.put("user", user);
                line.put("key", key);
                line.put("version", version);
                line.put("decision", "UNINSTALLED");
                line.put("previousStatus", previous == null ? null : previous.status().name());
                if (home.clustered()) {
                    // The cluster's decision first: if it cannot be committed, the app stays on every node.
                    try {
                        ClusterLedger ledger = home.ledger();
                        ledger.commit(ClusterChange.uninstall(key, version, ledger.nodeId(), user, Instant.now()), line);
                    } catch (IOException e) {
                        return new UninstallOutcome(false, InstallOutcome.CLUSTER_UNAVAILABLE, "The cluster's database cannot"
                                + " be reached (" + e.getMessage() + "), so " + key + " was not uninstalled on any node. Try"
                                + " again when the database is back.", version);
                    }
                }
                String failure = removeLocally(bundle, key, previous);
                if (failure != null) {
                    return new UninstallOutcome(false, UninstallOutcome.UNINSTALL_FAILED, failure + (home.clustered()
                            ? " The cluster has removed it; this node tries again at its next synchronisation." : ""), version);
                }
                if (!home.clustered()) {
                    try {
                        home.audit(line);
                    } catch (IOException e) {
                        // The app is gone and cannot be put back unchecked; say so loudly instead.
                        LOG.log(Level.ERROR, "Uninstalled " + key + " " + version + " by " + user + " but could not write the"
                                + " audit line: " + e.getMessage());
                        return new UninstallOutcome(true, InstallOutcome.AUDIT_UNAVAILABLE, key + " " + version + " was"
                                + " uninstalled, but the audit log could not be written (" + e.getMessage() + ").", version);
                    }
                }
                LOG.log(Level.INFO, "UNINSTALLED " + key + " " + version + " (by " + user + ")");
                return new UninstallOutcome(true, UninstallOutcome.UNINSTALLED, key + " " + version + " was uninstalled.", version);
            }
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** Uninstalls an app here, with its record, archive and unneeded dependencies; null, or what went wrong. */
    private String removeLocally(Bundle bundle, String key, AppRecord previous) {
        try {
            bundle.uninstall();
        } catch (BundleException | RuntimeException e) {
            return "The framework could not uninstall " + key + " (" + e.getMessage() + "); it is still " + stateName(bundle) + ".";
        }
        refresh(bundle);
        try {
            home.records().remove(key);
            if (previous != null) {
                removeUnneeded(previous.dependencies());
            }
            Files.deleteIfExists(archive.resolve(archiveName(key)));
        } catch (IOException e) {
            LOG.log(Level.ERROR, "Uninstalled " + key + " but could not update its record: " + e.getMessage());
        }
        return null;
    }

    // ---- the plugins folder --------------------------------------------------------------------

    /** Bundles that the plugins folder's installer adds, updates or removes are recorded and audited. */
    private void pluginsEvent(BundleEvent event) {
        Bundle bundle = event.getBundle();
        if (closing || !fromPluginsFolder(bundle)) {
            return;
        }
        switch (event.getType()) {
            case BundleEvent.INSTALLED -> recordFileSystem(bundle, "INSTALLED");
            case BundleEvent.UPDATED -> recordFileSystem(bundle, "UPDATED");
            case BundleEvent.UNINSTALLED -> forgetFileSystem(bundle);
            default -> { }
        }
    }

    private void recordFileSystem(Bundle bundle, String decision) {
        if (bundle.getSymbolicName() == null || !isApp(bundle)) {
            return;
        }
        Optional<Path> file = pluginFile(bundle);
        String digest = file.map(GateComponent::digestOrNull).orElse(null);
        String key = bundle.getSymbolicName();
        try {
            home.records().put(new AppRecord(key, bundle.getVersion().toString(), SignatureStatus.FILE_SYSTEM, null, null,
                    null, digest, Instant.now(), FILE_SYSTEM_USER));
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("time", Instant.now().toString());
            line.put("user", FILE_SYSTEM_USER);
            line.put("file", file.map(p -> p.getFileName().toString()).orElse(null));
            line.put("key", key);
            line.put("version", bundle.getVersion().toString());
            line.put("sha256", digest);
            line.put("origin", "FILE_SYSTEM");
            line.put("decision", decision);
            line.put("reason", InstallOutcome.NOT_CHECKED);
            home.audit(line);
            LOG.log(Level.INFO, decision + " " + key + " " + bundle.getVersion() + " from the plugins folder (not checked)");
        } catch (IOException e) {
            LOG.log(Level.ERROR, "Could not record " + key + " from the plugins folder: " + e.getMessage());
        }
    }

    private void forgetFileSystem(Bundle bundle) {
        String key = bundle.getSymbolicName();
        if (key == null) {
            return;
        }
        try {
            Optional<AppRecord> record = find(key);
            if (record.isPresent() && record.get().status() == SignatureStatus.FILE_SYSTEM) {
                home.records().remove(key);
            }
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("time", Instant.now().toString());
            line.put("user", FILE_SYSTEM_USER);
            line.put("key", key);
            line.put("version", bundle.getVersion().toString());
            line.put("origin", "FILE_SYSTEM");
            line.put("decision", "UNINSTALLED");
            home.audit(line);
        } catch (IOException e) {
            LOG.log(Level.ERROR, "Could not record the removal of " + key + " from the plugins folder: " + e.getMessage());
        }
    }

    private static String digestOrNull(Path file) {
        MessageDigest digest = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[256 * 1024];
            for (int n; (n = in.read(buffer)) != -1; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            return null;
        }
    }

    // ---- records -------------------------------------------------------------------------------

    @Override
    public List<AppRecord> all() {
        return home.records().all();
    }

    @Override
    public Optional<AppRecord> find(String key) {
        return home.records().find(key);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static void uninstallQuietly(Bundle bundle) {
        try {
            bundle.uninstall();
        } catch (BundleException | RuntimeException e) {
            LOG.log(Level.ERROR, "Could not remove the app that failed: " + bundle.getSymbolicName() + ": " + e);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.log(Level.ERROR, "Could not delete the spool file " + file + ": " + e.getMessage());
            }
        }
    }

    private static void deleteTree(Path root, boolean includingRoot) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (includingRoot || !path.equals(root)) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
