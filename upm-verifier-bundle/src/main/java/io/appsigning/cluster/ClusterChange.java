package io.appsigning.cluster;

import io.appsigning.gate.AppRecord;
import io.appsigning.gate.Origin;
import java.time.Instant;
import java.util.Objects;

/**
 * One accepted change of the cluster's apps, in the order of the cluster's log.
 *
 * @param seq             its place in the log (assigned by the database; 0 before it is committed)
 * @param kind            install (or update) or uninstall
 * @param key             the app's key (Bundle-SymbolicName)
 * @param version         the version installed, or the version uninstalled
 * @param origin          where the app came from (selects the per-origin mode on every node); null for an uninstall
 * @param appSha256       the stored app's SHA-256 (its name in the shared home); null for an uninstall
 * @param signatureSha256 the stored signature file's SHA-256, or null when the app came without one
 * @param record          the record as the accepting node decided it; null for an uninstall
 * @param node            the node that accepted it
 * @param user            who asked
 * @param time            when it was accepted
 */
public record ClusterChange(long seq, Kind kind, String key, String version, Origin origin, String appSha256,
                            String signatureSha256, AppRecord record, String node, String user, Instant time) {

    /** What a change does. */
    public enum Kind { INSTALL, UNINSTALL }

    public ClusterChange {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        if (kind == Kind.INSTALL && (appSha256 == null || record == null || origin == null)) {
            throw new IllegalArgumentException("an install names the stored app, its origin and its record");
        }
    }

    /** An install or update, before the database has given it its place. */
    public static ClusterChange install(AppRecord record, Origin origin, String signatureSha256, String node) {
        return new ClusterChange(0, Kind.INSTALL, record.key(), record.version(), origin, record.appSha256(),
                signatureSha256, record, node, record.installedBy(), record.recordedAt());
    }

    /** An uninstall, before the database has given it its place. */
    public static ClusterChange uninstall(String key, String version, String node, String user, Instant time) {
        return new ClusterChange(0, Kind.UNINSTALL, key, version, null, null, null, null, node, user, time);
    }

    /** The same change at its place in the log. */
    public ClusterChange at(long place) {
        return new ClusterChange(place, kind, key, version, origin, appSha256, signatureSha256, record, node, user, time);
    }
}
