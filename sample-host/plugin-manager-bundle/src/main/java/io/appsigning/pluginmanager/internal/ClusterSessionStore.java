package io.appsigning.pluginmanager.internal;

import io.appsigning.cluster.ClusterSessions;
import io.appsigning.cluster.ClusterSessions.Admission;
import io.appsigning.cluster.ClusterUnavailableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Data Center mode: sessions and the lock-out in the cluster's database, through
 * {@link ClusterSessions}, so that a load balancer may send any request to any node. The service is
 * looked up on every call (it comes and goes with the database bundle); when it is absent or fails,
 * every call throws {@link ClusterUnavailableException}: there is no memory to fall back on, since
 * a session or a count kept on one node would let the other nodes disagree about who is signed in.
 */
final class ClusterSessionStore implements SessionStore {

    /**
     * Between the user and the session's {@link AdminAuth#hashTag} in the stored user name: the
     * tag rides in a column the table already has, so neither {@link ClusterSessions} nor the
     * schema changes for it. No user name holds a space.
     */
    static final String TAG = " ";

    private final Supplier<ClusterSessions> service;

    ClusterSessionStore(Supplier<ClusterSessions> service) {
        this.service = service;
    }

    private interface Call<T> {
        T on(ClusterSessions sessions) throws IOException;
    }

    private <T> T call(Call<T> call) throws ClusterUnavailableException {
        ClusterSessions sessions = service.get();
        if (sessions == null) {
            throw new ClusterUnavailableException("the cluster's session service is not running");
        }
        try {
            return call.on(sessions);
        } catch (ClusterUnavailableException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Whatever went wrong in the provider, nobody is signed in on the strength of it.
            throw new ClusterUnavailableException("the cluster's session service failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void put(AdminAuth.Session session) throws IOException {
        String id = sha256(session.id());
        call(sessions -> {
            sessions.put(id, new ClusterSessions.StoredSession(session.user() + TAG + session.hashTag(), session.csrfToken(),
                    session.lastUsed()));
            return null;
        });
    }

    @Override
    public Optional<AdminAuth.Session> touch(String id, Instant now) throws IOException {
        Optional<ClusterSessions.StoredSession> stored = call(sessions -> sessions.touch(sha256(id), now, AdminAuth.SESSION_IDLE));
        if (stored == null) {
            throw new ClusterUnavailableException("the cluster's session service answered nothing");
        }
        return stored.map(s -> {
            int tag = s.user().lastIndexOf(TAG);
            // A row without a tag (made before sessions had one) gets an empty one, which no hash has: refused.
            return tag < 0 ? new AdminAuth.Session(id, s.user(), s.csrfToken(), s.lastUsed(), "")
                    : new AdminAuth.Session(id, s.user().substring(0, tag), s.csrfToken(), s.lastUsed(),
                            s.user().substring(tag + TAG.length()));
        });
    }

    @Override
    public void remove(String id) throws IOException {
        call(sessions -> {
            sessions.remove(sha256(id));
            return null;
        });
    }

    @Override
    public Admission admit(Instant now) throws IOException {
        Admission admission = call(sessions -> sessions.admit(AdminAuth.USER, now, AdminAuth.MAX_FAILURES, AdminAuth.LOCKOUT));
        if (admission == null || (!admission.admitted() && admission.lockedUntil() == null)) {
            throw new ClusterUnavailableException("the cluster's session service answered no admission");
        }
        return admission;
    }

    @Override
    public boolean settle(boolean succeeded, Instant now) throws IOException {
        return call(sessions -> sessions.settle(AdminAuth.USER, succeeded, now, AdminAuth.MAX_FAILURES, AdminAuth.LOCKOUT));
    }

    /** Only a digest of a session id leaves this node: a read of the sessions table yields no usable cookie. */
    static String sha256(String id) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
