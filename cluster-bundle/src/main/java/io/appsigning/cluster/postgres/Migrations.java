package io.appsigning.cluster.postgres;

import io.appsigning.cluster.ClusterUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The schema, from the versioned SQL files in the bundle ({@code db/V<n>__<what>.sql}): the files a
 * database has not seen are applied in order, all in one transaction under a transaction-scoped
 * advisory lock, and each is recorded in {@code appsign_schema}. Nodes that start at once queue on
 * the lock, and each then finds the work done. A file once released is never edited; a change is a
 * new file.
 */
final class Migrations {

    /** The bundled files in order; a new file is added here too, since a bundle's folder cannot be listed portably. */
    static final List<String> FILES = List.of("V1__cluster.sql");
    /** The advisory lock's key, "appsign" in ASCII: the same on every node, unlikely to meet another product's. */
    private static final long LOCK_KEY = 0x61707073_69676eL;
    private static final Pattern NAME = Pattern.compile("V([1-9][0-9]*)__([a-z0-9_]+)\\.sql");

    /** One file. */
    record Migration(int version, String description, String sql) {}

    /** The schema version of a database that a newer product has migrated: this node must not touch it. */
    static final class SchemaTooNewException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        SchemaTooNewException(String message) {
            super(message);
        }
    }

    private Migrations() {}

    static List<Migration> bundled() {
        List<Migration> migrations = new ArrayList<>();
        for (String file : FILES) {
            Matcher name = NAME.matcher(file);
            if (!name.matches()) {
                throw new IllegalStateException("The schema file " + file + " is not named V<n>__<what>.sql");
            }
            int version = Integer.parseInt(name.group(1));
            if (version != migrations.size() + 1) {
                throw new IllegalStateException("The schema files must be numbered 1, 2, ... without gaps: " + FILES);
            }
            try (InputStream in = Migrations.class.getResourceAsStream("/db/" + file)) {
                if (in == null) {
                    throw new IllegalStateException("The schema file db/" + file + " is missing from the bundle");
                }
                migrations.add(new Migration(version, name.group(2), new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read the schema file db/" + file, e);
            }
        }
        return List.copyOf(migrations);
    }

    /**
     * Brings the database's schema to the bundle's version.
     *
     * @return the schema version the database now has
     * @throws SchemaTooNewException when the database has a version this bundle does not know
     */
    static int apply(Database database, List<Migration> migrations) throws ClusterUnavailableException {
        int known = migrations.size();
        return database.transactionBeforeReady("check and update the schema", connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
                statement.execute("CREATE TABLE IF NOT EXISTS appsign_schema (version integer PRIMARY KEY,"
                        + " description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
                int current;
                try (ResultSet result = statement.executeQuery("SELECT coalesce(max(version), 0) FROM appsign_schema")) {
                    result.next();
                    current = result.getInt(1);
                }
                if (current > known) {
                    throw new SchemaTooNewException("The cluster's database " + database.settings().database()
                            + " has schema version " + current + ", but this node knows versions up to " + known
                            + ": a newer product has upgraded it. Upgrade this node; it will not use the database"
                            + " until then.");
                }
                for (Migration migration : migrations.subList(current, known)) {
                    statement.execute(migration.sql());
                    try (PreparedStatement record = connection.prepareStatement(
                            "INSERT INTO appsign_schema (version, description) VALUES (?, ?)")) {
                        record.setInt(1, migration.version());
                        record.setString(2, migration.description());
                        record.executeUpdate();
                    }
                }
                return known;
            }
        });
    }
}
