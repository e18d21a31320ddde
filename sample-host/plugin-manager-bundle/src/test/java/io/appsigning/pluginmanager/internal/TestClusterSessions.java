package io.appsigning.pluginmanager.internal;

import io.appsigning.cluster.ClusterSessions;
import io.appsigning.cluster.ClusterUnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cluster's session table as the PostgreSQL bundle keeps it, in memory, for the nodes of one
 * test: what {@link ClusterSessions} promises (atomic admission, expiry on touch) and nothing more.
 * {@link #down} makes every call fail as a database that cannot be reached does.
 */
final class TestClusterSessions implements ClusterSessions {

    final Map<String, StoredSession> sessions = new ConcurrentHashMap<>();
    /** Every key a node handed over, to prove that only digests leave a node. */
    final Set<String> keysSeen = ConcurrentHashMap.newKeySet();
    volatile boolean down;
    /** Fails like a provider with a bug rather than a database outage. */
    volatile boolean broken;
    private int failures;
    private Instant lockedUntil = Instant.MIN;

    private void reach() throws IOException {
        if (broken) {
            throw new IllegalStateException("connection pool closed");
        }
        if (down) {
            throw new ClusterUnavailableException("connection refused: db:5432");
        }
    }

    @Override
    public void put(String idSha256, StoredSession session) throws IOException {
        reach();
        keysSeen.add(idSha256);
        sessions.put(idSha256, session);
    }

    @Override
    public Optional<StoredSession> touch(String idSha256, Instant now, Duration idle) throws IOException {
        reach();
        keysSeen.add(idSha256);
        StoredSession session = sessions.get(idSha256);
        if (session == null) {
            return Optional.empty();
        }
        if (session.lastUsed().plus(idle).isBefore(now)) {
            sessions.remove(idSha256);
            return Optional.empty();
        }
        StoredSession touched = new StoredSession(session.user(), session.csrfToken(), now);
        sessions.put(idSha256, touched);
        return Optional.of(touched);
    }

    @Override
    public void remove(String idSha256) throws IOException {
        reach();
        keysSeen.add(idSha256);
        sessions.remove(idSha256);
    }

    @Override
    public synchronized Admission admit(String account, Instant now, int maxFailures, Duration lockout) throws IOException {
        reach();
        if (now.isBefore(lockedUntil)) {
            return new Admission(false, lockedUntil, false);
        }
        if (failures >= maxFailures) {
            lockedUntil = now.plus(lockout);
            failures = 0;
            return new Admission(false, lockedUntil, true);
        }
        failures++;
        return new Admission(true, null, false);
    }

    @Override
    public synchronized boolean settle(String account, boolean succeeded, Instant now, int maxFailures, Duration lockout)
            throws IOException {
        reach();
        if (succeeded) {
            failures = 0;
            return false;
        }
        if (failures >= maxFailures && !now.isBefore(lockedUntil)) {
            lockedUntil = now.plus(lockout);
            failures = 0;
            return true;
        }
        return false;
    }
}
