package io.appsigning.pluginmanager.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.appsigning.gate.AppRecord;
import io.appsigning.gate.Mode;
import io.appsigning.gate.Policies;
import io.appsigning.gate.Policy;
import io.appsigning.gate.PolicyView;
import io.appsigning.gate.SignatureStatus;
import io.appsigning.verifier.Flow;
import io.appsigning.verifier.ReasonCode;
import io.appsigning.verifier.Signer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;

/** The API's JSON shapes, from real bundles in a real framework. */
class ApiServletTest {

    @TempDir
    static Path cache;
    static Framework framework;

    @BeforeAll
    static void boot() throws Exception {
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, cache.toString());
        framework = new FrameworkFactory().newFramework(config);
        framework.start();
    }

    @AfterAll
    static void shutDown() throws Exception {
        framework.stop();
        framework.waitForStop(10_000);
    }

    private static Bundle install(String name, String version, Map<String, String> headers) throws Exception {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
        manifest.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
        manifest.getMainAttributes().putValue("Bundle-SymbolicName", name);
        manifest.getMainAttributes().putValue("Bundle-Version", version);
        headers.forEach(manifest.getMainAttributes()::putValue);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new JarOutputStream(bytes, manifest).close();
        return framework.getBundleContext().installBundle("test:" + name, new ByteArrayInputStream(bytes.toByteArray()));
    }

    @Test
    void anAppHasItsNameVendorRecordAndTheLabelOfItsStatus() throws Exception {
        Bundle bundle = install("com.acme.shown", "1.2.3", Map.of("Bundle-Name", "Acme Shown", "Bundle-Vendor", "Acme Inc."));
        AppRecord record = new AppRecord("com.acme.shown", "1.2.3", SignatureStatus.NOT_VERIFIED, Flow.CUSTOM, null,
                ReasonCode.SIGNATURE_MISMATCH, "ab".repeat(32), Instant.parse("2026-11-25T10:00:00Z"), "admin");
        ObjectNode json = ApiServlet.app(bundle, Optional.of(record), false);
        assertThat(json.get("key").asText()).isEqualTo("com.acme.shown");
        assertThat(json.get("name").asText()).isEqualTo("Acme Shown");
        assertThat(json.get("vendor").asText()).isEqualTo("Acme Inc.");
        assertThat(json.get("state").asText()).isEqualTo("INSTALLED");
        assertThat(json.get("sha256").asText()).isEqualTo("ab".repeat(32));
        assertThat(json.get("installedAt").asText()).isEqualTo("2026-11-25T10:00:00Z");
        assertThat(json.get("installedBy").asText()).isEqualTo("admin");
        assertThat(json.get("signature").get("status").asText()).isEqualTo("NOT_VERIFIED");
        assertThat(json.get("signature").get("label").asText()).isEqualTo("Signature failed");
        assertThat(json.get("signature").get("reason").asText()).isEqualTo("SIGNATURE_MISMATCH");
        assertThat(json.get("signature").get("signer").isNull()).isTrue();

        AppRecord verified = new AppRecord("com.acme.shown", "1.2.3", SignatureStatus.VERIFIED, Flow.MARKETPLACE,
                new Signer("CN=Leaf", "cd".repeat(32)), ReasonCode.VERIFIED, null, Instant.now(), "admin");
        ObjectNode signed = ApiServlet.app(bundle, Optional.of(verified), false);
        assertThat(signed.get("signature").get("signer").get("subject").asText()).isEqualTo("CN=Leaf");
        assertThat(signed.get("signature").get("flow").asText()).isEqualTo("MARKETPLACE");
        bundle.uninstall();
    }

    @Test
    void aBundleStrictModeBlocksIsListedBlockedAndOneWithoutARecordNotChecked() throws Exception {
        Bundle bundle = install("com.acme.sideloaded", "1.0.0", Map.of());
        assertThat(ApiServlet.app(bundle, Optional.empty(), true).get("signature").get("status").asText()).isEqualTo("BLOCKED");
        assertThat(ApiServlet.app(bundle, Optional.empty(), true).get("signature").get("label").asText())
                .isEqualTo("Blocked (strict mode)");
        assertThat(ApiServlet.app(bundle, Optional.empty(), false).get("signature").get("status").asText())
                .isEqualTo("NOT_CHECKED");
        assertThat(ApiServlet.app(bundle, Optional.empty(), false).get("name").asText())
                .as("without a Bundle-Name the key stands in").isEqualTo("com.acme.sideloaded");
        bundle.uninstall();
    }

    @Test
    void settingsSayWhatIsInForceAndWhereItComesFrom() {
        Policy policy = Policies.parse(Map.of("mode", "WARN", "enforceAfter", "2020-01-01", "upload.enabled", "false"));
        Map<String, String> sources = new LinkedHashMap<>();
        Policies.KEYS.forEach(key -> sources.put(key, "default"));
        sources.put("mode", "file");
        sources.put("upload.enabled", "admin");
        ObjectNode json = ApiServlet.settings(new PolicyView(policy, sources, "/home/upmconfig/signing.properties"));
        assertThat(json.get("mode").asText()).isEqualTo("WARN");
        assertThat(json.get("effective").get("upload").asText()).as("the grace period is over").isEqualTo("ENFORCE");
        assertThat(json.get("effective").get("uploadsAccepted").asBoolean()).isFalse();
        assertThat(json.get("upload.enabled").isBoolean()).isTrue();
        assertThat(json.get("strict").isBoolean()).isTrue();
        assertThat(json.get("sources").get("upload.enabled").asText()).isEqualTo("admin");
        assertThat(json.get("operatorFile").asText()).isEqualTo("/home/upmconfig/signing.properties");
    }
}
