package io.appsigning.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.appsigning.audit.AuditChain;
import io.appsigning.truststore.Identity;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API of the running product, every endpoint and error code, and what survives a restart.
 *
 * <p>No test depends on another: the shared host stays in the default policy ({@code WARN}) and each
 * test there installs apps of its own; a test that changes the policy or restarts gets a host of its
 * own. The order is random on purpose (CI prints the seed, {@code junit.jupiter.execution.order.random.seed}).
 */
@TestMethodOrder(MethodOrderer.Random.class)
class HostRestIT {

    /** Whether the product itself runs as root (it runs as the product user where HostProcess can arrange it). */
    private static final boolean ROOT = !HostProcess.asProductUser() && Identity.current().isRoot();

    @TempDir
    static Path sharedHome;
    static HostProcess shared;
    static Http http;
    static TestApps vendor;

    @BeforeAll
    static void start() throws Exception {
        vendor = new TestApps("CN=Acme Vendor");
        shared = startWithVendor(sharedHome);
        http = new Http(shared);
    }

    @AfterAll
    static void stop() throws Exception {
        if (shared != null) {
            shared.close();
        }
    }

    /** A host on {@code home} with one app in plugins/ and the vendor's certificate in its trust store, picked up live. */
    static HostProcess startWithVendor(Path home) throws Exception {
        Files.createDirectories(home.resolve("plugins"));
        Files.write(home.resolve("plugins/fs-app.jar"), TestApps.bundle("com.acme.fs", "2.0.0", 100));
        HostProcess host = HostProcess.start(home, "-Dappsigning.maxAppBytes=200000");
        Files.writeString(home.resolve("upmconfig/truststore/vendor.crt"), vendor.certificatePem());
        Http client = new Http(host);
        String expiry = "";
        for (int i = 0; i < 100 && !expiry.contains("1 trusted certificates"); i++) {
            Thread.sleep(100);
            expiry = client.get("/api/health").json().get("checks").get(1).toString();
        }
        assertThat(expiry).as("the trust store picks the certificate up without a restart").contains("1 trusted certificates");
        return host;
    }

