package io.appsigning.cluster.postgres;

import io.appsigning.cluster.ClusterUnavailableException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * This node's ear on the database: a connection of its own that LISTENs on {@value #CHANNEL}, where
 * every commit of a change (and of the admin's policy) NOTIFYs. Notifications that arrive between two
 * waits stay queued on the connection, so a single waiting thread misses none; notifications sent
 * while the connection was lost are gone, which is why a wait ends as soon as the connection is back
 * (the caller reads the state again, the polling fallback).
 */
final class ChangeListener implements AutoCloseable {

    /** The NOTIFY channel; the payload is the change's seq, or {@code policy}. */
    static final String CHANNEL = "appsign_changes";
    /** How long one blocking read waits before the thread looks at its interrupt flag again. */
    private static final int SLICE_MILLIS = 250;
    /**
     * After this long without a word the connection is asked a question: a server that went away
     * without closing the socket says nothing, and a silent connection would look like a quiet cluster.
     */
    private static final long PING_AFTER_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long FIRST_BACKOFF_MILLIS = 250;
    private static final long MAX_BACKOFF_MILLIS = 5_000;

    private final Database database;
    private final ReentrantLock waiting = new ReentrantLock();
    private volatile Connection connection;
    private volatile boolean closed;
    private long lastHeard;
    private long backoffMillis = FIRST_BACKOFF_MILLIS;
    private long nextAttempt;

    ChangeListener(Database database) {
        this.database = database;
    }

    /** Starts listening if the database answers; otherwise the first wait tries again. */
    void open() {
        waiting.lock();
        try {
            if (connection == null) {
                connect();
            }
        } finally {
            waiting.unlock();
        }
    }

    /**
     * Waits for a notification, for the connection to come back after it was lost, or for the
     * timeout; never throws for a database problem.
     */
    void await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        if (!waiting.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            return;
        }
        try {
            while (true) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                long remaining = deadline - System.nanoTime();
                if (closed) {
                    TimeUnit.NANOSECONDS.sleep(Math.max(0, remaining));
                    return;
                }
                if (connection == null) {
                    long untilAttempt = nextAttempt - System.nanoTime();
                    if (untilAttempt > 0) {
                        if (remaining <= 0) {
                            return;
                        }
                        TimeUnit.NANOSECONDS.sleep(Math.min(untilAttempt, remaining));
                        continue;
                    }
                    if (connect()) {
                        return;
                    }
                    continue;
                }
                if (remaining <= 0) {
                    return;
                }
                if (heard((int) Math.max(1, Math.min(SLICE_MILLIS, TimeUnit.NANOSECONDS.toMillis(remaining))))) {
                    return;
                }
            }
        } finally {
            waiting.unlock();
        }
    }

    /** Reads notifications for up to {@code millis}; false when none came (or the connection was lost). */
    private boolean heard(int millis) {
        Connection current = connection;
        try {
            PGNotification[] notifications = current.unwrap(PGConnection.class).getNotifications(millis);
            long now = System.nanoTime();
            if (notifications != null && notifications.length > 0) {
                lastHeard = now;
                return true;
            }
            if (now - lastHeard > PING_AFTER_NANOS) {
                try (Statement statement = current.createStatement()) {
                    statement.execute("SELECT 1");
                }
                lastHeard = System.nanoTime();
                database.outcome(true);
            }
            return false;
        } catch (SQLException e) {
            drop();
            database.outcome(false);
            return false;
        }
    }

    /** Must hold {@link #waiting}. Returns whether the connection is listening now. */
    private boolean connect() {
        Connection fresh = null;
        try {
            fresh = database.dedicated("listen for the cluster's changes");
            fresh.setAutoCommit(true);
            try (Statement statement = fresh.createStatement()) {
                statement.execute("LISTEN " + CHANNEL);
            }
            connection = fresh;
            lastHeard = System.nanoTime();
            backoffMillis = FIRST_BACKOFF_MILLIS;
            if (closed) {
                drop();
            }
            return true;
        } catch (ClusterUnavailableException | SQLException e) {
            if (fresh != null) {
                Database.quietlyClose(fresh);
            }
            database.outcome(false);
            nextAttempt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis);
            backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
            return false;
        }
    }

    private void drop() {
        Connection lost = connection;
        connection = null;
        if (lost != null) {
            Database.quietlyClose(lost);
        }
    }

    @Override
    public void close() {
        closed = true;
        drop();
    }
}
