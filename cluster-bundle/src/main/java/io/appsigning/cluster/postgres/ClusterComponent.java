package io.appsigning.cluster.postgres;

import io.appsigning.cluster.ClusterChange;
import io.appsigning.cluster.ClusterLedger;
import io.appsigning.cluster.ClusterMode;
import io.appsigning.cluster.ClusterSessions;
import io.appsigning.cluster.NodeStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The OSGi edge: builds this node's {@link PostgresCluster} from the framework's properties and the
 * environment, and offers it as the cluster's services. Everything else is plain Java.
 */
@Component(immediate = true, service = {ClusterLedger.class, ClusterSessions.class})
public final class ClusterComponent implements ClusterLedger, ClusterSessions {

    /** The database user and password come from the environment, never from a file or a property. */
    static final String USER_ENV = "APPSIGN_DB_USER";
    static final String PASSWORD_ENV = "APPSIGN_DB_PASSWORD";

    private PostgresCluster cluster;
    private ClusterLedger ledger;
    private ClusterSessions sessions;

    @Activate
    void activate(BundleContext context) {
        String database = property(context, ClusterMode.DATABASE);
        String nodeId = property(context, ClusterMode.NODE_ID);
        Path sharedHome = Path.of(property(context, ClusterMode.SHARED_HOME)).toAbsolutePath().normalize();
        cluster = PostgresCluster.start(new ClusterSettings(database, environment(USER_ENV),
                System.getenv(PASSWORD_ENV), nodeId, sharedHome));
        ledger = cluster.ledger();
        sessions = cluster.sessions();
    }

    @Deactivate
    void deactivate() {
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

    // ---- ClusterLedger -------------------------------------------------------------------------

    @Override
    public String nodeId() {
        return ledger.nodeId();
    }

    @Override
    public boolean reachable() {
        return ledger.reachable();
    }

    @Override
    public String store(Path app, String appSha256, byte[] signatureFile) throws IOException {
        return ledger.store(app, appSha256, signatureFile);
    }

    @Override
    public InputStream openApp(String appSha256) throws IOException {
        return ledger.openApp(appSha256);
    }

    @Override
    public byte[] signatureFile(String signatureSha256) throws IOException {
        return ledger.signatureFile(signatureSha256);
    }

    @Override
    public ClusterChange commit(ClusterChange change, Map<String, ?> auditLine) throws IOException {
        return ledger.commit(change, auditLine);
    }

    @Override
    public List<ClusterChange> apps() throws IOException {
        return ledger.apps();
    }

    @Override
    public Optional<ClusterChange> app(String key) throws IOException {
        return ledger.app(key);
    }

    @Override
    public long lastSeq() throws IOException {
        return ledger.lastSeq();
    }

    @Override
    public void awaitChange(Duration timeout) throws InterruptedException {
        ledger.awaitChange(timeout);
    }

    @Override
    public void append(Map<String, ?> auditLine) throws IOException {
        ledger.append(auditLine);
    }

    @Override
    public String head() {
        return ledger.head();
    }

    @Override
    public long lines() {
        return ledger.lines();
    }

    @Override
    public List<String> auditLines(long from, int max) throws IOException {
        return ledger.auditLines(from, max);
    }

    @Override
    public Map<String, String> adminPolicy() throws IOException {
        return ledger.adminPolicy();
    }

    @Override
    public void saveAdminPolicy(Map<String, String> values) throws IOException {
        ledger.saveAdminPolicy(values);
    }

    @Override
    public void report(NodeStatus status) throws IOException {
        ledger.report(status);
    }

    @Override
    public List<NodeStatus> nodes() throws IOException {
        return ledger.nodes();
    }

    // ---- ClusterSessions -----------------------------------------------------------------------

    @Override
    public void put(String idSha256, StoredSession session) throws IOException {
        sessions.put(idSha256, session);
    }

    @Override
    public Optional<StoredSession> touch(String idSha256, Instant now, Duration idle) throws IOException {
        return sessions.touch(idSha256, now, idle);
    }

    @Override
    public void remove(String idSha256) throws IOException {
        sessions.remove(idSha256);
    }

    @Override
    public Admission admit(String account, Instant now, int maxFailures, Duration lockout) throws IOException {
        return sessions.admit(account, now, maxFailures, lockout);
    }

    @Override
    public boolean settle(String account, boolean succeeded, Instant now, int maxFailures, Duration lockout)
            throws IOException {
        return sessions.settle(account, succeeded, now, maxFailures, lockout);
    }
}
