package io.appsigning.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Reads a Data Center cluster's audit chain from its PostgreSQL database (table
 * {@code appsign_audit}, the lines exactly as the product hashed them) into a private file, so that
 * it is checked exactly as a single node's log file is.
 */
final class ClusterAuditExport {

    private ClusterAuditExport() {}

    static Path export(String url, String user, String password) throws UsageException, IOException {
        if (!url.startsWith("jdbc:postgresql://")) {
            throw new UsageException("--db must be a PostgreSQL JDBC URL: jdbc:postgresql://HOST:PORT/DB");
        }
        if (user == null || user.isBlank()) {
            throw new UsageException("set APPSIGN_DB_USER (and APPSIGN_DB_PASSWORD) to the cluster database's user");
        }
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password == null ? "" : password);
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("socketTimeout", "300");
        properties.setProperty("readOnly", "true");
        Path file = Files.createTempFile("appsign-cluster-audit-", ".log",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        // The driver itself, not DriverManager's service lookup: the shaded jar need not carry its registration.
        try (Connection connection = new org.postgresql.Driver().connect(url, properties)) {
            if (connection == null) {
                throw new UsageException("--db is not a URL the PostgreSQL driver accepts: " + withoutParameters(url));
            }
            connection.setAutoCommit(false); // a cursor: the lines stream instead of being held all at once
            try (PreparedStatement query = connection.prepareStatement("SELECT line_text FROM appsign_audit ORDER BY line");
                 OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
                query.setFetchSize(1000);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        out.write(rows.getString(1).getBytes(StandardCharsets.UTF_8));
                        out.write('\n');
                    }
                }
            }
            return file;
        } catch (SQLException e) {
            Files.deleteIfExists(file);
            throw new UsageException("cannot read the cluster's audit chain from " + withoutParameters(url) + ": "
                    + e.getMessage());
        } catch (IOException | RuntimeException | UsageException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** The URL for messages: parameters may hold a password. */
    static String withoutParameters(String url) {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query);
    }
}
