package io.appsigning.cluster;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The admin's sessions and the account's lock-out, shared by every node (a service, registered only
 * in Data Center mode), so that a load balancer may send any request to any node. Session ids are
 * stored only as their SHA-256.
 */
@ProviderType
public interface ClusterSessions {

    /** A live session. */
    record StoredSession(String user, String csrfToken, Instant lastUsed) {}

    /** Stores a new session. */
    void put(String idSha256, StoredSession session) throws IOException;

    /**
     * The session if it is live (used within {@code idle} of {@code now}), marked as used now; an
     * expired one is removed and empty returned.
     */
    Optional<StoredSession> touch(String idSha256, Instant now, Duration idle) throws IOException;

    /** Ends a session. */
    void remove(String idSha256) throws IOException;

    /**
     * The lock-out state after one attempt was admitted or not.
     *
     * @param admitted    whether the password may be checked (the attempt was counted)
     * @param lockedUntil while locked, until when
     * @param lockedNow   whether this call locked the account (to be logged and audited once)
     */
    record Admission(boolean admitted, Instant lockedUntil, boolean lockedNow) {}

    /**
     * Counts one sign-in attempt on {@code account} before its password is checked, atomically
     * across the cluster: refused while locked; the attempt after {@code maxFailures} uncleared
     * ones locks the account for {@code lockout}.
     */
    Admission admit(String account, Instant now, int maxFailures, Duration lockout) throws IOException;

    /**
     * Settles an admitted attempt: success clears the count; a failure that reaches
     * {@code maxFailures} locks the account. Returns whether this call locked it.
     */
    boolean settle(String account, boolean succeeded, Instant now, int maxFailures, Duration lockout) throws IOException;
}
