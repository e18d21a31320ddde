package io.appsigning.cluster.postgres;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.appsigning.audit.AuditChain;
import io.appsigning.cluster.ClusterChange;
import io.appsigning.cluster.ClusterLedger;
import io.appsigning.cluster.ClusterUnavailableException;
import io.appsigning.cluster.NodeStatus;
import io.appsigning.gate.Origin;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The cluster's ledger in PostgreSQL (tables {@code appsign_changes}, {@code appsign_audit},
 * {@code appsign_admin_policy}, {@code appsign_nodes}) and the shared home.
 *
 * <p>The audit chain is extended only while the transaction holds the audit table's EXCLUSIVE lock
 * (which readers do not wait for): two nodes deciding at once queue there, so each line names the
 * line really before it, and a change's seq is drawn under the same lock, so seq order is commit
 * order. {@link #head()} and {@link #lines()} are null and 0 until the database has answered once.
 */
final class PostgresLedger implements ClusterLedger {

    private static final String CHANGE_COLUMNS = "seq, kind, app_key, version, origin, app_sha256, signature_sha256,"
            + " record, node, user_name, accepted_at";

    private final Database database;
    private final SharedHome home;
    private final ChangeListener listener;
    private final String nodeId;
    private final Json json = new Json();
    private final Object cache = new Object();
    private String head;
    private long lines;
    private Map<String, String> policy;

    /** The chain's end as the database last reported it. */
    private record Head(long lines, String hash) {}

    /** A change as stored, before its record is parsed (outside the connection). */
    private record Row(long seq, String kind, String key, String version, String origin, String appSha256,
                       String signatureSha256, String record, String node, String user, Instant time) {}

    PostgresLedger(Database database, SharedHome home, ChangeListener listener, String nodeId) {
        this.database = database;
        this.home = home;
        this.listener = listener;
        this.nodeId = nodeId;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public boolean reachable() {
        return database.reachable();
    }

    // ---- the shared home -----------------------------------------------------------------------

    @Override
    public String store(Path app, String appSha256, byte[] signatureFile) throws IOException {
        return home.store(app, appSha256, signatureFile);
    }

    @Override
    public InputStream openApp(String appSha256) throws IOException {
        return home.openApp(appSha256);
    }

    @Override
    public byte[] signatureFile(String signatureSha256) throws IOException {
        return home.signatureFile(signatureSha256);
    }

    // ---- the log of changes --------------------------------------------------------------------

    @Override
    public ClusterChange commit(ClusterChange change, Map<String, ?> auditLine) throws IOException {
        Objects.requireNonNull(change, "change");
        checkLine(auditLine);
        if (change.seq() != 0) {
            throw new IllegalArgumentException("The change of " + change.key() + " is already at place " + change.seq());
        }
        if (change.time() == null) {
            throw new IllegalArgumentException("The change of " + change.key() + " has no time");
        }
        if (change.appSha256() != null) {
            SharedHome.checked(change.appSha256());
        }
        if (change.signatureSha256() != null) {
            SharedHome.checked(change.signatureSha256());
        }
        String record = change.record() == null ? null : json.record(change.record());
        String node = change.node() == null ? nodeId : change.node();
        long[] seq = new long[1];
        Head after = database.transaction("commit the " + change.kind().name().toLowerCase() + " of " + change.key(),
                connection -> {
                    lockChain(connection);
                    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO appsign_changes (kind,"
                            + " app_key, version, origin, app_sha256, signature_sha256, record, node, user_name,"
                            + " accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq")) {
                        insert.setString(1, change.kind().name());
                        insert.setString(2, change.key());
                        insert.setString(3, change.version());
                        insert.setString(4, change.origin() == null ? null : change.origin().name());
                        insert.setString(5, change.appSha256());
                        insert.setString(6, change.signatureSha256());
                        insert.setString(7, record);
                        insert.setString(8, node);
                        insert.setString(9, change.user());
                        setTime(insert, 10, change.time());
                        try (ResultSet result = insert.executeQuery()) {
                            result.next();
                            seq[0] = result.getLong(1);
                        }
                    }
                    Head head = appendLine(connection, auditLine);
                    notify(connection, Long.toString(seq[0]));
                    return head;
                });
        remember(after);
        return new ClusterChange(seq[0], change.kind(), change.key(), change.version(), change.origin(),
                change.appSha256(), change.signatureSha256(), change.record(), node, change.user(), change.time());
    }

    @Override
    public List<ClusterChange> apps() throws IOException {
        List<Row> rows = database.call("read the cluster's apps", connection -> {
            try (Statement statement = connection.createStatement();
                 ResultSet result = statement.executeQuery("SELECT " + CHANGE_COLUMNS + " FROM appsign_changes c"
                         + " WHERE seq = (SELECT max(seq) FROM appsign_changes l WHERE l.app_key = c.app_key)"
                         + " AND kind = 'INSTALL' ORDER BY seq")) {
                return rows(result);
            }
        });
        List<ClusterChange> changes = new ArrayList<>();
        for (Row row : rows) {
            changes.add(change(row));
        }
        return Collections.unmodifiableList(changes);
    }

    @Override
    public Optional<ClusterChange> app(String key) throws IOException {
        Objects.requireNonNull(key, "key");
        List<Row> rows = database.call("read the cluster's app " + key, connection -> {
            try (PreparedStatement query = connection.prepareStatement("SELECT " + CHANGE_COLUMNS
                    + " FROM appsign_changes WHERE app_key = ? ORDER BY seq DESC LIMIT 1")) {
                query.setString(1, key);
                try (ResultSet result = query.executeQuery()) {
                    return rows(result);
                }
            }
        });
        if (rows.isEmpty() || !rows.get(0).kind().equals(ClusterChange.Kind.INSTALL.name())) {
            return Optional.empty();
        }
        return Optional.of(change(rows.get(0)));
    }

    @Override
    public long lastSeq() throws IOException {
        return database.call("read the cluster's last change", connection -> {
            try (Statement statement = connection.createStatement();
                 ResultSet result = statement.executeQuery("SELECT coalesce(max(seq), 0) FROM appsign_changes")) {
                result.next();
                return result.getLong(1);
            }
        });
    }

    @Override
    public void awaitChange(Duration timeout) throws InterruptedException {
        listener.await(timeout);
    }

    // ---- the audit chain -----------------------------------------------------------------------

    @Override
    public void append(Map<String, ?> auditLine) throws IOException {
        checkLine(auditLine);
        remember(database.transaction("append to the cluster's audit log", connection -> {
            lockChain(connection);
            return appendLine(connection, auditLine);
        }));
    }

    @Override
    public String head() {
        refreshHead();
        synchronized (cache) {
            return head;
        }
    }

    @Override
    public long lines() {
        refreshHead();
        synchronized (cache) {
            return lines;
        }
    }

    /** Reads the chain's end while the database answers, so that other nodes' lines are counted. */
    void refreshHead() {
        if (!database.reachable()) {
            return;
        }
        try {
            remember(database.call("read the audit chain's head", PostgresLedger::readHead));
        } catch (ClusterUnavailableException e) {
            // The last known head stays; reachable() now says the database did not answer.
        }
    }

    @Override
    public List<String> auditLines(long from, int max) throws IOException {
        if (from < 1 || max < 0) {
            throw new IllegalArgumentException("Audit lines are numbered from 1 (asked from " + from + ", at most " + max + ")");
        }
        return database.call("read the cluster's audit log", connection -> {
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT line_text FROM appsign_audit WHERE line >= ? ORDER BY line LIMIT ?")) {
                query.setLong(1, from);
                query.setInt(2, max);
                List<String> texts = new ArrayList<>();
                try (ResultSet result = query.executeQuery()) {
                    while (result.next()) {
                        texts.add(result.getString(1));
                    }
                }
                return Collections.unmodifiableList(texts);
            }
        });
    }

    // ---- the admin's policy --------------------------------------------------------------------

    @Override
    public Map<String, String> adminPolicy() throws IOException {
        synchronized (cache) {
            // Read on every request path: during an outage the last known values answer at once
            // instead of each request waiting out a connection attempt. Any other call (the sync
            // loop's reads, the listener) finds the database again, and then this reads it again.
            if (policy != null && !database.reachable()) {
                return policy;
            }
        }
        try {
            Map<String, String> values = database.call("read the administrator's policy", connection -> {
                Map<String, String> read = new LinkedHashMap<>();
                try (Statement statement = connection.createStatement();
                     ResultSet result = statement.executeQuery("SELECT key, value FROM appsign_admin_policy ORDER BY key")) {
                    while (result.next()) {
                        read.put(result.getString(1), result.getString(2));
                    }
                }
                return Collections.unmodifiableMap(read);
            });
            synchronized (cache) {
                policy = values;
            }
            return values;
        } catch (ClusterUnavailableException e) {
            synchronized (cache) {
                if (policy != null) {
                    return policy;
                }
            }
            // Never read: an empty answer would silently drop the administrator's tightenings.
            throw e;
        }
    }

    @Override
    public void saveAdminPolicy(Map<String, String> values) throws IOException {
        Map<String, String> copy = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        copy.forEach((key, value) -> {
            Objects.requireNonNull(key, "a policy key");
            Objects.requireNonNull(value, "the value of " + key);
        });
        database.transaction("save the administrator's policy", connection -> {
            try (Statement delete = connection.createStatement()) {
                delete.executeUpdate("DELETE FROM appsign_admin_policy");
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO appsign_admin_policy (key, value) VALUES (?, ?)")) {
                for (Map.Entry<String, String> entry : copy.entrySet()) {
                    insert.setString(1, entry.getKey());
                    insert.setString(2, entry.getValue());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            notify(connection, "policy");
            return null;
        });
        synchronized (cache) {
            policy = Collections.unmodifiableMap(new java.util.TreeMap<>(copy));
        }
    }

    // ---- the nodes -----------------------------------------------------------------------------

    @Override
    public void report(NodeStatus status) throws IOException {
        Objects.requireNonNull(status.nodeId(), "nodeId");
        Objects.requireNonNull(status.lastSeen(), "lastSeen");
        String problems = json.problems(status.problems());
        database.call("report node " + status.nodeId(), connection -> {
            try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO appsign_nodes (node_id, last_seen,"
                    + " in_sync, applied_seq, problems, trust_store) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (node_id) DO"
                    + " UPDATE SET last_seen = excluded.last_seen, in_sync = excluded.in_sync, applied_seq ="
                    + " excluded.applied_seq, problems = excluded.problems, trust_store = excluded.trust_store")) {
                upsert.setString(1, status.nodeId());
                setTime(upsert, 2, status.lastSeen());
                upsert.setBoolean(3, status.inSync());
                upsert.setLong(4, status.appliedSeq());
                upsert.setString(5, problems);
                upsert.setString(6, status.trustStore());
                upsert.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<NodeStatus> nodes() throws IOException {
        record NodeRow(String id, Instant lastSeen, boolean inSync, long appliedSeq, String problems, String trustStore) {}
        List<NodeRow> rows = database.call("read the nodes' reports", connection -> {
            List<NodeRow> read = new ArrayList<>();
            try (Statement statement = connection.createStatement();
                 ResultSet result = statement.executeQuery("SELECT node_id, last_seen, in_sync, applied_seq, problems,"
                         + " trust_store FROM appsign_nodes ORDER BY node_id")) {
                while (result.next()) {
                    read.add(new NodeRow(result.getString(1), instant(result, 2), result.getBoolean(3),
                            result.getLong(4), result.getString(5), result.getString(6)));
                }
            }
            return read;
        });
        List<NodeStatus> nodes = new ArrayList<>();
        for (NodeRow row : rows) {
            List<NodeStatus.Problem> problems;
            try {
                problems = json.problems(row.problems());
            } catch (JsonProcessingException e) {
                throw new IOException("The report of node " + row.id() + " in the cluster's database "
                        + database.settings().database() + " cannot be read: " + e.getOriginalMessage(), e);
            }
            nodes.add(new NodeStatus(row.id(), row.lastSeen(), row.inSync(), row.appliedSeq(), problems, row.trustStore()));
        }
        return Collections.unmodifiableList(nodes);
    }

    // ---- inside transactions ---------------------------------------------------------------------

    /** Serialises writers of the chain across the cluster until the transaction ends; readers go on. */
    private static void lockChain(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("LOCK TABLE appsign_audit IN EXCLUSIVE MODE");
        }
    }

    /** Must hold the chain's lock. */
    private Head appendLine(Connection connection, Map<String, ?> fields) throws SQLException {
        Head last = readHead(connection);
        String prev = last.lines() == 0 ? AuditChain.GENESIS : last.hash();
        String text = json.auditLine(fields, nodeId, prev);
        String hash = AuditChain.hash(text.getBytes(StandardCharsets.UTF_8));
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO appsign_audit (line, line_text, hash) VALUES (?, ?, ?)")) {
            insert.setLong(1, last.lines() + 1);
            insert.setString(2, text);
            insert.setString(3, hash);
            insert.executeUpdate();
        }
        return new Head(last.lines() + 1, hash);
    }

    private static Head readHead(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT line, hash FROM appsign_audit ORDER BY line DESC LIMIT 1")) {
            return result.next() ? new Head(result.getLong(1), result.getString(2)) : new Head(0, AuditChain.GENESIS);
        }
    }

    /** Delivered to every listening node when (and only if) the transaction commits. */
    private static void notify(Connection connection, String payload) throws SQLException {
        try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            notify.setString(1, ChangeListener.CHANNEL);
            notify.setString(2, payload);
            notify.execute();
        }
    }

    // ---- values ------------------------------------------------------------------------------------

    private void remember(Head latest) {
        synchronized (cache) {
            // Another thread may have seen a later head already; the chain only grows.
            if (head == null || latest.lines() >= lines) {
                head = latest.hash();
                lines = latest.lines();
            }
        }
    }

    private static void checkLine(Map<String, ?> auditLine) {
        Objects.requireNonNull(auditLine, "auditLine");
        if (auditLine.containsKey("node") || auditLine.containsKey("prev")) {
            throw new IllegalArgumentException("An audit line may not set \"node\" or \"prev\": the ledger adds them");
        }
    }

    private static List<Row> rows(ResultSet result) throws SQLException {
        List<Row> rows = new ArrayList<>();
        while (result.next()) {
            rows.add(new Row(result.getLong("seq"), result.getString("kind"), result.getString("app_key"),
                    result.getString("version"), result.getString("origin"), result.getString("app_sha256"),
                    result.getString("signature_sha256"), result.getString("record"), result.getString("node"),
                    result.getString("user_name"), instant(result, "accepted_at")));
        }
        return rows;
    }

    private ClusterChange change(Row row) throws IOException {
        try {
            return new ClusterChange(row.seq(), ClusterChange.Kind.valueOf(row.kind()), row.key(), row.version(),
                    row.origin() == null ? null : Origin.valueOf(row.origin()), row.appSha256(), row.signatureSha256(),
                    row.record() == null ? null : json.record(row.record()), row.node(), row.user(), row.time());
        } catch (JsonProcessingException | IllegalArgumentException e) {
            // Fail closed: a change that cannot be read is not guessed at; the caller treats it as unusable.
            throw new IOException("Change " + row.seq() + " (" + row.key() + ") in the cluster's database "
                    + database.settings().database() + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Times are kept as timestamptz, to the microsecond. */
    static void setTime(PreparedStatement statement, int index, Instant instant) throws SQLException {
        if (instant == null) {
            statement.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            statement.setObject(index, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
        }
    }

    static Instant instant(ResultSet result, String column) throws SQLException {
        OffsetDateTime value = result.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    static Instant instant(ResultSet result, int column) throws SQLException {
        OffsetDateTime value = result.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
