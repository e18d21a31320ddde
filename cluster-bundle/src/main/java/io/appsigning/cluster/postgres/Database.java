package io.appsigning.cluster.postgres;

import io.appsigning.cluster.ClusterUnavailableException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The connections to the cluster's database: a small bounded pool, each connection checked before it
 * is lent, and every failure turned into a {@link ClusterUnavailableException} that names the
 * database (never the password) and what was being done.
 *
 * <p>The timeouts bound every call: a database that stops answering (a host gone, a network cut, a
 * paused server) fails calls within about {@value #SOCKET_TIMEOUT_SECONDS} s instead of hanging the
 * request that made them.
 */
final class Database implements AutoCloseable {

    /** TCP connect and sign-in, each. */
    static final int CONNECT_TIMEOUT_SECONDS = 5;
    /** Waiting for any one answer of the server. */
    static final int SOCKET_TIMEOUT_SECONDS = 10;
    /** Checking a pooled connection before lending it. */
    static final int VALIDATE_SECONDS = 2;
    static final int POOL_SIZE = 8;
    /**
     * Server-side limits, below the socket timeout so that the server's own clear error arrives first:
     * a lock held too long (another node stuck in the chain's transaction), and a transaction left
     * open by a node that vanished, which would otherwise hold the chain's lock for ever.
     */
    private static final String SERVER_OPTIONS = "-c lock_timeout=8000 -c idle_in_transaction_session_timeout=30000";

    /** Work on one connection. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final ClusterSettings settings;
    private final PGSimpleDataSource source = new PGSimpleDataSource();
    private final Semaphore lendable = new Semaphore(POOL_SIZE, true);
    private final Deque<Connection> idle = new ArrayDeque<>();
    private volatile boolean reachable;
    /** Why calls are refused although the server may answer (the schema not yet in place), or null. */
    private volatile String notReady;
    private volatile boolean closed;

    Database(ClusterSettings settings) {
        this.settings = settings;
        source.setUrl(settings.jdbcUrl());
        source.setUser(settings.user());
        if (settings.password() != null) {
            source.setPassword(settings.password());
        }
        source.setConnectTimeout(CONNECT_TIMEOUT_SECONDS);
        source.setLoginTimeout(CONNECT_TIMEOUT_SECONDS);
        source.setSocketTimeout(SOCKET_TIMEOUT_SECONDS);
        source.setTcpKeepAlive(true);
        source.setOptions(SERVER_OPTIONS);
        source.setApplicationName("appsign " + settings.nodeId());
        notReady = "its schema has not been checked yet";
    }

    ClusterSettings settings() {
        return settings;
    }

    boolean reachable() {
        return reachable && notReady == null;
    }

    /** Calls are refused with this reason until {@link #ready()}. */
    void notReady(String reason) {
        notReady = reason;
    }

    void ready() {
        notReady = null;
    }

    /** One or more statements, each committed on its own. */
    <T> T call(String what, Work<T> work) throws ClusterUnavailableException {
        return lend(what, false, true, work);
    }

    /** Statements in one transaction: all of them or none. */
    <T> T transaction(String what, Work<T> work) throws ClusterUnavailableException {
        return lend(what, true, true, work);
    }

    /** A transaction that may run before the schema is in place: the migrations themselves. */
    <T> T transactionBeforeReady(String what, Work<T> work) throws ClusterUnavailableException {
        return lend(what, true, false, work);
    }

    /** A connection of its own, outside the pool, for LISTEN; the caller closes it. */
    Connection dedicated(String what) throws ClusterUnavailableException {
        try {
            Connection connection = source.getConnection();
            reachable = true;
            return connection;
        } catch (SQLException e) {
            throw connectFailure(what, e);
        }
    }

    /** Records the outcome of work done on a dedicated connection. */
    void outcome(boolean answered) {
        reachable = answered;
    }

    ClusterUnavailableException failure(String what, SQLException e, boolean lost) {
        if (lost) {
            reachable = false;
        }
        return new ClusterUnavailableException("Could not " + what + ": the cluster's database " + settings.database()
                + (lost ? " cannot be reached (" : " refused it (") + e.getMessage() + ")", e);
    }

    /**
     * A connection that could not be opened. The server that answered with a refusal of the sign-in or
     * of the database's name is reachable, but not usable either: the node counts it as unreachable,
     * while the message names what the operator has to correct instead of blaming the network.
     */
    private ClusterUnavailableException connectFailure(String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String refusal;
        if (state.startsWith("28")) {
            refusal = " refused this node's sign-in as " + settings.user()
                    + " (check the database user and password this node is given): ";
        } else if (state.equals("3D000")) {
            refusal = " does not exist on its server (check the database's name in the URL this node is given): ";
        } else {
            return failure(what, e, true);
        }
        reachable = false;
        return new ClusterUnavailableException("Could not " + what + ": the cluster's database " + settings.database()
                + refusal + e.getMessage(), e);
    }

    private <T> T lend(String what, boolean transaction, boolean needsReady, Work<T> work)
            throws ClusterUnavailableException {
        String refusal = notReady;
        if (needsReady && refusal != null) {
            throw new ClusterUnavailableException("Could not " + what + ": the cluster's database "
                    + settings.database() + " is not ready: " + refusal);
        }
        if (closed) {
            throw new ClusterUnavailableException("Could not " + what + ": this node's connection to the cluster's"
                    + " database " + settings.database() + " is closed (the bundle is stopping)");
        }
        try {
            if (!lendable.tryAcquire(CONNECT_TIMEOUT_SECONDS + SOCKET_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new ClusterUnavailableException("Could not " + what + ": all " + POOL_SIZE + " connections to"
                        + " the cluster's database " + settings.database() + " stayed busy");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterUnavailableException("Could not " + what + ": interrupted while waiting for a connection"
                    + " to the cluster's database " + settings.database());
        }
        try {
            Connection connection;
            try {
                connection = borrow();
            } catch (SQLException e) {
                throw connectFailure(what, e);
            }
            boolean keep = false;
            try {
                connection.setAutoCommit(!transaction);
                T result = work.run(connection);
                if (transaction) {
                    connection.commit();
                }
                reachable = true;
                keep = true;
                return result;
            } catch (SQLException e) {
                boolean lost = lost(e, connection);
                if (!lost) {
                    // A statement's own error (a constraint, a lock timeout) leaves the connection usable:
                    // without a transaction nothing is left open on it, with one the rollback must succeed.
                    keep = !transaction || rollback(connection);
                }
                throw failure(what, e, lost);
            } finally {
                giveBack(connection, keep);
            }
        } finally {
            lendable.release();
        }
    }

    private Connection borrow() throws SQLException {
        while (true) {
            Connection pooled;
            synchronized (idle) {
                pooled = idle.pollFirst();
            }
            if (pooled == null) {
                return source.getConnection();
            }
            // A pooled connection may have died with an outage; a fresh one is cheap beside a failed call.
            if (pooled.isValid(VALIDATE_SECONDS)) {
                return pooled;
            }
            quietlyClose(pooled);
        }
    }

    private void giveBack(Connection connection, boolean keep) {
        if (keep && !closed) {
            synchronized (idle) {
                if (!closed) {
                    idle.addFirst(connection);
                    return;
                }
            }
        }
        quietlyClose(connection);
    }

    private static boolean rollback(Connection connection) {
        try {
            connection.rollback();
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Whether the connection (not the statement) failed: the server is gone or the link is broken. */
    static boolean lost(SQLException e, Connection connection) {
        String state = e.getSQLState();
        if (state == null || state.startsWith("08") || state.startsWith("57P")) {
            return true;
        }
        try {
            return connection != null && connection.isClosed();
        } catch (SQLException closedCheck) {
            return true;
        }
    }

    static void quietlyClose(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // Closing a connection to a server that is gone fails too; there is nothing left to release.
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (idle) {
            idle.forEach(Database::quietlyClose);
            idle.clear();
        }
    }
}
