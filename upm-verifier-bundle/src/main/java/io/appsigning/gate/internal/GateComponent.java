package io.appsigning.gate.internal;

import io.appsigning.audit.AuditLog;
import io.appsigning.gate.AppRecord;
import io.appsigning.gate.AppRecords;
import io.appsigning.gate.InstallGate;
import io.appsigning.gate.InstallOutcome;
import io.appsigning.gate.InstallRequest;
import io.appsigning.gate.Mode;
import io.appsigning.gate.Origin;
import io.appsigning.gate.Policy;
import io.appsigning.gate.PolicyService;
import io.appsigning.gate.SignatureStatus;
import io.appsigning.truststore.TrustStore;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.verifier.AppVerifier;
import io.appsigning.verifier.PendingVerification;
import io.appsigning.verifier.VerificationOptions;
import io.appsigning.verifier.VerificationResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The install gate and the records it keeps. An app is spooled once into a private file while it
 * is verified in the same pass; exactly the spooled bytes are installed, and only when the policy
 * allows; every path out deletes the spool file, and every decision goes to the audit log.
 */
@Component(service = {InstallGate.class, AppRecords.class}, configurationPid = "io.appsigning.gate", immediate = true)
@Designate(ocd = GateComponent.Config.class)
public final class GateComponent implements InstallGate, AppRecords {

    @ObjectClassDefinition(name = "App signing install gate")
    public @interface Config {
        @AttributeDefinition(description = "The largest app accepted, in bytes")
        long maxAppBytes() default 512L * 1024 * 1024;
    }

    static final String LOCATION_PREFIX = "upm:app:";
    private static final String PRODUCT_PREFIX = "product:";
    private static final System.Logger LOG = System.getLogger(GateComponent.class.getName());

    @Reference
    private TrustStore trustStore;

    @Reference
    private PolicyService policies;

    private BundleContext context;
    private Path spool;
    private Path archive;
    private RecordStore records;
    private AuditLog audit;
    private long maxAppBytes;
    private final Map<String, Object> keyLocks = new ConcurrentHashMap<>();

    @Activate
    void activate(BundleContext context, Config config) throws IOException {
        this.context = context;
        // A framework (or system) property sets the limit for a whole product; Configuration Admin can too.
        String limit = context.getProperty("appsigning.maxAppBytes");
        this.maxAppBytes = limit != null ? Long.parseLong(limit.trim()) : config.maxAppBytes();
        Path home = Path.of(context.getProperty("appsigning.home") != null ? context.getProperty("appsigning.home") : "upm-home");
        spool = privateFolder(home.resolve("data/spool"));
        archive = privateFolder(home.resolve("data/apps"));
        // Spool files left by a crash are never installed: they were not decided on.
        try (var leftovers = Files.list(spool)) {
            for (Path leftover : leftovers.toList()) {
                Files.deleteIfExists(leftover);
            }
        }
        try (var staged = Files.list(archive)) {
            for (Path leftover : staged.filter(p -> p.getFileName().toString().endsWith(".new")).toList()) {
                Files.deleteIfExists(leftover);
            }
        }
        records = new RecordStore(home.resolve("data/app-records.json"));
        audit = AuditLog.open(home.resolve("audit/audit.log"));
        boolean firstRun = !records.existed();
        Set<String> installed = new HashSet<>();
        for (Bundle bundle : context.getBundles()) {
            if (isApp(bundle)) {
                installed.add(bundle.getSymbolicName());
                if (firstRun && records.find(bundle.getSymbolicName()).isEmpty()) {
                    records.put(new AppRecord(bundle.getSymbolicName(), bundle.getVersion().toString(),
                            SignatureStatus.INSTALLED_BEFORE_SIGNING, null, null, null, null, Instant.now()));
                }
            }
        }
        records.retain(installed);
        records.saveIfMissing();
    }

    private static Path privateFolder(Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
        return folder;
    }

    static boolean isApp(Bundle bundle) {
        return bundle.getBundleId() != 0 && !bundle.getLocation().startsWith(PRODUCT_PREFIX) && bundle.getSymbolicName() != null;
    }