    @Test
    void credentialsAreRequired() throws Exception {
        HttpRequest.Builder apps = HttpRequest.newBuilder(URI.create(shared.url("/api/apps"))).GET();
        Http.Response none = http.send(apps, null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.code()).isEqualTo("UNAUTHORIZED");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(shared.url("/api/apps"))).GET(), Http.basic("admin", "wrong")).status())
                .isEqualTo(401);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(shared.url("/api/settings")))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"mode\":\"OFF\"}")), null).status()).isEqualTo(401);
        assertThat(http.get("/api/settings").json().get("mode").asText()).as("the refused PUT changed nothing").isEqualTo("WARN");
        assertThat(shared.output()).noneMatch(line -> line.contains(HostProcess.PASSWORD));
        String stored = Files.readString(sharedHome.resolve("data/admin.pwd"));
        assertThat(stored).startsWith("pbkdf2-sha256$").doesNotContain(HostProcess.PASSWORD);
    }

    @Test
    void theFileSystemAppIsListedAndTheProductsBundlesAreNot() throws Exception {
        JsonNode apps = http.get("/api/apps").json().get("apps");
        // Other tests may have added apps of their own (all com.acme.*); the product's bundles never show.
        assertThat(apps).extracting(app -> app.get("key").asText()).contains("com.acme.fs")
                .allSatisfy(key -> assertThat(key).startsWith("com.acme."));
        assertThat(apps).filteredOn(app -> app.get("key").asText().equals("com.acme.fs")).singleElement().satisfies(app -> {
            assertThat(app.get("state").asText()).isEqualTo("ACTIVE");
            assertThat(app.get("version").asText()).isEqualTo("2.0.0");
            assertThat(app.get("signature").get("status").asText()).isEqualTo("FILE_SYSTEM");
        });
    }

    @Test
    void aSignedAppInstallsVerified() throws Exception {
        byte[] app = TestApps.bundle("com.acme.hello", "1.0.0", 2_000);
        Http.Response response = http.upload(app, vendor.signatureFile(app));
        assertThat(response.status()).as(response.text()).isEqualTo(201);
        assertThat(response.json().get("key").asText()).isEqualTo("com.acme.hello");
        assertThat(response.json().get("state").asText()).isEqualTo("ACTIVE");
        JsonNode signature = response.json().get("signature");
        assertThat(signature.get("status").asText()).isEqualTo("VERIFIED");
        assertThat(signature.get("flow").asText()).isEqualTo("CUSTOM");
        assertThat(signature.get("signer").get("subject").asText()).isEqualTo("CN=Acme Vendor");
    }

    @Test
    void inWarnAnUnverifiedUpdateInstallsAsNotVerifiedWithItsReason() throws Exception {
        byte[] first = TestApps.bundle("com.acme.update", "1.0.0", 2_000);
        assertThat(http.upload(first, vendor.signatureFile(first)).status()).isEqualTo(201);
        byte[] next = TestApps.bundle("com.acme.update", "1.1.0", 2_500);
        Http.Response response = http.upload(next, vendor.signatureFile(first));
        assertThat(response.status()).as(response.text()).isEqualTo(201);
        assertThat(response.json().get("version").asText()).isEqualTo("1.1.0");
        // Signed, but the signature failed: "Signature failed", never "Unsigned".
        assertThat(response.json().get("signature").get("status").asText()).isEqualTo("NOT_VERIFIED");
        assertThat(response.json().get("signature").get("label").asText()).isEqualTo("Signature failed");
        assertThat(response.json().get("signature").get("reason").asText()).isEqualTo("SIGNATURE_MISMATCH");
        assertThat(response.json().get("previousVersion").asText()).isEqualTo("1.0.0");
        JsonNode listed = http.get("/api/apps").json().get("apps");
        assertThat(listed).filteredOn(app -> app.get("key").asText().equals("com.acme.update")).singleElement().satisfies(app -> {
            assertThat(app.get("version").asText()).isEqualTo("1.1.0");
            assertThat(app.get("signature").get("reason").asText()).isEqualTo("SIGNATURE_MISMATCH");
        });
    }

    @Test
    void inEnforceEveryRejectionHasItsCodeAndLeavesNothingBehind(@TempDir Path home) throws Exception {
        try (HostProcess host = startWithVendor(home)) {
            Http http = new Http(host);
            Http.Response enforce = http.put("/api/settings", "{\"mode\": \"ENFORCE\"}");
            assertThat(enforce.status()).isEqualTo(200);
            assertThat(enforce.json().get("mode").asText()).isEqualTo("ENFORCE");
            byte[] other = TestApps.bundle("com.acme.other", "1.0.0", 1_000);

            Http.Response tampered = http.upload(TestApps.tampered(other), vendor.signatureFile(other));
            assertThat(tampered.status()).isEqualTo(422);
            assertThat(tampered.code()).isEqualTo("SIGNATURE_MISMATCH");
            assertThat(tampered.json().get("error").get("message").asText()).isNotBlank();

            Http.Response missing = http.upload(other, null);
            assertThat(missing.status()).isEqualTo(422);
            assertThat(missing.code()).isEqualTo("MISSING_SIGNATURE");

            Http.Response malformed = http.upload(other, "{\"signature\": 42}".getBytes());
            assertThat(malformed.status()).isEqualTo(422);
            assertThat(malformed.code()).isEqualTo("MALFORMED_SIGNATURE_FILE");

            byte[] notABundle = "just some bytes".getBytes();
            Http.Response invalid = http.upload(notABundle, vendor.signatureFile(notABundle));
            assertThat(invalid.status()).isEqualTo(400);
            assertThat(invalid.code()).isEqualTo("INVALID_APP");

            Map<String, byte[]> appFirst = new LinkedHashMap<>();
            appFirst.put("app", TestApps.tampered(other));
            appFirst.put("signature", vendor.signatureFile(other));
            assertThat(http.upload(appFirst).code()).as("the part order does not matter").isEqualTo("SIGNATURE_MISMATCH");

            byte[] big = TestApps.bundle("com.acme.big", "1.0.0", 300_000);
            Http.Response tooLarge = http.upload(big, vendor.signatureFile(big));
            assertThat(tooLarge.status()).isEqualTo(413);
            assertThat(tooLarge.code()).isEqualTo("APP_TOO_LARGE");

            assertThat(http.upload(new LinkedHashMap<>(Map.of("signature", vendor.signatureFile(other)))).status()).isEqualTo(400);

            assertThat(http.get("/api/apps").json().get("apps")).extracting(app -> app.get("key").asText())
                    .containsExactly("com.acme.fs");
            assertThat(filesIn(home.resolve("data/spool"))).isEmpty();
            assertThat(filesIn(home.resolve("data/upload-scratch"))).isEmpty();

            Http.Response signed = http.upload(other, vendor.signatureFile(other));
            assertThat(signed.status()).isEqualTo(201);
        }
    }

    @Test
    void uploadsCanBeTurnedOff(@TempDir Path home) throws Exception {
        try (HostProcess host = startWithVendor(home)) {
            Http http = new Http(host);
            byte[] app = TestApps.bundle("com.acme.off", "1.0.0", 1_000);
            assertThat(http.put("/api/settings", "{\"upload.enabled\": false}").status()).isEqualTo(200);
            Http.Response disabled = http.upload(app, vendor.signatureFile(app));
            assertThat(disabled.status()).isEqualTo(403);
            assertThat(disabled.code()).isEqualTo("UPLOAD_DISABLED");
            assertThat(http.get("/api/apps").json().get("apps")).extracting(a -> a.get("key").asText()).containsExactly("com.acme.fs");
        }
    }

    @Test
    void badSettingsAreRejectedAndChangeNothing(@TempDir Path home) throws Exception {
        try (HostProcess host = startWithVendor(home)) {
            Http http = new Http(host);
            JsonNode before = http.get("/api/settings").json();
            assertThat(before.get("mode").asText()).isEqualTo("WARN");
            Http.Response unknown = http.put("/api/settings", "{\"mood\": \"happy\"}");
            assertThat(unknown.status()).isEqualTo(400);
            assertThat(unknown.code()).isEqualTo("INVALID_SETTING");
            assertThat(http.put("/api/settings", "{\"mode\": \"STRICT\"}").status()).isEqualTo(400);
            assertThat(http.put("/api/settings", "{\"enforceAfter\": \"soon\", \"mode\": \"ENFORCE\"}").status())
                    .as("one bad value refuses the whole change").isEqualTo(400);
            assertThat(http.put("/api/settings", "[1, 2]").status()).isEqualTo(400);
            assertThat(http.put("/api/settings", "{\"mode\": 3}").status()).isEqualTo(400);
            assertThat(http.get("/api/settings").json()).isEqualTo(before);
            JsonNode grace = http.put("/api/settings", "{\"enforceAfter\": \"2099-01-31\"}").json();
            assertThat(grace.get("enforceAfter").asText()).isEqualTo("2099-01-31T00:00:00Z");
            assertThat(grace.get("mode").asText()).isEqualTo("WARN");
        }
    }

    @Test
    void theTrustedCertificatesAreListedAsTheProductSeesThem() throws Exception {
        Http.Response response = http.get("/api/certificates");
        assertThat(response.status()).isEqualTo(200);
        JsonNode report = response.json();
        assertThat(report.get("location").asText()).isEqualTo(sharedHome.resolve("upmconfig/truststore").toString());
        assertThat(report.get("safety").get("status").asText()).isEqualTo(ROOT ? "WARN" : "OK");
        assertThat(report.get("certificates")).singleElement().satisfies(certificate -> {
            assertThat(certificate.get("subject").asText()).isEqualTo("CN=Acme Vendor");
            assertThat(certificate.get("issuer").asText()).isEqualTo("CN=Acme Vendor");
            assertThat(certificate.get("sha256").asText())
                    .isEqualTo(io.appsigning.truststore.TrustedCertificate.sha256Hex(vendor.certificate.getEncoded()));
            assertThat(certificate.get("ca").asBoolean()).isFalse();
            assertThat(certificate.get("keyAlgorithm").asText()).isEqualTo("Ed25519");
            assertThat(certificate.get("file").asText()).isEqualTo("vendor.crt");
            assertThat(certificate.get("status").asText()).isEqualTo("VALID");
            assertThat(java.time.Instant.parse(certificate.get("notAfter").asText()))
                    .isEqualTo(vendor.certificate.getNotAfter().toInstant());
        });
        assertThat(report.get("skipped")).isEmpty();
        assertThat(http.send(HttpRequest.newBuilder(URI.create(shared.url("/api/certificates"))).GET(), null).status())
                .as("credentials are required").isEqualTo(401);
    }

    @Test
    void healthReportsTheThreeChecks() throws Exception {
        Http.Response health = http.get("/api/health");
        assertThat(health.status()).isEqualTo(200);
        // The shared host: default policy WARN (a warning until ENFORCE), one valid certificate, a
        // protected trust store, which as root is a warning of its own.
        assertThat(health.json().get("status").asText()).isEqualTo("WARN");
        JsonNode checks = health.json().get("checks");
        assertThat(checks).extracting(check -> check.get("name").asText())
                .containsExactly("trust-store-permissions", "certificate-expiry", "signing-status");
        assertThat(checks).extracting(check -> check.get("status").asText())
                .containsExactly(ROOT ? "WARN" : "OK", "OK", "WARN");
        assertThat(checks.get(1).get("messages")).extracting(JsonNode::asText)
                .containsExactly("1 trusted certificates; none expires within 30 days.");
        assertThat(checks.get(2).get("messages")).extracting(JsonNode::asText)
                .contains("No end of the grace period is set (enforceAfter): set one to move to ENFORCE.");
    }

    @Test
    void theChecksRanAtStartUpWithOneLogLineEach() throws Exception {
        // At start-up the trust store was still empty; the policy is the default.
        String permissions = startUpLine("trust-store-permissions");
        assertThat(permissions).startsWith(ROOT ? "WARN | " : "OK | ");
        assertThat(permissions).contains(ROOT ? "The product runs as root" : "The trust store is protected from the product user");
        assertThat(startUpLine("certificate-expiry")).isEqualTo("OK | 0 trusted certificates; none expires within 30 days.");
        assertThat(startUpLine("signing-status")).isEqualTo("WARN"
                + " | Mode for upload apps: WARN (unverified apps install with a warning)."
                + " | Mode for marketplace apps: WARN (unverified apps install with a warning)."
                + " | No end of the grace period is set (enforceAfter): set one to move to ENFORCE.");
    }

    /** What the one start-up line of check {@code name} says after "Health check NAME: ". */
    private static String startUpLine(String name) {
        String prefix = "Health check " + name + ": ";
        List<String> lines = new ArrayList<>();
        for (String line : shared.output()) {
            int at = line.indexOf(prefix);
            if (at >= 0) {
                lines.add(line.substring(at + prefix.length()));
            }
        }
        assertThat(lines).as("start-up lines of %s", name).hasSize(1);
        return lines.get(0);
    }

    @Test
    void uninstall() throws Exception {
        byte[] app = TestApps.bundle("com.acme.removable", "1.0.0", 1_000);
        assertThat(http.upload(app, vendor.signatureFile(app)).status()).isEqualTo(201);
        assertThat(http.delete("/api/apps/com.acme.removable").status()).isEqualTo(204);
        assertThat(http.get("/api/apps").json().get("apps")).extracting(a -> a.get("key").asText()).doesNotContain("com.acme.removable");
        Http.Response again = http.delete("/api/apps/com.acme.removable");
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.code()).isEqualTo("NOT_FOUND");
        assertThat(http.get("/api/nothing").status()).isEqualTo(404);
    }

    @Test
    void appsRecordsAndPolicySurviveARestartAndTheAuditChainIsIntact(@TempDir Path home) throws Exception {
        HostProcess host = startWithVendor(home);
        try {
            Http http = new Http(host);
            byte[] signed = TestApps.bundle("com.acme.kept", "1.0.0", 1_000);
            byte[] unsigned = TestApps.bundle("com.acme.unsigned", "1.0.0", 1_000);
            assertThat(http.upload(signed, vendor.signatureFile(signed)).status()).isEqualTo(201);
            assertThat(http.upload(unsigned, null).status()).isEqualTo(201);
            assertThat(http.put("/api/settings", "{\"mode\": \"ENFORCE\"}").status()).isEqualTo(200);
            host.close();
            host = HostProcess.start(home, "-Dappsigning.maxAppBytes=200000");
            http = new Http(host);
            JsonNode apps = http.get("/api/apps").json().get("apps");
            Map<String, String> statusByKey = new LinkedHashMap<>();
            apps.forEach(app -> {
                assertThat(app.get("state").asText()).as(app.toString()).isEqualTo("ACTIVE");
                statusByKey.put(app.get("key").asText(), app.get("signature").get("status").asText());
            });
            assertThat(statusByKey).containsOnly(Map.entry("com.acme.fs", "FILE_SYSTEM"), Map.entry("com.acme.kept", "VERIFIED"),
                    Map.entry("com.acme.unsigned", "UNSIGNED"));
            assertThat(http.get("/api/settings").json().get("mode").asText()).isEqualTo("ENFORCE");
        } finally {
            host.close();
        }
        Path log = home.resolve("audit/audit.log");
        AuditChain.Result chain = AuditChain.verify(log);
        assertThat(chain.intact()).as(chain.message()).isTrue();
        ObjectMapper json = new ObjectMapper();
        List<String> installs = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            JsonNode entry = json.readTree(line);
            if (entry.hasNonNull("key") && entry.hasNonNull("reason")) {
                installs.add(entry.get("key").asText() + " " + entry.get("reason").asText());
            }
        }
        // The plugins folder's app is on record too (origin FILE_SYSTEM, not checked), once: the restart found it recorded.
        assertThat(installs).containsExactly("com.acme.fs NOT_CHECKED", "com.acme.kept VERIFIED", "com.acme.unsigned MISSING_SIGNATURE");
    }

    @Test
    void uploadedAppsComeBackFromTheirArchivedBytesWhenTheFrameworkCacheIsLost(@TempDir Path home) throws Exception {
        HostProcess host = startWithVendor(home);
        byte[] signed = TestApps.bundle("com.acme.restored", "1.0.0", 1_000);
        byte[] swapped = TestApps.bundle("com.acme.swapped", "1.0.0", 1_000);
        try {
            Http http = new Http(host);
            assertThat(http.upload(signed, vendor.signatureFile(signed)).status()).isEqualTo(201);
            assertThat(http.upload(swapped, vendor.signatureFile(swapped)).status()).isEqualTo(201);
        } finally {
            host.close();
        }
        // The README says the framework's cache need not be backed up: wipe it, and change one archived app's bytes.
        deleteTree(home.resolve("data/felix-cache"));
        Path archivedSwapped;
        try (Stream<Path> archived = Files.list(home.resolve("data/apps"))) {
            archivedSwapped = archived.filter(file -> {
                try {
                    return java.util.Arrays.equals(Files.readAllBytes(file), swapped);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).findFirst().orElseThrow();
        }
        Files.write(archivedSwapped, TestApps.tampered(swapped));
        host = HostProcess.start(home, "-Dappsigning.maxAppBytes=200000");
        try {
            Http http = new Http(host);
            JsonNode apps = http.get("/api/apps").json().get("apps");
            Map<String, String> byKey = new LinkedHashMap<>();
            apps.forEach(app -> byKey.put(app.get("key").asText(), app.get("state").asText() + " "
                    + app.get("signature").get("status").asText() + " " + app.get("sha256").asText()));
            assertThat(byKey).containsEntry("com.acme.restored", "ACTIVE VERIFIED " + io.appsigning.truststore.TrustedCertificate.sha256Hex(signed))
                    .doesNotContainKey("com.acme.swapped");
        } finally {
            host.close();
        }
        List<String> decisions = new ArrayList<>();
        for (String line : Files.readAllLines(home.resolve("audit/audit.log"))) {
            JsonNode entry = new ObjectMapper().readTree(line);
            if (entry.path("decision").asText().contains("RESTORED")) {
                decisions.add(entry.get("key").asText() + " " + entry.get("decision").asText());
            }
        }
        assertThat(decisions).containsExactlyInAnyOrder("com.acme.restored RESTORED", "com.acme.swapped NOT_RESTORED");
        assertThat(AuditChain.verify(home.resolve("audit/audit.log")).intact()).isTrue();
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static List<Path> filesIn(Path folder) throws Exception {
        if (!Files.exists(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }
}
