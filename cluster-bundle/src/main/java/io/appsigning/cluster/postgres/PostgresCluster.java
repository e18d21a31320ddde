package io.appsigning.cluster.postgres;

import io.appsigning.cluster.ClusterLedger;
import io.appsigning.cluster.ClusterSessions;
import io.appsigning.cluster.ClusterUnavailableException;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One node's view of the cluster's shared state: the database (its schema brought up to date
 * first), the LISTEN connection, the shared home. Plain Java, so that tests run several "nodes" in
 * one process; the OSGi component only builds one from the framework's properties.
 *
 * <p>A database that cannot be reached at start does not stop the node: the schema is checked again
 * in the background, with growing pauses, and until then every call fails with a clear
 * {@link ClusterUnavailableException} and {@link ClusterLedger#reachable()} is false.
 */
public final class PostgresCluster implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PostgresCluster.class.getName());
    private static final long FIRST_RETRY_MILLIS = 1_000;
    private static final long MAX_RETRY_MILLIS = 15_000;

    private final ClusterSettings settings;
    private final Database database;
    private final ChangeListener listener;
    private final PostgresLedger ledger;
    private final PostgresSessions sessions;
    private final List<Migrations.Migration> migrations;
    private final ScheduledExecutorService retries;
    private volatile boolean closed;

    private PostgresCluster(ClusterSettings settings) {
        this.settings = settings;
        this.migrations = Migrations.bundled();
        this.database = new Database(settings);
        this.listener = new ChangeListener(database);
        this.ledger = new PostgresLedger(database, new SharedHome(settings.sharedHome()), listener, settings.nodeId());
        this.sessions = new PostgresSessions(database);
        this.retries = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "appsign-cluster-schema " + settings.nodeId());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Connects and brings the schema up to date, or, when the database cannot be reached, keeps trying
     * in the background.
     *
     * @throws Migrations.SchemaTooNewException (an IllegalStateException) when a newer product has
     *         upgraded the database: this node must not use it
     */
    public static PostgresCluster start(ClusterSettings settings) {
        PostgresCluster cluster = new PostgresCluster(settings);
        try {
            cluster.migrate();
        } catch (ClusterUnavailableException e) {
            cluster.database.notReady("its schema could not be checked yet (" + e.getMessage() + ")");
            LOG.log(Level.WARNING, e.getMessage() + "; trying again in the background. Uploads, uninstalls and"
                    + " settings are refused until the database answers.");
            cluster.retryIn(FIRST_RETRY_MILLIS);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private void migrate() throws ClusterUnavailableException {
        int version = Migrations.apply(database, migrations);
        database.ready();
        listener.open();
        ledger.refreshHead();
        LOG.log(Level.INFO, "Cluster database " + settings.database() + " (schema version " + version + "), node "
                + settings.nodeId() + ", audit chain head " + ledger.head() + " after " + ledger.lines() + " lines");
    }

    private void retryIn(long millis) {
        if (closed) {
            return;
        }
        retries.schedule(() -> {
            try {
                migrate();
            } catch (ClusterUnavailableException e) {
                database.notReady("its schema could not be checked yet (" + e.getMessage() + ")");
                retryIn(Math.min(MAX_RETRY_MILLIS, millis * 2));
            } catch (Migrations.SchemaTooNewException e) {
                database.notReady(e.getMessage());
                LOG.log(Level.ERROR, e.getMessage());
            } catch (RuntimeException e) {
                database.notReady("its schema could not be checked (" + e + ")");
                LOG.log(Level.ERROR, "Could not check the cluster database's schema; trying again", e);
                retryIn(MAX_RETRY_MILLIS);
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    public ClusterLedger ledger() {
        return ledger;
    }

    public ClusterSessions sessions() {
        return sessions;
    }

    @Override
    public void close() {
        closed = true;
        retries.shutdownNow();
        listener.close();
        database.close();
    }
}
