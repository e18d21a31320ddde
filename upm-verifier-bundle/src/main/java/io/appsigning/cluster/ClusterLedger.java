package io.appsigning.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The cluster's shared record (a service, registered only in Data Center mode): the log of app
 * changes, the one audit chain, the admin's policy and each node's report in the database, the
 * accepted apps and their signature files in the shared home, named by digest.
 *
 * <p>Every method that reaches the database throws {@link ClusterUnavailableException} when it
 * cannot, and then has changed nothing.
 */
@ProviderType
public interface ClusterLedger {

    /** This node's name. */
    String nodeId();

    /** Whether the database answered the last time it was asked (without asking it now). */
    boolean reachable();

    // ---- accepted apps in the shared home ------------------------------------------------------

    /**
     * Keeps an accepted app and its signature file in the shared home, each named by its SHA-256;
     * idempotent. Returns the signature file's SHA-256, or null when there is none.
     */
    String store(Path app, String appSha256, byte[] signatureFile) throws IOException;

    /** Opens a stored app; the caller checks its digest while reading it. */
    InputStream openApp(String appSha256) throws IOException;

    /** A stored signature file's bytes (at most 64 KiB are read). */
    byte[] signatureFile(String signatureSha256) throws IOException;

    // ---- the log of changes --------------------------------------------------------------------

    /**
     * Commits a change and its audit line in one transaction (the chain is extended under a
     * database lock, so that decisions on two nodes never fork it) and tells the other nodes.
     * Returns the change at its place in the log.
     */
    ClusterChange commit(ClusterChange change, Map<String, ?> auditLine) throws IOException;

    /** The apps the cluster runs: for each key, its last change when that is an install, in log order. */
    List<ClusterChange> apps() throws IOException;

    /** The cluster's current change for one key, if it runs that app. */
    Optional<ClusterChange> app(String key) throws IOException;

    /** The place of the last change in the log (0 when there is none). */
    long lastSeq() throws IOException;

    /**
     * Waits until another change may have been committed: a notification, the database coming
     * back after an outage, or the timeout. The caller then reads {@link #apps()} again.
     */
    void awaitChange(Duration timeout) throws InterruptedException;

    // ---- the audit chain -----------------------------------------------------------------------

    /** Appends one audit line to the cluster's chain; the ledger adds the node's name. */
    void append(Map<String, ?> auditLine) throws IOException;

    /** The chain's head: the hash the next line will carry as {@code prev} (the last known one when unreachable). */
    String head();

    /** How many lines the chain holds (the last known count when unreachable). */
    long lines();

    /** The chain's lines from {@code from} (1-based), at most {@code max}, exactly as hashed. */
    List<String> auditLines(long from, int max) throws IOException;

    // ---- the admin's policy --------------------------------------------------------------------

    /** The admin's policy values (only keys the admin may set); the last known ones when unreachable. */
    Map<String, String> adminPolicy() throws IOException;

    /** Replaces the admin's policy values. */
    void saveAdminPolicy(Map<String, String> values) throws IOException;

    // ---- the nodes -----------------------------------------------------------------------------

    /** Records this node's report. */
    void report(NodeStatus status) throws IOException;

    /** Every node's last report. */
    List<NodeStatus> nodes() throws IOException;
}
