package io.appsigning.health.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.appsigning.health.CheckResult;
import io.appsigning.health.Status;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.felix.framework.FrameworkFactory;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;

/** The start-up log: one line per check, what it says, at which level, and only once. */
class StartupHealthLogTest {

    @TempDir
    Path storage;
    Framework framework;
    final List<LogRecord> records = new CopyOnWriteArrayList<>();
    final Logger logger = Logger.getLogger("io.appsigning.health");
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void startFelix() throws Exception {
        framework = new FrameworkFactory().newFramework(Map.of(
                "org.osgi.framework.storage", storage.toString(),
                "org.osgi.framework.storage.clean", "onFirstInit"));
        framework.start();
        logger.addHandler(capture);
    }

    @AfterEach
    void stopFelix() throws Exception {
        logger.removeHandler(capture);
        framework.stop();
        framework.waitForStop(10_000);
    }

    @Test
    void aLineNamesTheCheckItsStatusAndEveryMessage() {
        Result result = Results.toFelix(new CheckResult("signing-status", Status.WARN,
                List.of("Mode for upload apps: WARN.", "com.acme.a 1.0.0 is installed but not verified.")));
        assertThat(StartupHealthLog.line("signing-status", result)).isEqualTo(
                "Health check signing-status: WARN | Mode for upload apps: WARN. | com.acme.a 1.0.0 is installed but not verified.");
    }

    @Test
    void onAStartedFrameworkEachCheckRunsOnceAndLogsOneLineAtItsLevel() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        StartupHealthLog log = new StartupHealthLog();
        log.permissions = () -> {
            runs.incrementAndGet();
            return Results.toFelix(new CheckResult("trust-store-permissions", Status.CRITICAL, List.of("/t is world-writable")));
        };
        log.expiry = () -> {
            runs.incrementAndGet();
            return Results.toFelix(new CheckResult("certificate-expiry", Status.OK, List.of("2 trusted certificates")));
        };
        log.signingStatus = () -> {
            runs.incrementAndGet();
            return Results.toFelix(new CheckResult("signing-status", Status.WARN, List.of("Mode: WARN")));
        };
        log.activate(framework.getBundleContext());
        for (int i = 0; i < 100 && records.size() < 3; i++) {
            Thread.sleep(50);
        }
        assertThat(records).extracting(LogRecord::getMessage).containsExactly(
                "Health check trust-store-permissions: CRITICAL | /t is world-writable",
                "Health check certificate-expiry: OK | 2 trusted certificates",
                "Health check signing-status: WARN | Mode: WARN");
        assertThat(records).extracting(LogRecord::getLevel).containsExactly(Level.WARNING, Level.INFO, Level.WARNING);

        // A later STARTED event (a framework refresh) does not log the checks again.
        log.frameworkEvent(new FrameworkEvent(FrameworkEvent.STARTED, framework, null));
        Thread.sleep(300);
        assertThat(runs).hasValue(3);
        assertThat(records).hasSize(3);
        log.deactivate();
    }

    @Test
    void inDataCenterModeTheClusterCheckIsLoggedToo() throws Exception {
        StartupHealthLog log = new StartupHealthLog();
        log.permissions = () -> Results.toFelix(new CheckResult("trust-store-permissions", Status.OK, List.of("protected")));
        log.expiry = () -> Results.toFelix(new CheckResult("certificate-expiry", Status.OK, List.of("2 trusted certificates")));
        log.signingStatus = () -> Results.toFelix(new CheckResult("signing-status", Status.OK, List.of("ENFORCE")));
        log.cluster = () -> Results.toFelix(new CheckResult("cluster", Status.CRITICAL,
                List.of("com.example.app 1.2.0 not installed on this node: SIGNATURE_MISMATCH.")));
        log.activate(framework.getBundleContext());
        for (int i = 0; i < 100 && records.size() < 4; i++) {
            Thread.sleep(50);
        }
        assertThat(records).extracting(LogRecord::getMessage).last()
                .isEqualTo("Health check cluster: CRITICAL | com.example.app 1.2.0 not installed on this node: SIGNATURE_MISMATCH.");
        assertThat(records).hasSize(4);
        log.deactivate();
    }
}
