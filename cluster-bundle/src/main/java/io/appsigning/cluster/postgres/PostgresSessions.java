package io.appsigning.cluster.postgres;

import static io.appsigning.cluster.postgres.PostgresLedger.instant;
import static io.appsigning.cluster.postgres.PostgresLedger.setTime;

import io.appsigning.cluster.ClusterSessions;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The administrator's sessions ({@code appsign_sessions}) and the accounts' lock-out
 * ({@code appsign_lockout}) in the cluster's database. A sign-in attempt is counted while its
 * account's row is locked ({@code SELECT ... FOR UPDATE}, the row made on demand), so a burst of
 * guesses spread over every node is counted exactly once each and cannot outrun the limit.
 */
final class PostgresSessions implements ClusterSessions {

    private final Database database;
    /**
     * The longest idle time a touch on this node has allowed, or null before the first: put has no idle
     * time of its own, and a session is swept only once every touch seen would have refused it.
     */
    private final AtomicReference<Duration> sweepIdle = new AtomicReference<>();

    /** An account's row as read under its lock. */
    private record Count(int failures, Instant lockedUntil) {
        boolean lockedAt(Instant now) {
            return lockedUntil != null && now.isBefore(lockedUntil);
        }
    }

    PostgresSessions(Database database) {
        this.database = database;
    }

    @Override
    public void put(String idSha256, StoredSession session) throws IOException {
        SharedHome.checked(idSha256);
        Objects.requireNonNull(session.user(), "user");
        Objects.requireNonNull(session.csrfToken(), "csrfToken");
        Objects.requireNonNull(session.lastUsed(), "lastUsed");
        database.call("store a session", connection -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO appsign_sessions (id_sha256,"
                    + " user_name, csrf_token, last_used) VALUES (?, ?, ?, ?) ON CONFLICT (id_sha256) DO UPDATE SET"
                    + " user_name = excluded.user_name, csrf_token = excluded.csrf_token, last_used = excluded.last_used")) {
                insert.setString(1, idSha256);
                insert.setString(2, session.user());
                insert.setString(3, session.csrfToken());
                setTime(insert, 4, session.lastUsed());
                insert.executeUpdate();
            }
            // At sign-in rather than on a miss: sign-ins are counted by the lock-out, while any request
            // can carry a made-up cookie, so a scan of the whole table here cannot be forced at will.
            Duration idle = sweepIdle.get();
            if (idle != null) {
                try (PreparedStatement sweep = connection.prepareStatement(
                        "DELETE FROM appsign_sessions WHERE last_used < ?")) {
                    setTime(sweep, 1, session.lastUsed().minus(idle));
                    sweep.executeUpdate();
                }
            }
            return null;
        });
    }

    @Override
    public Optional<StoredSession> touch(String idSha256, Instant now, Duration idle) throws IOException {
        SharedHome.checked(idSha256);
        Instant oldest = now.minus(idle);
        sweepIdle.accumulateAndGet(idle, (known, given) -> known == null || given.compareTo(known) > 0 ? given : known);
        return database.call("check a session", connection -> {
            // Live sessions only: the condition is checked by the same statement that marks the use.
            try (PreparedStatement update = connection.prepareStatement("UPDATE appsign_sessions SET last_used ="
                    + " greatest(last_used, ?) WHERE id_sha256 = ? AND last_used >= ?"
                    + " RETURNING user_name, csrf_token, last_used")) {
                setTime(update, 1, now);
                update.setString(2, idSha256);
                setTime(update, 3, oldest);
                try (ResultSet result = update.executeQuery()) {
                    if (result.next()) {
                        return Optional.of(new StoredSession(result.getString(1), result.getString(2), instant(result, 3)));
                    }
                }
            }
            // By its key alone: a made-up cookie must not cost a write over the whole table (put sweeps the rest).
            try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM appsign_sessions WHERE id_sha256 = ? AND last_used < ?")) {
                delete.setString(1, idSha256);
                setTime(delete, 2, oldest);
                delete.executeUpdate();
            }
            return Optional.empty();
        });
    }

    @Override
    public void remove(String idSha256) throws IOException {
        SharedHome.checked(idSha256);
        database.call("end a session", connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM appsign_sessions WHERE id_sha256 = ?")) {
                delete.setString(1, idSha256);
                delete.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Admission admit(String account, Instant now, int maxFailures, Duration lockout) throws IOException {
        Objects.requireNonNull(account, "account");
        return database.transaction("count a sign-in attempt", connection -> {
            Count count = lockRow(connection, account);
            if (count.lockedAt(now)) {
                return new Admission(false, count.lockedUntil(), false);
            }
            if (count.failures() >= maxFailures) {
                Instant until = now.plus(lockout);
                write(connection, account, 0, until);
                return new Admission(false, until, true);
            }
            // Counted before the password is checked: concurrent guesses cannot outrun the count.
            write(connection, account, count.failures() + 1, count.lockedUntil());
            return new Admission(true, null, false);
        });
    }

    @Override
    public boolean settle(String account, boolean succeeded, Instant now, int maxFailures, Duration lockout)
            throws IOException {
        Objects.requireNonNull(account, "account");
        return database.transaction("settle a sign-in attempt", connection -> {
            Count count = lockRow(connection, account);
            if (succeeded) {
                write(connection, account, 0, count.lockedUntil());
                return false;
            }
            if (count.failures() >= maxFailures && !count.lockedAt(now)) {
                write(connection, account, 0, now.plus(lockout));
                return true;
            }
            return false;
        });
    }

    /** Makes the account's row if it has none, then locks it until the transaction ends. */
    private static Count lockRow(Connection connection, String account) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO appsign_lockout (account) VALUES (?) ON CONFLICT (account) DO NOTHING")) {
            insert.setString(1, account);
            insert.executeUpdate();
        }
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT failures, locked_until FROM appsign_lockout WHERE account = ? FOR UPDATE")) {
            select.setString(1, account);
            try (ResultSet result = select.executeQuery()) {
                result.next();
                return new Count(result.getInt(1), instant(result, 2));
            }
        }
    }

    private static void write(Connection connection, String account, int failures, Instant lockedUntil)
            throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE appsign_lockout SET failures = ?, locked_until = ? WHERE account = ?")) {
            update.setInt(1, failures);
            setTime(update, 2, lockedUntil);
            update.setString(3, account);
            update.executeUpdate();
        }
    }
}
