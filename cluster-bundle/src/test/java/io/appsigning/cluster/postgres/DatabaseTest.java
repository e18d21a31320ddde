package io.appsigning.cluster.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.appsigning.cluster.ClusterUnavailableException;
import io.appsigning.testsupport.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The pool's handling of failures, on a real PostgreSQL. */
class DatabaseTest extends WithPostgres {

    private static int backendPid(Database database) throws ClusterUnavailableException {
        return database.call("read the backend's pid", connection -> {
            try (Statement select = connection.createStatement();
                 ResultSet result = select.executeQuery("SELECT pg_backend_pid()")) {
                result.next();
                return result.getInt(1);
            }
        });
    }

    @Test
    void aStatementsOwnErrorKeepsItsConnection() throws Exception {
        try (Database database = new Database(TestNodes.settings(server.newDatabase(), "node-1", shared))) {
            database.ready();
            int pid = backendPid(database);
            for (boolean transaction : new boolean[] {false, true}) {
                Database.Work<Object> divide = connection -> {
                    try (Statement select = connection.createStatement()) {
                        return select.executeQuery("SELECT 1 / 0");
                    }
                };
                assertThatThrownBy(() -> {
                    if (transaction) {
                        database.transaction("divide by zero", divide);
                    } else {
                        database.call("divide by zero", divide);
                    }
                }).isInstanceOf(ClusterUnavailableException.class).hasMessageContaining("refused it")
                        .hasMessageContaining("division by zero");
                assertThat(database.reachable()).isTrue();
                assertThat(backendPid(database)).as("the same connection, kept (transaction: %s)", transaction)
                        .isEqualTo(pid);
            }
        }
    }

    /**
     * The test server trusts every user; for a wrong password to be refused, one user of its own is made
     * to sign in with a password (this class's server only: each test class starts its own).
     */
    private void requirePassword(String user, String password) throws Exception {
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(), PostgresServer.USER, null);
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE ROLE " + user + " LOGIN PASSWORD '" + password + "'");
            String hbaFile;
            try (ResultSet result = statement.executeQuery("SHOW hba_file")) {
                result.next();
                hbaFile = result.getString(1);
            }
            // One rule a line; the first that matches applies, so the password rule comes before trust.
            statement.execute("COPY (VALUES ('host all " + user + " 127.0.0.1/32 scram-sha-256'),"
                    + " ('host all all 127.0.0.1/32 trust'), ('local all all trust')) TO '" + hbaFile + "'");
            try (ResultSet result = statement.executeQuery("SELECT pg_reload_conf()")) {
                result.next();
            }
        }
    }

    @Test
    void aWrongPasswordOrAMissingDatabaseIsToldApartFromAnOutage() throws Exception {
        String url = server.newDatabase();
        requirePassword("appsign_pw", "the-right-one");
        ClusterSettings wrongPassword = new ClusterSettings(url, "appsign_pw", TestNodes.PASSWORD, "node-1", shared);
        try (Database database = new Database(wrongPassword)) {
            database.ready();
            assertThatThrownBy(() -> backendPid(database)).isInstanceOf(ClusterUnavailableException.class)
                    .hasMessageContaining(url)
                    .hasMessageContaining("refused this node's sign-in as appsign_pw")
                    .hasMessageContaining("password")
                    .hasMessageNotContaining("cannot be reached")
                    .hasMessageNotContaining(TestNodes.PASSWORD);
            assertThat(database.reachable()).as("not usable all the same").isFalse();
            assertThatThrownBy(() -> database.dedicated("listen")).hasMessageContaining("refused this node's sign-in");
        }
        ClusterSettings rightPassword = new ClusterSettings(url, "appsign_pw", "the-right-one", "node-1", shared);
        try (Database database = new Database(rightPassword)) {
            database.ready();
            assertThat(backendPid(database)).as("the rule asks for the password, and takes the right one").isPositive();
        }

        String missing = url.substring(0, url.lastIndexOf('/') + 1) + "no_such_database";
        try (Database database = new Database(TestNodes.settings(missing, "node-1", shared))) {
            database.ready();
            assertThatThrownBy(() -> backendPid(database)).isInstanceOf(ClusterUnavailableException.class)
                    .hasMessageContaining(missing)
                    .hasMessageContaining("does not exist on its server")
                    .hasMessageNotContaining("cannot be reached");
            assertThat(database.reachable()).isFalse();
        }
    }
}