    @Override
    public InstallOutcome install(InstallRequest request) {
        Instant now = Instant.now();
        Policy policy = policies.current();
        Mode mode = policy.effectiveMode(request.origin(), now);
        if (request.origin() == Origin.UPLOAD && !policy.uploadsAccepted(now)) {
            return rejected(request, mode, null, InstallOutcome.UPLOAD_DISABLED,
                    "This product does not accept uploaded apps (upload.enabled is off). An administrator can turn"
                            + " uploads on in Settings.", null, null);
        }
        // One snapshot for the whole decision, so that a reload cannot mix two trust stores.
        TrustStoreSnapshot snapshot = trustStore.snapshot();
        PendingVerification pending = mode == Mode.OFF ? null
                : AppVerifier.of(snapshot, new VerificationOptions(now, policy.looseTrustStore())).begin(request.signatureFile());
        MessageDigest sha256 = sha256();
        Path file = null;
        try {
            file = Files.createTempFile(spool, "upload-", ".jar",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            if (!spool(request.app(), file, pending, sha256)) {
                return rejected(request, mode, null, InstallOutcome.APP_TOO_LARGE, "The app is larger than the limit of "
                        + maxAppBytes + " bytes.", null, null);
            }
            String appSha256 = HexFormat.of().formatHex(sha256.digest());
            VerificationResult verification = pending == null ? null : pending.finish();
            if (mode == Mode.ENFORCE && !verification.verified()) {
                return rejected(request, mode, null, verification.reason().name(), verification.message(), verification, appSha256);
            }
            BundleManifests.Identity identity = BundleManifests.read(file);
            if (identity.problem() != null) {
                return rejected(request, mode, null, InstallOutcome.INVALID_APP, identity.problem(), verification, appSha256);
            }
            synchronized (keyLocks.computeIfAbsent(identity.symbolicName(), key -> new Object())) {
                return installOrUpdate(request, mode, identity, file, verification, appSha256, now);
            }
        } catch (IOException e) {
            LOG.log(Level.ERROR, "Install of " + request.fileName() + " failed", e);
            return rejected(request, mode, null, InstallOutcome.INSTALL_FAILED, "The app could not be stored for checking ("
                    + e.getMessage() + "); nothing was installed. Check the free space under the product home.", null, null);
        } finally {
            deleteQuietly(file);
        }
    }

    /** Copies the upload into the spool file while verifying it; false when it is over the limit. */
    private boolean spool(InputStream in, Path file, PendingVerification pending, MessageDigest sha256) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int n; (n = in.read(buffer)) != -1; ) {
                total += n;
                if (total > maxAppBytes) {
                    return false;
                }
                out.write(buffer, 0, n);
                sha256.update(buffer, 0, n);
                if (pending != null) {
                    pending.update(buffer, 0, n);
                }
            }
        }
        return true;
    }

    private InstallOutcome installOrUpdate(InstallRequest request, Mode mode, BundleManifests.Identity identity, Path file,
                                           VerificationResult verification, String appSha256, Instant now) throws IOException {
        String key = identity.symbolicName();
        Bundle existing = findByName(key).orElse(null);
        if (existing != null && !existing.getLocation().startsWith(LOCATION_PREFIX)) {
            String why = isApp(existing)
                    ? key + " was installed from the product's plugins folder; replace it there, not by upload."
                    : key + " is the name of one of the product's own bundles; an app may not replace it.";
            return rejected(request, mode, identity, InstallOutcome.INVALID_APP, why, verification, appSha256);
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
        try {
            String decision;
            try {
                if (existing == null) {
                    Bundle bundle;
                    try (InputStream in = Files.newInputStream(staged)) {
                        bundle = context.installBundle(LOCATION_PREFIX + key, in);
                    }
                    try {
                        bundle.start();
                    } catch (BundleException | RuntimeException e) {
                        uninstallQuietly(bundle);
                        return rejected(request, mode, identity, InstallOutcome.INVALID_APP, "The app cannot start in this product ("
                                + e.getMessage() + "); nothing was installed.", verification, appSha256);
                    }
                    decision = "INSTALLED";
                } else {
                    // Felix restarts an active bundle inside update(), so a new version that cannot start
                    // fails there: from the first byte of the update on, any failure restores the earlier version.
                    try (InputStream in = Files.newInputStream(staged)) {
                        existing.update(in);
                        existing.start();
                    } catch (BundleException | RuntimeException e) {
                        rollBack(existing, archived);
                        return rejected(request, mode, identity, InstallOutcome.INVALID_APP, "The new version cannot start ("
                                + e.getMessage() + "); the earlier version was restored and keeps running.", verification, appSha256);
                    }
                    decision = "UPDATED";
                }
            } catch (BundleException e) {
                return rejected(request, mode, identity, InstallOutcome.INVALID_APP, "The framework refused the app ("
                        + e.getMessage() + "); nothing was installed.", verification, appSha256);
            }
            AppRecord record = verification == null
                    ? new AppRecord(key, identity.version(), SignatureStatus.UNSIGNED, null, null, null, appSha256, now)
                    : new AppRecord(key, identity.version(), verification.verified() ? SignatureStatus.VERIFIED : SignatureStatus.UNSIGNED,
                            verification.flow(), verification.signer(), verification.reason(), appSha256, now);
            try {
                records.put(record);
            } catch (IOException e) {
                // Installed but not recorded would be an app the manager cannot account for: undo it.
                if (existing == null) {
                    findByName(key).ifPresent(GateComponent::uninstallQuietly);
                } else {
                    rollBack(existing, archived);
                }
                throw e;
            }
            Files.move(staged, archived, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return installed(request, mode, identity, verification, appSha256, decision, record);
        } finally {
            Files.deleteIfExists(staged);
        }
    }

    private static String archiveName(String key) {
        return HexFormat.of().formatHex(sha256().digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8))) + ".jar";
    }

    private InstallOutcome installed(InstallRequest request, Mode mode, BundleManifests.Identity identity,
                                     VerificationResult verification, String appSha256, String decision, AppRecord record) {
        String key = identity.symbolicName();
        String code = verification == null ? "NOT_CHECKED" : verification.reason().name();
        String message = verification == null
                ? "Installed without a signature check: the mode for this origin is OFF."
                : verification.verified() ? verification.message()
                : "Installed although it did not verify, because the mode is WARN: " + verification.message();
        audit(request, mode, identity.symbolicName(), identity.version(), appSha256, decision, code, verification);
        LOG.log(Level.INFO, decision + " " + key + " " + identity.version() + " (" + code + ", mode " + mode + ", by " + request.user() + ")");
        return new InstallOutcome(true, code, message, record, verification);
    }

    private void rollBack(Bundle bundle, Path archived) {
        try (InputStream in = Files.newInputStream(archived)) {
            bundle.update(in);
            bundle.start();
        } catch (IOException | BundleException | RuntimeException e) {
            LOG.log(Level.ERROR, "Could not restore the earlier version of " + bundle.getSymbolicName(), e);
        }
    }

    private InstallOutcome rejected(InstallRequest request, Mode mode, BundleManifests.Identity identity, String code,
                                    String message, VerificationResult verification, String appSha256) {
        audit(request, mode, identity == null ? null : identity.symbolicName(), identity == null ? null : identity.version(),
                appSha256, "REJECTED", code, verification);
        LOG.log(Level.WARNING, "Rejected " + request.fileName() + " (" + code + ", mode " + mode + ", by " + request.user() + "): " + message);
        return new InstallOutcome(false, code, message, null, verification);
    }

    private void audit(InstallRequest request, Mode mode, String key, String version, String appSha256, String decision,
                       String reason, VerificationResult verification) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("user", request.user());
        line.put("file", request.fileName());
        line.put("key", key);
        line.put("version", version);
        line.put("sha256", appSha256);
        line.put("origin", request.origin().name());
        line.put("mode", mode.name());
        line.put("decision", decision);
        line.put("reason", reason);
        line.put("signer", verification == null || verification.signer() == null ? null
                : Map.of("subject", verification.signer().subject(), "sha256", verification.signer().sha256()));
        appendAudit(line);
    }

    private void appendAudit(Map<String, Object> line) {
        try {
            audit.append(line);
        } catch (IOException e) {
            LOG.log(Level.ERROR, "Could not write the audit log " + audit.file() + ": " + line, e);
        }
    }

    @Override
    public boolean uninstall(String key, String user) {
        Optional<Bundle> found = findByName(key).filter(GateComponent::isApp);
        if (found.isEmpty()) {
            return false;
        }
        synchronized (keyLocks.computeIfAbsent(key, k -> new Object())) {
            Bundle bundle = found.get();
            String version = bundle.getVersion().toString();
            try {
                bundle.uninstall();
                records.remove(key);
                Files.deleteIfExists(archive.resolve(archiveName(key)));
            } catch (BundleException | IOException e) {
                throw new IllegalStateException("could not uninstall " + key + ": " + e.getMessage(), e);
            }
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("time", Instant.now().toString());
            line.put("user", user);
            line.put("key", key);
            line.put("version", version);
            line.put("decision", "UNINSTALLED");
            appendAudit(line);
            return true;
        }
    }

    private Optional<Bundle> findByName(String symbolicName) {
        for (Bundle bundle : context.getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName())) {
                return Optional.of(bundle);
            }
        }
        return Optional.empty();
    }

    @Override
    public List<AppRecord> all() {
        return records.all();
    }

    @Override
    public Optional<AppRecord> find(String key) {
        return records.find(key);
    }

    @Override
    public void recordFileSystem(String key, String version, String appSha256) {
        try {
            records.put(new AppRecord(key, version, SignatureStatus.FILE_SYSTEM, null, null, null, appSha256, Instant.now()));
        } catch (IOException e) {
            throw new IllegalStateException("could not save the record of " + key, e);
        }
    }

    private static void uninstallQuietly(Bundle bundle) {
        try {
            bundle.uninstall();
        } catch (BundleException | RuntimeException e) {
            LOG.log(Level.ERROR, "Could not remove the app that failed to start: " + bundle.getSymbolicName(), e);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.log(Level.ERROR, "Could not delete the spool file " + file, e);
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
