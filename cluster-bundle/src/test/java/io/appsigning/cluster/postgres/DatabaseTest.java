package io.appsigning.cluster.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.appsigning.cluster.ClusterUnavailableException;
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
}
