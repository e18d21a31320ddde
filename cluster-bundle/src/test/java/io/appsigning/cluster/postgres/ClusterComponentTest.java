package io.appsigning.cluster.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.appsigning.cluster.ClusterMode;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;

/** The OSGi edge's own checks, and the bundle's schema files; no database needed. */
class ClusterComponentTest {

    /** A framework that only answers properties: the component reads nothing else. */
    private static BundleContext framework(Map<String, String> properties) {
        return (BundleContext) Proxy.newProxyInstance(ClusterComponentTest.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getProperty")) {
                        return properties.get((String) args[0]);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void eachMissingPropertyIsNamed() {
        Map<String, String> all = Map.of(ClusterMode.DATABASE, "jdbc:postgresql://127.0.0.1:1/appsign",
                ClusterMode.NODE_ID, "node-1", ClusterMode.SHARED_HOME, "/tmp/shared");
        for (String missing : all.keySet()) {
            Map<String, String> some = new java.util.HashMap<>(all);
            some.put(missing, " ");
            assertThatThrownBy(() -> new ClusterComponent().activate(framework(some)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("The framework property " + missing + " is not set");
        }
    }

    @Test
    void settingsNeverShowThePassword() {
        ClusterSettings settings = new ClusterSettings("jdbc:postgresql://db:5432/appsign?password=inurl", "appsign",
                "secret", "node-1", Path.of("/shared"));
        assertThat(settings.toString()).doesNotContain("secret").doesNotContain("inurl");
        assertThat(settings.database()).isEqualTo("jdbc:postgresql://db:5432/appsign");
        assertThatThrownBy(() -> new ClusterSettings("jdbc:mysql://db/appsign", "u", null, "n", Path.of("/s")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PostgreSQL JDBC URL");
    }

    @Test
    void everySchemaFileIsListedInOrder() throws Exception {
        Path folder = Path.of("src/main/resources/db");
        try (Stream<Path> files = Files.list(folder)) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .containsExactlyInAnyOrderElementsOf(Migrations.FILES);
        }
        assertThat(Migrations.bundled()).extracting(Migrations.Migration::version).containsExactly(1);
    }
}
