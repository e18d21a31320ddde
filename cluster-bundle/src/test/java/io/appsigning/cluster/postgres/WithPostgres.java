package io.appsigning.cluster.postgres;

import io.appsigning.testsupport.PostgresServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** A throwaway PostgreSQL for one test class (each test takes a database of its own), and a shared home. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WithPostgres {

    PostgresServer server;

    @TempDir
    Path shared;

    @BeforeAll
    void startServer() throws Exception {
        server = PostgresServer.start();
    }

    @AfterAll
    void stopServer() throws Exception {
        server.close();
    }
}
