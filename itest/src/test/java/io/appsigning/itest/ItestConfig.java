package io.appsigning.itest;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.ops4j.pax.exam.Option;

/**
 * The one runtime every integration test boots: third-party bundles copied by the build into
 * {@code target/bundles} and the project bundles from their freshly built files, all by
 * {@code file:} URL so that the test framework never resolves anything from Maven or the network.
 */
public final class ItestConfig {

    /** Third-party bundles, in install order (file names as copied with stripVersion). */
    static final List<String> THIRD_PARTY = List.of(
            "org.osgi.util.function.jar",
            "org.osgi.util.promise.jar",
            "org.osgi.service.component.jar",
            "org.apache.felix.scr.jar",
            "org.osgi.service.cm.jar",
            "org.apache.felix.configadmin.jar",
            "org.osgi.service.log.jar",
            "org.apache.felix.metatype.jar",
            "slf4j-api.jar",
            "slf4j-simple.jar",
            "org.apache.felix.eventadmin.jar",
            "org.apache.felix.http.servlet-api.jar",
            "org.osgi.service.http.jar",
            "org.osgi.service.http.whiteboard.jar",
            "org.apache.felix.healthcheck.api.jar",
            "org.apache.felix.healthcheck.core.jar",
            "jackson-annotations.jar",
            "jackson-core.jar",
            "jackson-databind.jar",
            "bcprov-jdk18on.jar",
            "bcutil-jdk18on.jar",
            "bcpkix-jdk18on.jar",
            "byte-buddy.jar",
            "assertj-core.jar");

    /** System properties (set by failsafe) naming the freshly built project bundles. */
    static final List<String> PROJECT_BUNDLE_PROPERTIES = List.of(
            "itest.bundle.truststore", "itest.bundle.verifier", "itest.bundle.health");

    /** The shared test PKI (test-support), a bundle so that the probe can import it. */
    static final String TEST_SUPPORT_BUNDLE_PROPERTY = "itest.bundle.testsupport";

    static final List<String> PROJECT_SYMBOLIC_NAMES = List.of(
            "io.appsigning.trust-store-bundle",
            "io.appsigning.upm-verifier-bundle",
            "io.appsigning.healthcheck-bundle");

    private ItestConfig() {
    }

    /** A fresh, empty product home (with the standard layout) for one test class. */
    static Path freshHome() {
        try {
            Path base = Path.of(required("itest.bundles")).getParent().resolve("itest-homes");
            Files.createDirectories(base);
            Path home = Files.createTempDirectory(base, "home-");
            Files.createDirectories(home.resolve("upmconfig/truststore"));
            Files.createDirectories(home.resolve("plugins"));
            Files.createDirectories(home.resolve("audit"));
            Files.createDirectories(home.resolve("data"));
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The runtime with {@code appsigning.home} set to {@code home}. */
    static Option runtime(Path home) {
        List<Option> options = new ArrayList<>();
        options.add(cleanCaches(true));
        options.add(frameworkProperty("appsigning.home").value(home.toString()));
        options.add(systemProperty("org.slf4j.simpleLogger.defaultLogLevel").value("warn"));
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        options.add(frameworkProperty("itest.bundles").value(required("itest.bundles")));
        options.add(junitBundles());
        Path dir = Path.of(required("itest.bundles"));
        for (String name : THIRD_PARTY) {
            options.add(bundle(fileUrl(dir.resolve(name))));
        }
        for (String property : PROJECT_BUNDLE_PROPERTIES) {
            options.add(bundle(fileUrl(Path.of(required(property)))));
        }
        options.add(bundle(fileUrl(Path.of(required(TEST_SUPPORT_BUNDLE_PROPERTY)))));
        return composite(options.toArray(Option[]::new));
    }

    private static String fileUrl(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("bundle file missing (run through mvn verify): " + file);
        }
        return file.toUri().toString();
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property
                    + " not set; run the integration tests through mvn verify (failsafe)");
        }
        return value;
    }
}
