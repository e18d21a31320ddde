package io.appsigning.pluginmanager.internal;

import io.appsigning.cluster.ClusterSessions.Admission;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/**
 * Where the admin's sessions and the account's lock-out count live: this node's memory on a single
 * node, the cluster's database in Data Center mode. {@link AdminAuth} decides; a store only keeps.
 * The lock-out follows {@link io.appsigning.cluster.ClusterSessions}' contract (an attempt is
 * admitted and counted before its password is checked, then settled), so both stores behave alike.
 */
interface SessionStore {

    /** Keeps a new session. */
    void put(AdminAuth.Session session) throws IOException;

    /** The session if it is live, marked as used at {@code now}; an expired one is forgotten. */
    Optional<AdminAuth.Session> touch(String id, Instant now) throws IOException;

    /** Ends a session. */
    void remove(String id) throws IOException;

    /** Counts one sign-in attempt before its password is checked; refused while the account is locked. */
    Admission admit(Instant now) throws IOException;

    /** Settles an admitted attempt; returns whether this call locked the account. */
    boolean settle(boolean succeeded, Instant now) throws IOException;
}
