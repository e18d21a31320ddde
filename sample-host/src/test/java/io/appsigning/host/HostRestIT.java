package io.appsigning.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.appsigning.audit.AuditChain;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The REST API of the running product, every endpoint and error code, and what survives a restart. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostRestIT {

    @TempDir
    static Path home;
    static HostProcess host;
    static Http http;
    static TestApps vendor;
    static final byte[] APP = bundleOrFail("com.acme.hello", "1.0.0", 2_000);

    static byte[] bundleOrFail(String name, String version, int padding) {
        try {
            return TestApps.bundle(name, version, padding);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        vendor = new TestApps("CN=Acme Vendor");
        Files.createDirectories(home.resolve("plugins"));
        Files.write(home.resolve("plugins/fs-app.jar"), TestApps.bundle("com.acme.fs", "2.0.0", 100));
        host = HostProcess.start(home, "-Dappsigning.maxAppBytes=200000");
        http = new Http(host);
        Files.writeString(home.resolve("upmconfig/truststore/vendor.crt"), vendor.certificatePem());
        // The trust store picks the certificate up without a restart.
        for (int i = 0; i < 100 && !http.get("/api/health").text().contains("1 trusted certificates"); i++) {
            Thread.sleep(100);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (host != null) {
            host.close();
        }
    }

    @Test
    @Order(1)
    void credentialsAreRequired() throws Exception {
        HttpRequest.Builder apps = HttpRequest.newBuilder(URI.create(host.url("/api/apps"))).GET();
        Http.Response none = http.send(apps, null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.code()).isEqualTo("UNAUTHORIZED");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(host.url("/api/apps"))).GET(), Http.basic("admin", "wrong")).status())
                .isEqualTo(401);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(host.url("/api/settings")))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"mode\":\"OFF\"}")), null).status()).isEqualTo(401);
        assertThat(host.output()).noneMatch(line -> line.contains(HostProcess.PASSWORD));
        String stored = Files.readString(home.resolve("data/admin.pwd"));
        assertThat(stored).startsWith("pbkdf2-sha256$").doesNotContain(HostProcess.PASSWORD);
    }

    @Test
    @Order(2)
    void theFileSystemAppIsListedAndTheProductsBundlesAreNot() throws Exception {
        JsonNode apps = http.get("/api/apps").json().get("apps");
        assertThat(apps).hasSize(1);
        assertThat(apps.get(0).get("key").asText()).isEqualTo("com.acme.fs");
        assertThat(apps.get(0).get("state").asText()).isEqualTo("ACTIVE");
        assertThat(apps.get(0).get("signature").get("status").asText()).isEqualTo("FILE_SYSTEM");
    }

    @Test
    @Order(3)
    void aSignedAppInstallsVerified() throws Exception {
        Http.Response response = http.upload(APP, vendor.signatureFile(APP));
        assertThat(response.status()).as(response.text()).isEqualTo(201);
        assertThat(response.json().get("key").asText()).isEqualTo("com.acme.hello");
        assertThat(response.json().get("state").asText()).isEqualTo("ACTIVE");
        JsonNode signature = response.json().get("signature");
        assertThat(signature.get("status").asText()).isEqualTo("VERIFIED");
        assertThat(signature.get("flow").asText()).isEqualTo("CUSTOM");
        assertThat(signature.get("signer").get("subject").asText()).isEqualTo("CN=Acme Vendor");
    }

    @Test
    @Order(4)
    void inWarnAnUnverifiedUpdateInstallsAsNotVerifiedWithItsReason() throws Exception {
        byte[] next = TestApps.bundle("com.acme.hello", "1.1.0", 2_500);
        Http.Response response = http.upload(next, vendor.signatureFile(APP));
        assertThat(response.status()).as(response.text()).isEqualTo(201);
        assertThat(response.json().get("version").asText()).isEqualTo("1.1.0");
        // Signed, but the signature failed: "Signature failed", never "Unsigned".
        assertThat(response.json().get("signature").get("status").asText()).isEqualTo("NOT_VERIFIED");
        assertThat(response.json().get("signature").get("label").asText()).isEqualTo("Signature failed");
        assertThat(response.json().get("signature").get("reason").asText()).isEqualTo("SIGNATURE_MISMATCH");
        assertThat(response.json().get("previousVersion").asText()).isEqualTo("1.0.0");
        JsonNode listed = http.get("/api/apps").json().get("apps");
        assertThat(listed).anySatisfy(app -> {
            assertThat(app.get("key").asText()).isEqualTo("com.acme.hello");
            assertThat(app.get("signature").get("reason").asText()).isEqualTo("SIGNATURE_MISMATCH");
        });
    }

    @Test
    @Order(5)
    void inEnforceEveryRejectionHasItsCodeAndLeavesNothingBehind() throws Exception {
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
                .containsExactlyInAnyOrder("com.acme.fs", "com.acme.hello");
        assertThat(filesIn(home.resolve("data/spool"))).isEmpty();
        assertThat(filesIn(home.resolve("data/upload-scratch"))).isEmpty();

        Http.Response signed = http.upload(other, vendor.signatureFile(other));
        assertThat(signed.status()).isEqualTo(201);
    }

    @Test
    @Order(6)
    void uploadsCanBeTurnedOff() throws Exception {
        assertThat(http.put("/api/settings", "{\"upload.enabled\": false}").status()).isEqualTo(200);
        Http.Response disabled = http.upload(APP, vendor.signatureFile(APP));
        assertThat(disabled.status()).isEqualTo(403);
        assertThat(disabled.code()).isEqualTo("UPLOAD_DISABLED");
        // Turning them on again relaxes the policy: only the operator may, in the file (followed live).
        Http.Response locked = http.put("/api/settings", "{\"upload.enabled\": null}");
        assertThat(locked.status()).isEqualTo(403);
        assertThat(locked.code()).isEqualTo("POLICY_LOCKED");
        Path policy = home.resolve("upmconfig/signing.properties");
        String floor = Files.readString(policy);
        Files.writeString(policy, floor + "\npolicy.adminMayRelax=true\n");
        try {
            Http.Response reset = null;
            for (int i = 0; i < 100 && (reset = http.put("/api/settings", "{\"upload.enabled\": null}")).status() != 200; i++) {
                Thread.sleep(100);
            }
            assertThat(reset.json().get("upload.enabled").isNull()).isTrue();
        } finally {
            Files.writeString(policy, floor);
        }
    }

    @Test
    @Order(7)
    void badSettingsAreRejectedAndChangeNothing() throws Exception {
        Http.Response unknown = http.put("/api/settings", "{\"mood\": \"happy\"}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.code()).isEqualTo("INVALID_SETTING");
        assertThat(http.put("/api/settings", "{\"mode\": \"STRICT\"}").status()).isEqualTo(400);
        assertThat(http.put("/api/settings", "{\"enforceAfter\": \"soon\", \"mode\": \"OFF\"}").status()).isEqualTo(400);
        assertThat(http.put("/api/settings", "[1, 2]").status()).isEqualTo(400);
        assertThat(http.put("/api/settings", "{\"mode\": 3}").status()).isEqualTo(400);
        assertThat(http.get("/api/settings").json().get("mode").asText()).isEqualTo("ENFORCE");
        JsonNode grace = http.put("/api/settings", "{\"enforceAfter\": \"2099-01-31\"}").json();
        assertThat(grace.get("enforceAfter").asText()).isEqualTo("2099-01-31T00:00:00Z");
    }

    @Test
    @Order(8)
    void healthReportsTheThreeChecks() throws Exception {
        Http.Response health = http.get("/api/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isIn("OK", "WARN", "CRITICAL");
        assertThat(health.json().get("checks")).extracting(check -> check.get("name").asText())
                .containsExactly("trust-store-permissions", "certificate-expiry", "signing-status");
        // As the product user the root-owned trust store is safe; a product running as root gets a warning of its own.
        assertThat(health.json().get("checks").get(0).get("status").asText()).isEqualTo(HostProcess.asProductUser() ? "OK" : "WARN");
    }

    @Test
    @Order(8)
    void theChecksRanAtStartUpWithOneLogLineEach() throws Exception {
        for (String name : List.of("trust-store-permissions", "certificate-expiry", "signing-status")) {
            assertThat(host.output()).as(name).anyMatch(line -> line.startsWith("Health check " + name + ": ")
                    || line.contains("Health check " + name + ": "));
        }
    }

    @Test
    @Order(9)
    void uninstall() throws Exception {
        assertThat(http.delete("/api/apps/com.acme.other").status()).isEqualTo(204);
        Http.Response again = http.delete("/api/apps/com.acme.other");
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.code()).isEqualTo("NOT_FOUND");
        assertThat(http.get("/api/nothing").status()).isEqualTo(404);
    }

    @Test
    @Order(10)
    void appsRecordsAndPolicySurviveARestartAndTheAuditChainIsIntact() throws Exception {
        host.close();
        host = HostProcess.start(home, "-Dappsigning.maxAppBytes=200000");
        http = new Http(host);
        JsonNode apps = http.get("/api/apps").json().get("apps");
        assertThat(apps).extracting(app -> app.get("key").asText()).containsExactly("com.acme.fs", "com.acme.hello");
        assertThat(apps.get(1).get("state").asText()).isEqualTo("ACTIVE");
        assertThat(apps.get(1).get("signature").get("status").asText()).isEqualTo("NOT_VERIFIED");
        assertThat(apps.get(0).get("signature").get("status").asText()).isEqualTo("FILE_SYSTEM");
        assertThat(http.get("/api/settings").json().get("mode").asText()).isEqualTo("ENFORCE");
        AuditChain.Result chain = AuditChain.verify(home.resolve("audit/audit.log"));
        assertThat(chain.intact()).as(chain.message()).isTrue();
        assertThat(chain.lines()).isGreaterThanOrEqualTo(10);
    }

    private static List<Path> filesIn(Path folder) throws Exception {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }
}
