package io.appsigning.cluster.postgres;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How this node reaches the cluster's shared state.
 *
 * @param jdbcUrl    the database, {@code jdbc:postgresql://HOST:PORT/DB}
 * @param user       the database user
 * @param password   its password, or null where the server needs none
 * @param nodeId     this node's name
 * @param sharedHome the shared home (accepted apps and signature files live under it)
 */
public record ClusterSettings(String jdbcUrl, String user, String password, String nodeId, Path sharedHome) {

    public ClusterSettings {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(sharedHome, "sharedHome");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("The cluster's database must be a PostgreSQL JDBC URL"
                    + " (jdbc:postgresql://HOST:PORT/DB), not " + describe(jdbcUrl));
        }
        if (nodeId.isBlank()) {
            throw new IllegalArgumentException("The node id is blank");
        }
    }

    /** The database for messages: the URL without its parameters, which may carry a password. */
    public String database() {
        return describe(jdbcUrl);
    }

    private static String describe(String url) {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query);
    }

    /** Never the password: a record's own toString would print it into logs. */
    @Override
    public String toString() {
        return "ClusterSettings[database=" + database() + ", user=" + user + ", node=" + nodeId + ", sharedHome="
                + sharedHome + "]";
    }
}
