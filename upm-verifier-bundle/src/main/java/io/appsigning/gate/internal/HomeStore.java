package io.appsigning.gate.internal;

import io.appsigning.audit.internal.AuditLog;
import io.appsigning.audit.AuditTrail;
import io.appsigning.cluster.ClusterLedger;
import io.appsigning.cluster.ClusterMode;
import io.appsigning.cluster.ClusterUnavailableException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The product home's state that must have exactly one writer: the app records and the audit log.
 * Its own component, so that the gate and the policy can come and go (configuration changes,
 * reference churn) without a second writer ever opening the same files with a stale view; a
 * {@link FileLock} on {@code data/.lock} keeps a second process (or a second framework) off the
 * same home.
 *
 * <p>In Data Center mode the audit log is the cluster's one chain in its database ({@link
 * ClusterLedger}); the records here are then this node's own view of what it runs, and the shared
 * configuration folder is the shared home's.
 */
@Component(service = {HomeStore.class, AuditTrail.class})
public final class HomeStore implements AuditTrail {

    /** The framework property that names the product home; the host sets it, nothing here guesses it. */
    public static final String HOME_PROPERTY = "appsigning.home";
    /** The framework property that names the operator's configuration folder (default: the home's {@code upmconfig}). */
    public static final String UPMCONFIG_PROPERTY = "appsigning.upmconfig";
    private static final System.Logger LOG = System.getLogger(HomeStore.class.getName());

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ClusterLedger ledger;

    private boolean clustered;
    private Path home;
    private Path upmconfig;
    private Path data;
    private FileChannel lockChannel;
    private FileLock lock;
    private RecordStore records;
    private AuditLog audit;

    @Activate
    void activate(BundleContext context) throws IOException {
        String configured = context.getProperty(HOME_PROPERTY);
        if (configured == null || configured.isBlank()) {
            throw new IllegalStateException("The framework property " + HOME_PROPERTY + " is not set: the product must"
                    + " name its home folder; app signing keeps its records and audit log under it.");
        }
        clustered = ClusterMode.on(context.getProperty(ClusterMode.DATABASE));
        String shared = context.getProperty(UPMCONFIG_PROPERTY);
        Path homeFolder = Path.of(configured).toAbsolutePath().normalize();
        open(homeFolder, shared == null || shared.isBlank() ? homeFolder.resolve("upmconfig")
                : Path.of(shared).toAbsolutePath().normalize());
    }

    /** Opens the home's state; also the way plain-Java tests build one. */
    void open(Path homeFolder) throws IOException {
        open(homeFolder, homeFolder.resolve("upmconfig"));
    }

    private void open(Path homeFolder, Path configFolder) throws IOException {
        home = homeFolder;
        upmconfig = configFolder;
        data = privateFolder(home.resolve("data"));
        lockChannel = FileChannel.open(data.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IllegalStateException("Another product process (or framework) already uses the home " + home
                    + "; two writers would corrupt its app records and fork its audit log. Stop the other one first.");
        }
        records = new RecordStore(data.resolve("app-records.json"));
        if (clustered) {
            LOG.log(Level.INFO, "Data Center mode: the audit log is the cluster's chain in its database; the operator's"
                    + " configuration is " + upmconfig);
            return;
        }
        // Only a single node keeps its own audit log; a cluster's is in its database.
        audit = AuditLog.open(privateFolder(home.resolve("audit")).resolve("audit.log"));
        LOG.log(Level.INFO, "Audit log " + audit.file() + ": " + audit.lines() + " lines, head " + audit.head()
                + " (check it with: appsign audit-verify --log " + audit.file() + " --head " + audit.head() + ")");
    }

    static Path privateFolder(Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
        return folder;
    }

    @Deactivate
    void close() {
        try {
            if (lock != null) {
                lock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Could not release the lock on " + data + ": " + e.getMessage());
        }
    }

    Path home() {
        return home;
    }

    /** The operator's configuration folder: the trust store, the deny list and signing.properties. */
    Path upmconfig() {
        return upmconfig;
    }

    /** Whether this node is one of a Data Center cluster. */
    boolean clustered() {
        return clustered;
    }

    /** The cluster's ledger; throws when the node is clustered but the database bundle is not (yet) there. */
    ClusterLedger ledger() throws ClusterUnavailableException {
        ClusterLedger current = ledger;
        if (current == null) {
            throw new ClusterUnavailableException("The cluster database is not connected (the product is starting, or its"
                    + " database bundle is missing); nothing was changed.");
        }
        return current;
    }

    Path data() {
        return data;
    }

    RecordStore records() {
        return records;
    }

    /** Appends one audit line; the caller decides what a failure means. */
    void audit(Map<String, ?> line) throws IOException {
        append(line);
    }

    @Override
    public void append(Map<String, ?> line) throws IOException {
        if (clustered) {
            ledger().append(line);
        } else {
            audit.append(line);
        }
    }

    @Override
    public String head() {
        if (clustered) {
            ClusterLedger current = ledger;
            return current == null ? null : current.head();
        }
        return audit.head();
    }

    @Override
    public long lines() {
        if (clustered) {
            ClusterLedger current = ledger;
            return current == null ? 0 : current.lines();
        }
        return audit.lines();
    }

    @Override
    public String location() {
        return clustered ? "the cluster database (table appsign_audit)" : audit.file().toString();
    }
}
