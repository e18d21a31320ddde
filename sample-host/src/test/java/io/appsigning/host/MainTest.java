package io.appsigning.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The framework configuration the host starts Felix with: one home, FileInstall, strict, the console. */
class MainTest {

    private static final String CONSOLE_DEFAULT_PASSWORD = "{sha-256}jGl25bVBBBW96Qi9Te4V37Fnqchz/Eu4qB9vKrRIqRg=";

    private static Map<String, String> properties(Properties system, String... args) {
        return Main.frameworkProperties(Main.parse(args, new PrintStream(new ByteArrayOutputStream())), system);
    }

    @Test
    void theHomeIsResolvedOnceAbsoluteAndEveryFolderIsUnderIt() {
        Map<String, String> config = properties(new Properties(), "--home", "some/../where");
        Path home = Path.of("where").toAbsolutePath();
        assertThat(config.get("appsigning.home")).isEqualTo(home.toString());
        assertThat(config.get("felix.fileinstall.dir")).isEqualTo(home.resolve("plugins").toString());
        assertThat(Path.of(config.get("org.osgi.framework.storage")).startsWith(home.resolve("data"))).isTrue();
    }

    @Test
    void fileInstallWatchesOnlyJarsInThePluginsFolderFromTheStart() {
        Map<String, String> config = properties(new Properties(), "--home", "/srv/product");
        assertThat(config).containsEntry("felix.fileinstall.dir", "/srv/product/plugins")
                .containsEntry("felix.fileinstall.noInitialDelay", "true")
                .containsEntry("felix.fileinstall.bundles.new.start", "true")
                .containsEntry("felix.fileinstall.enableConfigSave", "false");
        assertThat(Long.parseLong(config.get("felix.fileinstall.poll"))).isBetween(500L, 2000L);
        assertThat(Path.of(config.get("felix.fileinstall.tmpdir")).startsWith("/srv/product/plugins")).isFalse();
        String filter = config.get("felix.fileinstall.filter");
        assertThat("app.jar").matches(filter);
        assertThat("io.appsigning.policy.cfg").doesNotMatch(filter);
        assertThat("app.jar.sig").doesNotMatch(filter);
        assertThat("appxjar").doesNotMatch(filter);
    }

    @Test
    void appsAndFileInstallStartAfterTheProduct() {
        Map<String, String> config = properties(new Properties());
        int apps = Main.APPS_START_LEVEL;
        assertThat(apps).isGreaterThan(Main.PRODUCT_START_LEVEL);
        assertThat(config).containsEntry("org.osgi.framework.startlevel.beginning", Integer.toString(apps))
                .containsEntry("felix.startlevel.bundle", Integer.toString(apps))
                .containsEntry("felix.fileinstall.start.level", Integer.toString(apps))
                .containsEntry("felix.fileinstall.active.level", Integer.toString(apps));
    }

    @Test
    void strictIsOnInTheSampleHostUnlessTheOperatorSaysOtherwise() {
        assertThat(properties(new Properties())).containsEntry("appsigning.strict", "true");
        Properties operator = new Properties();
        operator.setProperty("appsigning.strict", "false");
        assertThat(properties(operator)).containsEntry("appsigning.strict", "false");
    }

    @Test
    void theConsoleWaitsForOurSecurityProviderAndItsOwnPasswordIsNobodys() {
        Map<String, String> first = properties(new Properties());
        Map<String, String> second = properties(new Properties());
        assertThat(first).containsEntry("felix.webconsole.security.providers", "appsigning");
        assertThat(first.get("felix.webconsole.password")).startsWith("{sha-256}").isNotEqualTo(CONSOLE_DEFAULT_PASSWORD)
                .isNotEqualTo(second.get("felix.webconsole.password"));
    }

    @Test
    void aSingleNodeHasNoClusterPropertiesAndItsOwnConfigurationFolder() {
        Map<String, String> config = properties(new Properties(), "--home", "h");
        assertThat(config).doesNotContainKeys("appsigning.cluster.db", "appsigning.cluster.nodeId", "appsigning.sharedHome");
        assertThat(config.get("appsigning.upmconfig")).isEqualTo(Path.of("h/upmconfig").toAbsolutePath().toString());
    }

    @Test
    void aDataCenterNodeTakesItsConfigurationFromTheSharedHome() {
        Map<String, String> config = properties(new Properties(), "--home", "local", "--shared-home", "shared",
                "--cluster-db", "jdbc:postgresql://127.0.0.1:5432/appsign", "--node-id", "node-2");
        assertThat(config).containsEntry("appsigning.cluster.db", "jdbc:postgresql://127.0.0.1:5432/appsign")
                .containsEntry("appsigning.cluster.nodeId", "node-2")
                .containsEntry("appsigning.sharedHome", Path.of("shared").toAbsolutePath().toString())
                .containsEntry("appsigning.upmconfig", Path.of("shared/upmconfig").toAbsolutePath().toString())
                .containsEntry("appsigning.home", Path.of("local").toAbsolutePath().toString());
        assertThat(properties(new Properties(), "--shared-home", "s", "--cluster-db", "jdbc:postgresql://db:5432/a",
                "--port", "8181").get("appsigning.cluster.nodeId")).endsWith(":8181")
                .as("the default keeps to the rule a given --node-id is held to").matches("[A-Za-z0-9._:-]{1,64}");
    }

    @Test
    void dataCenterOptionsComeTogetherAndAreChecked() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> properties(new Properties(), "--cluster-db",
                "jdbc:postgresql://db/a")).hasMessageContaining("--shared-home");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> properties(new Properties(), "--shared-home", "s"))
                .hasMessageContaining("--cluster-db");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> properties(new Properties(), "--shared-home", "s",
                "--cluster-db", "jdbc:mysql://db/a")).hasMessageContaining("PostgreSQL");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> properties(new Properties(), "--shared-home", "s",
                "--cluster-db", "jdbc:postgresql://db/a", "--node-id", "a b\nINJECTED")).hasMessageContaining("--node-id");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> properties(new Properties(), "--node-id", "n1"))
                .hasMessageContaining("Data Center");
    }
}
