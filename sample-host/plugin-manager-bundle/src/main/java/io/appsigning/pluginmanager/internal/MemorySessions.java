package io.appsigning.pluginmanager.internal;

import io.appsigning.cluster.ClusterSessions.Admission;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A single node's sessions and lock-out, in memory: they live as long as the {@link AdminAuth} component. */
final class MemorySessions implements SessionStore {

    private final Map<String, AdminAuth.Session> sessions = new ConcurrentHashMap<>();
    private int failures;
    private Instant lockedUntil = Instant.MIN;

    @Override
    public void put(AdminAuth.Session session) {
        sessions.put(session.id(), session);
    }

    @Override
    public Optional<AdminAuth.Session> touch(String id, Instant now) {
        AdminAuth.Session session = sessions.get(id);
        if (session == null) {
            return Optional.empty();
        }
        if (session.lastUsed().plus(AdminAuth.SESSION_IDLE).isBefore(now)) {
            sessions.remove(id);
            return Optional.empty();
        }
        AdminAuth.Session touched = new AdminAuth.Session(session.id(), session.user(), session.csrfToken(), now, session.hashTag());
        sessions.put(id, touched);
        return Optional.of(touched);
    }

    @Override
    public void remove(String id) {
        sessions.remove(id);
    }

    @Override
    public synchronized Admission admit(Instant now) {
        if (now.isBefore(lockedUntil)) {
            return new Admission(false, lockedUntil, false);
        }
        if (failures >= AdminAuth.MAX_FAILURES) {
            lock(now);
            return new Admission(false, lockedUntil, true);
        }
        // Counted before the check: a burst of concurrent guesses cannot outrun the count.
        failures++;
        return new Admission(true, null, false);
    }

    @Override
    public synchronized boolean settle(boolean succeeded, Instant now) {
        if (succeeded) {
            failures = 0;
            return false;
        }
        if (failures >= AdminAuth.MAX_FAILURES && !now.isBefore(lockedUntil)) {
            lock(now);
            return true;
        }
        return false;
    }

    /** Must hold this. */
    private void lock(Instant now) {
        lockedUntil = now.plus(AdminAuth.LOCKOUT);
        failures = 0;
    }
}
