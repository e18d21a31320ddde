package io.appsigning.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugins folder through Apache Felix FileInstall, while the product runs with strict mode on:
 * a jar dropped there is installed, recorded {@code FILE_SYSTEM} and started; a removed one is
 * uninstalled; FileInstall's scratch files stay out of the folder; a file that is not a jar is left
 * alone.
 */
class PluginsFolderIT {

    @TempDir
    Path home;

    @Test
    void jarsDroppedWhileRunningAreInstalledRecordedAndStartedAndRemovedOnesUninstalled() throws Exception {
        try (HostProcess host = HostProcess.start(home)) {
            Http http = new Http(host);
            Path plugins = home.resolve("plugins");
            Files.write(plugins.resolve("late.jar"), TestApps.bundle("com.acme.late", "1.0.0", 100));
            Files.writeString(plugins.resolve("io.appsigning.policy.cfg"), "mode=OFF\n");

            JsonNode late = await(http, "com.acme.late", true).orElseThrow();
            assertThat(late.get("state").asText()).isEqualTo("ACTIVE");
            assertThat(late.get("signature").get("status").asText()).isEqualTo("FILE_SYSTEM");
            assertThat(late.get("version").asText()).isEqualTo("1.0.0");
            assertThat(http.get("/api/settings").json().get("mode").asText())
                    .as("a .cfg in the plugins folder is not a configuration").isEqualTo("WARN");
            try (var files = Files.list(plugins)) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder("late.jar", "io.appsigning.policy.cfg");
            }

            Files.delete(plugins.resolve("late.jar"));
            assertThat(await(http, "com.acme.late", false)).isEmpty();
        }
    }

    /** Waits (FileInstall polls every second) until the app is listed, or no longer listed. */
    private static Optional<JsonNode> await(Http http, String key, boolean present) throws Exception {
        Optional<JsonNode> found = Optional.empty();
        for (int i = 0; i < 100; i++) {
            found = Optional.empty();
            for (JsonNode app : http.get("/api/apps").json().get("apps")) {
                if (app.get("key").asText().equals(key)) {
                    found = Optional.of(app);
                }
            }
            boolean settled = present ? found.filter(app -> app.get("state").asText().equals("ACTIVE")).isPresent() : found.isEmpty();
            if (settled) {
                return found;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(key + (present ? " was not installed and started" : " was not uninstalled") + ": " + found);
    }
}
