package io.appsigning.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.appsigning.audit.AuditChain;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trust boundary (issue 12), tried as an attacker would against the running host, as the
 * product user with a root-owned configuration folder: each test reproduces one attack and shows
 * that it fails. Every test starts a host of its own, so none depends on another.
 */
class TrustBoundaryIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    private HostProcess start(String floor, String... jvmOptions) throws Exception {
        Files.createDirectories(home.resolve("upmconfig/truststore"));
        Files.writeString(home.resolve("upmconfig/signing.properties"), floor);
        return HostProcess.start(home, jvmOptions);
    }

    private static void awaitTrusted(Http http, int count) throws Exception {
        for (int i = 0; i < 100 && !http.get("/api/health").text().contains(count + " trusted certificates"); i++) {
            Thread.sleep(100);
        }
        assertThat(http.get("/api/health").text()).contains(count + " trusted certificates");
    }

    private List<JsonNode> auditLines() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(home.resolve("audit/audit.log"))) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    // ---- 1. the policy: only the operator relaxes it ---------------------------------------------

    @Test
    void theAdminMayTightenButNotRelaxAndACacheWipeRelaxesNothing() throws Exception {
        try (HostProcess host = start("mode=WARN\nenforceAfter=2027-06-30\n")) {
            Http http = new Http(host);
            Http.Response tightened = http.put("/api/settings", "{\"mode\": \"ENFORCE\", \"enforceAfter\": \"2027-01-31\"}");
            assertThat(tightened.status()).as(tightened.text()).isEqualTo(200);
            assertThat(tightened.json().get("mode").asText()).isEqualTo("ENFORCE");
            assertThat(tightened.json().get("sources").get("mode").asText()).isEqualTo("admin");
            assertThat(tightened.json().get("effective").get("upload").asText()).isEqualTo("ENFORCE");

            for (String relax : List.of("{\"mode\": \"WARN\"}", "{\"mode\": \"OFF\"}", "{\"mode\": null}",
                    "{\"mode.upload\": \"OFF\"}", "{\"enforceAfter\": \"2028-01-01\"}", "{\"enforceAfter\": null}",
                    "{\"trustStore.looseCheck\": true}", "{\"policy.adminMayRelax\": true}", "{\"strict\": false}")) {
                Http.Response refused = http.put("/api/settings", relax);
                assertThat(refused.status()).as(relax).isEqualTo(403);
                assertThat(refused.code()).as(relax).isEqualTo("POLICY_LOCKED");
                assertThat(refused.json().get("error").get("file").asText()).as(relax)
                        .isEqualTo(home.resolve("upmconfig/signing.properties").toString());
            }
            assertThat(http.get("/api/settings").json().get("mode").asText()).isEqualTo("ENFORCE");
            assertThat(auditLines()).anyMatch(line -> line.path("decision").asText().equals("POLICY_CHANGED")
                    && line.path("user").asText().equals("admin") && line.path("policy").path("mode").asText().equals("ENFORCE"));
        }
        // The routine clean-up: the framework cache goes. The admin's tightening does not.
        deleteTree(home.resolve("data/felix-cache"));
        try (HostProcess host = HostProcess.start(home)) {
            JsonNode settings = new Http(host).get("/api/settings").json();
            assertThat(settings.get("mode").asText()).isEqualTo("ENFORCE");
            assertThat(settings.get("enforceAfter").asText()).isEqualTo("2027-01-31T00:00:00Z");
        }
    }

    @Test
    void theOperatorsFileIsFollowedLiveAndItsKillSwitchAndAllowanceWork() throws Exception {
        try (HostProcess host = start("mode=WARN\n")) {
            Http http = new Http(host);
            Files.writeString(home.resolve("upmconfig/signing.properties"), "mode=ENFORCE\npolicy.adminMayRelax=true\n");
            for (int i = 0; i < 100 && !http.get("/api/settings").json().get("mode").asText().equals("ENFORCE"); i++) {
                Thread.sleep(100);
            }
            JsonNode settings = http.get("/api/settings").json();
            assertThat(settings.get("mode").asText()).isEqualTo("ENFORCE");
            assertThat(settings.get("sources").get("mode").asText()).isEqualTo("file");
            assertThat(auditLines()).anyMatch(line -> line.path("decision").asText().equals("POLICY_CHANGED")
                    && line.path("source").asText().endsWith("signing.properties"));
            // The operator allows relaxing from the web: now it is allowed.
            Http.Response relaxed = http.put("/api/settings", "{\"mode\": \"WARN\"}");
            assertThat(relaxed.status()).as(relaxed.text()).isEqualTo(200);
            assertThat(relaxed.json().get("mode").asText()).isEqualTo("WARN");
        }
        // The kill switch: the operator's floor becomes OFF (an admin's tightening would still apply; there is none here).
        Files.writeString(home.resolve("upmconfig/signing.properties"), "mode=ENFORCE\n");
        Files.deleteIfExists(home.resolve("data/admin-policy.properties"));
        try (HostProcess host = HostProcess.start(home, "-Dappsigning.check.disabled=true")) {
            JsonNode settings = new Http(host).get("/api/settings").json();
            assertThat(settings.get("effective").get("upload").asText()).isEqualTo("OFF");
            assertThat(settings.get("sources").get("mode").asText()).isEqualTo("system");
        }
    }

    // ---- 2. cross-site requests, whatever the credentials ----------------------------------------

    @Test
    void aCrossSiteFormPostWithCachedBasicCredentialsInstallsNothing() throws Exception {
        try (HostProcess host = start("mode=WARN\n")) {
            Http http = new Http(host);
            byte[] app = TestApps.bundle("com.evil.csrf", "1.0.0", 100);
            for (Map<String, String> headers : List.of(Map.of("Origin", "http://evil.example"),
                    Map.of("Sec-Fetch-Site", "cross-site"), Map.of("Origin", "null"),
                    Map.of("Origin", "http://127.0.0.1:" + (host.port + 1)))) {
                Http.Response response = http.uploadWithHeaders(app, null, headers);
                assertThat(response.status()).as(headers.toString()).isEqualTo(403);
                assertThat(response.code()).isEqualTo("CROSS_SITE");
            }
            assertThat(http.get("/api/apps").text()).doesNotContain("com.evil.csrf");
            // The same request from the manager's own origin goes through (WARN installs the unsigned app).
            Http.Response same = http.uploadWithHeaders(app, null, Map.of("Origin", "http://127.0.0.1:" + host.port,
                    "Sec-Fetch-Site", "same-origin"));
            assertThat(same.status()).as(same.text()).isEqualTo(201);

            // No Basic challenge ever: a browser must never be led to cache the admin's credentials.
            var unauthenticated = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(host.url("/api/apps")))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(unauthenticated.statusCode()).isEqualTo(401);
            assertThat(unauthenticated.headers().firstValue("WWW-Authenticate")).isEmpty();

            // The sign-in page's request: JSON only, from the manager's origin only.
            String body = "{\"user\": \"admin\", \"password\": \"" + HostProcess.PASSWORD + "\"}";
            assertThat(http.send(HttpRequest.newBuilder(URI.create(host.url("/api/login"))).header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString(body)), null).status()).isEqualTo(415);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(host.url("/api/login"))).header("Content-Type", "application/json")
                    .header("Origin", "http://evil.example").POST(HttpRequest.BodyPublishers.ofString(body)), null).status()).isEqualTo(403);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(host.url("/api/login"))).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)), null).status()).isEqualTo(200);
        }
    }

    // ---- 3. the lock-out -----------------------------------------------------------------------

    @Test
    void concurrentGuessesAreCountedFirstAndCrossSiteAttemptsDoNotLockTheAdminOut() throws Exception {
        try (HostProcess host = start("mode=WARN\n")) {
            Http http = new Http(host);
            String json = "{\"user\": \"admin\", \"password\": \"wrong\"}";
            // A page on another site fires sign-ins at the manager: refused, and not counted.
            for (int i = 0; i < 12; i++) {
                assertThat(http.send(HttpRequest.newBuilder(URI.create(host.url("/api/login"))).header("Content-Type", "application/json")
                        .header("Origin", "http://evil.example").header("Sec-Fetch-Site", "cross-site")
                        .POST(HttpRequest.BodyPublishers.ofString(json)), null).status()).isEqualTo(403);
            }
            assertThat(http.get("/api/apps").status()).as("the admin is not locked out by another site").isEqualTo(200);

            ExecutorService pool = Executors.newFixedThreadPool(30);
            try {
                List<Future<Http.Response>> guesses = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    guesses.add(pool.submit(() -> http.send(HttpRequest.newBuilder(URI.create(host.url("/api/apps"))).GET(),
                            Http.basic("admin", "guess"))));
                }
                int evaluated = 0;
                int locked = 0;
                for (Future<Http.Response> guess : guesses) {
                    int status = guess.get(60, TimeUnit.SECONDS).status();
                    evaluated += status == 401 ? 1 : 0;
                    locked += status == 429 ? 1 : 0;
                }
                assertThat(evaluated).as("guesses whose password was looked at").isLessThanOrEqualTo(10);
                assertThat(evaluated + locked).isEqualTo(30);
            } finally {
                pool.shutdownNow();
            }
            Http.Response right = http.get("/api/apps");
            assertThat(right.status()).as("while locked the right password does not get through").isEqualTo(429);
            Http.Response login = http.send(HttpRequest.newBuilder(URI.create(host.url("/api/login"))).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"user\": \"admin\", \"password\": \"" + HostProcess.PASSWORD + "\"}")), null);
            assertThat(login.status()).isEqualTo(429);
            var raw = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(host.url("/api/apps")))
                    .header("Authorization", Http.basic("admin", HostProcess.PASSWORD)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(raw.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 61L));
            assertThat(auditLines()).anyMatch(line -> line.path("decision").asText().equals("ACCOUNT_LOCKED"));
            assertThat(host.output()).anyMatch(line -> line.contains("The admin account is locked"));
        }
    }

    // ---- 4. slow clients -------------------------------------------------------------------------

    @Test
    void twoHundredThirtySlowClientsDoNotKeepTheAdminWaiting() throws Exception {
        try (HostProcess host = start("mode=WARN\n")) {
            Http http = new Http(host);
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 230; i++) {
                    Socket socket = new Socket("127.0.0.1", host.port);
                    socket.getOutputStream().write(("POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:" + host.port
                            + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                    slow.add(socket);
                }
                // They drip: one byte each, now and then, for a while (bounded: 3 rounds).
                for (int round = 0; round < 3; round++) {
                    for (Socket socket : slow) {
                        try {
                            socket.getOutputStream().write(' ');
                        } catch (IOException e) {
                            // dropped by the server: as it should
                        }
                    }
                    long started = System.nanoTime();
                    Http.Response apps = http.get("/api/apps");
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    assertThat(apps.status()).isEqualTo(200);
                    assertThat(millis).as("the admin's answer while 230 clients drip").isLessThan(5_000);
                    Thread.sleep(1_000);
                }
            } finally {
                for (Socket socket : slow) {
                    socket.close();
                }
            }
            Thread.sleep(7_000); // past the sign-in body's deadline
            assertThat(host.output()).as("one short line per dropped client, no stack traces")
                    .noneMatch(line -> line.startsWith("\tat ") || line.contains("Exception:") && line.contains("org.eclipse"));
        }
    }

    @Test
    void anUploadThatStallsIsABadRequestAuditedWithNothingLeftBehind() throws Exception {
        try (HostProcess host = start("mode=WARN\n")) {
            byte[] app = TestApps.bundle("com.acme.stalled", "1.0.0", 300_000);
            String boundary = "stall-boundary";
            byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"app\"; filename=\"stalled.jar\"\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8);
            long length = head.length + app.length + ("\r\n--" + boundary + "--\r\n").length();
            try (Socket socket = new Socket("127.0.0.1", host.port)) {
                socket.setSoTimeout(60_000);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /api/apps HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + Http.basic("admin", HostProcess.PASSWORD)
                        + "\r\nContent-Type: multipart/form-data; boundary=" + boundary + "\r\nContent-Length: " + length
                        + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
                out.write(head);
                out.write(app, 0, app.length / 2);
                out.flush();
                // Then nothing for 35 s.
                String answer = readAnswer(socket.getInputStream());
                assertThat(answer).startsWith("HTTP/1.1 400");
                assertThat(answer).contains("UPLOAD_STALLED");
            }
            assertThat(auditLines()).anyMatch(line -> line.path("reason").asText().equals("UPLOAD_STALLED")
                    && line.path("decision").asText().equals("REJECTED"));
            assertThat(filesUnder(home.resolve("data/spool"))).isEmpty();
            assertThat(filesUnder(home.resolve("data/upload-scratch"))).isEmpty();
            assertThat(new Http(host).get("/api/apps").text()).doesNotContain("com.acme.stalled");
        }
    }

    // ---- 5. one identity -----------------------------------------------------------------------

    @Test
    void aManifestThatTwoReadersReadDifferentlyOrThatNamesAProductBundleIsRefused() throws Exception {
        try (HostProcess host = start("mode=WARN\n")) {
            Http http = new Http(host);
            byte[] twoFaced = TwoFacedJar.make("com.test.a", "suffix");
            Http.Response response = http.upload(twoFaced, null);
            assertThat(response.status()).as(response.text()).isEqualTo(400);
            assertThat(response.code()).isEqualTo("INVALID_APP");
            assertThat(response.json().get("error").get("message").asText()).as("refused for the two readings, not as unreadable")
                    .contains("reads differently to the framework").contains("com.test.asuffix");
            String apps = http.get("/api/apps").text();
            assertThat(apps).doesNotContain("com.test.a");

            Http.Response product = http.upload(TestApps.bundle("io.appsigning.upm-verifier-bundle", "99.0.0", 10), null);
            assertThat(product.status()).isEqualTo(400);
            assertThat(product.code()).isEqualTo("INVALID_APP");
            assertThat(product.json().get("error").get("message").asText()).contains("product's own bundles");
            assertThat(http.get("/api/apps").text()).doesNotContain("upm-verifier-bundle");
            assertThat(auditLines()).filteredOn(line -> line.path("reason").asText().equals("INVALID_APP")).hasSize(2);
        }
    }

    // ---- 6 and 7. revoked apps, and status labels that say what happened --------------------------

    @Test
    void aRevokedAppNeverInstallsAndEveryStatusHasItsLabel() throws Exception {
        try (HostProcess host = start("mode=WARN\n")) {
            Http http = new Http(host);
            TestApps vendor = new TestApps("CN=Label Vendor");
            Files.writeString(home.resolve("upmconfig/truststore/vendor.crt"), vendor.certificatePem());
            awaitTrusted(http, 1);

            byte[] revoked = TestApps.bundle("com.acme.revoked", "1.0.0", 100);
            Files.writeString(home.resolve("upmconfig/denylist"), sha256(revoked) + "\n");
            Thread.sleep(3_000); // the trust store follows the deny list
            Http.Response refused = http.upload(revoked, vendor.signatureFile(revoked));
            assertThat(refused.status()).as(refused.text()).isEqualTo(422);
            assertThat(refused.code()).isEqualTo("REVOKED");

            byte[] signed = TestApps.bundle("com.acme.signed", "1.0.0", 100);
            byte[] unsigned = TestApps.bundle("com.acme.unsigned", "1.0.0", 100);
            byte[] tampered = TestApps.bundle("com.acme.tampered", "1.0.0", 100);
            assertThat(http.upload(signed, vendor.signatureFile(signed)).status()).isEqualTo(201);
            assertThat(http.upload(unsigned, null).status()).isEqualTo(201);
            assertThat(http.upload(TestApps.tampered(tampered), vendor.signatureFile(tampered)).status()).isEqualTo(201);

            Map<String, JsonNode> byKey = new LinkedHashMap<>();
            http.get("/api/apps").json().get("apps").forEach(app -> byKey.put(app.get("key").asText(), app.get("signature")));
            assertThat(byKey).doesNotContainKey("com.acme.revoked");
            assertThat(byKey.get("com.acme.signed").get("status").asText()).isEqualTo("VERIFIED");
            assertThat(byKey.get("com.acme.unsigned").get("status").asText()).isEqualTo("UNSIGNED");
            assertThat(byKey.get("com.acme.unsigned").get("label").asText()).isEqualTo("Unsigned");
            assertThat(byKey.get("com.acme.tampered").get("status").asText()).isEqualTo("NOT_VERIFIED");
            assertThat(byKey.get("com.acme.tampered").get("label").asText()).isEqualTo("Signature failed");
            assertThat(byKey.get("com.acme.tampered").get("reason").asText()).isEqualTo("SIGNATURE_MISMATCH");
            JsonNode status = checkNamed(http.get("/api/health").json(), "signing-status");
            assertThat(status.toString()).contains("com.acme.tampered 1.0.0: Signature failed (SIGNATURE_MISMATCH)")
                    .contains("com.acme.unsigned 1.0.0: Unsigned. Ask the vendor for the signature file")
                    .doesNotContain("com.acme.tampered 1.0.0: Unsigned");
        }
    }

    // ---- 8. updates ----------------------------------------------------------------------------

    @Test
    void downgradesAndSignerChangesNeedTheAdminsExplicitConsent() throws Exception {
        try (HostProcess host = start("mode=ENFORCE\n")) {
            Http http = new Http(host);
            TestApps first = new TestApps("CN=First Signer");
            TestApps second = new TestApps("CN=Second Signer");
            Files.writeString(home.resolve("upmconfig/truststore/first.crt"), first.certificatePem());
            Files.writeString(home.resolve("upmconfig/truststore/second.crt"), second.certificatePem());
            awaitTrusted(http, 2);
            byte[] v2 = TestApps.bundle("com.acme.upd", "2.0.0", 100);
            byte[] v1 = TestApps.bundle("com.acme.upd", "1.0.0", 100);
            byte[] v3 = TestApps.bundle("com.acme.upd", "3.0.0", 100);
            assertThat(http.upload(v2, first.signatureFile(v2)).status()).isEqualTo(201);

            Http.Response downgrade = http.upload(v1, first.signatureFile(v1));
            assertThat(downgrade.status()).isEqualTo(409);
            assertThat(downgrade.code()).isEqualTo("DOWNGRADE");
            Http.Response signerChange = http.upload(v3, second.signatureFile(v3));
            assertThat(signerChange.status()).isEqualTo(409);
            assertThat(signerChange.code()).isEqualTo("SIGNER_CHANGED");
            assertThat(http.get("/api/apps").json().get("apps").get(0).get("version").asText()).isEqualTo("2.0.0");

            Http.Response consented = http.upload(v3, second.signatureFile(v3), Map.of("allowSignerChange", "true"));
            assertThat(consented.status()).as(consented.text()).isEqualTo(201);
            assertThat(consented.json().get("previousVersion").asText()).isEqualTo("2.0.0");
            Http.Response back = http.upload(v1, second.signatureFile(v1), Map.of("allowDowngrade", "true"));
            assertThat(back.status()).as(back.text()).isEqualTo(201);
            List<JsonNode> lines = auditLines();
            assertThat(lines).anyMatch(line -> line.path("reason").asText().equals("DOWNGRADE"))
                    .anyMatch(line -> line.path("reason").asText().equals("SIGNER_CHANGED"))
                    .anyMatch(line -> line.path("decision").asText().equals("UPDATED") && line.path("allowSignerChange").asBoolean())
                    .anyMatch(line -> line.path("decision").asText().equals("UPDATED") && line.path("allowDowngrade").asBoolean());
        }
    }

    // ---- 9. the audit log ----------------------------------------------------------------------

    @Test
    void anInstallThatCannotBeAuditedIsUndoneAndACutLogIsFoundByItsHead() throws Exception {
        assumeTrue(HostProcess.asProductUser(), "the product user cannot write a file mode 0400; root always can");
        String head;
        try (HostProcess host = start("mode=WARN\n")) {
            Http http = new Http(host);
            assertThat(http.upload(TestApps.bundle("com.acme.first", "1.0.0", 100), null).status()).isEqualTo(201);
            JsonNode audit = http.get("/api/health").json().get("audit");
            Path log = home.resolve("audit/audit.log");
            assertThat(audit.get("lines").asLong()).isEqualTo(Files.readAllLines(log).size());
            assertThat(audit.get("head").asText()).isEqualTo(AuditChain.hash(lastLine(log)));
            assertThat(host.output()).anyMatch(line -> line.contains("Audit log " + log) && line.contains("--head "));

            // The product's own files are private.
            assertThat(mode(home.resolve("data"))).isEqualTo("rwx------");
            assertThat(mode(home.resolve("audit"))).isEqualTo("rwx------");
            assertThat(mode(log)).isEqualTo("rw-------");
            assertThat(mode(home.resolve("data/app-records.json"))).isEqualTo("rw-------");
            try (Stream<Path> archived = Files.list(home.resolve("data/apps"))) {
                assertThat(archived.toList()).isNotEmpty().allSatisfy(file -> assertThat(mode(file)).isEqualTo("rw-------"));
            }

            Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("r--------"));
            Http.Response refused = http.upload(TestApps.bundle("com.acme.unaudited", "1.0.0", 100), null);
            assertThat(refused.status()).as(refused.text()).isEqualTo(503);
            assertThat(refused.code()).isEqualTo("AUDIT_UNAVAILABLE");
            assertThat(http.get("/api/apps").text()).doesNotContain("com.acme.unaudited");
            Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-------"));
            head = http.get("/api/health").json().get("audit").get("head").asText();
        }
        // The operator's check, with the head the product reported: intact, until the last line and the head file go.
        Path log = home.resolve("audit/audit.log");
        assertThat(auditVerify(log, head).exitCode()).as("the log ends at the head the product reported").isZero();
        List<String> lines = Files.readAllLines(log);
        Files.write(log, lines.subList(0, lines.size() - 1));
        Files.deleteIfExists(AuditChain.headOf(log));
        assertThat(auditVerify(log, null).exitCode()).as("the chain alone cannot tell").isZero();
        Cli cut = auditVerify(log, head);
        assertThat(cut.exitCode()).as(cut.output()).isEqualTo(1);
        assertThat(cut.output()).contains(head);
    }

    private record Cli(int exitCode, String output) {}

    /** The operator's own tool, the shaded appsign.jar, as the README runs it. */
    private static Cli auditVerify(Path log, String head) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                System.getProperty("appsign.jar", "../signing-cli/target/appsign.jar"), "audit-verify", "--log", log.toString()));
        if (head != null) {
            command.addAll(List.of("--head", head));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Cli(process.waitFor(), output);
    }

    // ---- 10. small leaks -----------------------------------------------------------------------

    @Test
    void errorsAreJsonWithoutStackTracesAndNothingEchoesOrForgesLines() throws Exception {
        try (HostProcess host = start("mode=WARN\n")) {
            Http http = new Http(host);
            String chunked = raw(host, "POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
            assertThat(chunked).startsWith("HTTP/1.1 400").contains("application/json").contains("X-Frame-Options: DENY")
                    .doesNotContain("<html").doesNotContain("Exception").doesNotContain("\tat ");
            String trace = raw(host, "TRACE / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: secret=1\r\nConnection: close\r\n\r\n");
            assertThat(trace).startsWith("HTTP/1.1 405").doesNotContain("secret=1");
            String missing = raw(host, "GET /no/such/page HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            assertThat(missing).startsWith("HTTP/1.1 404").contains("application/json").contains("Content-Security-Policy");

            assertThat(http.upload(TestApps.bundle("com.acme.x", "1.0.0", 10), null).status()).isEqualTo(201);
            for (String key : List.of("com%252Eacme.x", "%25zz", "com.acme.x%0A")) {
                Http.Response response = http.delete("/api/apps/" + key);
                assertThat(response.status()).as(key).isEqualTo(404);
                assertThat(response.json()).as(key).isNotNull();
            }
            assertThat(http.get("/api/apps").text()).contains("com.acme.x");

            Map<String, byte[]> parts = new LinkedHashMap<>();
            parts.put("app", TestApps.bundle("com.acme.name", "1.0.0", 10));
            Http.Response forged = http.upload(parts, "evil.jar\nFORGED LINE: admin installed everything");
            assertThat(forged.status()).isEqualTo(201);
            Thread.sleep(500);
            assertThat(host.output()).noneMatch(line -> line.startsWith("FORGED LINE"));

            var bare = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(host.url("/api/health"))).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            JsonNode bareJson = JSON.readTree(bare.body());
            assertThat(bareJson.size()).isEqualTo(1);
            assertThat(bareJson.has("status")).isTrue();

            // A trust store anyone can write: CRITICAL, so the authenticated health answer is 503.
            Files.setPosixFilePermissions(home.resolve("upmconfig/truststore"), PosixFilePermissions.fromString("rwxrwxrwx"));
            for (int i = 0; i < 100 && http.get("/api/health").status() != 503; i++) {
                Thread.sleep(100);
            }
            Http.Response critical = http.get("/api/health");
            assertThat(critical.status()).isEqualTo(503);
            assertThat(critical.json().get("status").asText()).isEqualTo("CRITICAL");
            Files.setPosixFilePermissions(home.resolve("upmconfig/truststore"), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static JsonNode checkNamed(JsonNode health, String name) {
        for (JsonNode check : health.get("checks")) {
            if (check.get("name").asText().equals(name)) {
                return check;
            }
        }
        throw new AssertionError("no check " + name + " in " + health);
    }

    private static String raw(HostProcess host, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", host.port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return readAnswer(socket.getInputStream());
        }
    }

    private static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) != -1; ) {
                answer.write(buffer, 0, n);
                String text = answer.toString(StandardCharsets.ISO_8859_1);
                if (text.contains("\r\n\r\n") && text.trim().endsWith("}")) {
                    break;
                }
            }
        } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
            // what arrived is the answer
        }
        return answer.toString(StandardCharsets.ISO_8859_1);
    }

    private static List<Path> filesUnder(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }

    private static byte[] lastLine(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return lines.get(lines.size() - 1).getBytes(StandardCharsets.UTF_8);
    }

    private static String mode(Path file) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static void deleteTree(Path root) throws IOException {
        if (Files.exists(root)) {
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    /**
     * A jar whose manifest entry declares, in its ZIP headers, fewer bytes than its deflated data
     * holds: a reader that trusts the declared size reads {@code name}, one that inflates to the
     * end reads {@code name + suffix}.
     */
    static final class TwoFacedJar {
        static byte[] make(String name, String suffix) throws IOException {
            String full = "Manifest-Version: 1.0\r\nBundle-ManifestVersion: 2\r\nBundle-Version: 1.0.0\r\n"
                    + "Bundle-SymbolicName: " + name + suffix + "\r\n\r\n";
            byte[] content = full.getBytes(StandardCharsets.US_ASCII);
            int declared = full.indexOf(suffix);
            byte[] deflated = deflate(content);
            CRC32 crc = new CRC32();
            crc.update(content, 0, declared);
            ByteArrayOutputStream zip = new ByteArrayOutputStream();
            byte[] entry = "META-INF/MANIFEST.MF".getBytes(StandardCharsets.US_ASCII);
            // local file header
            int local = zip.size();
            le32(zip, 0x04034b50); le16(zip, 20); le16(zip, 0); le16(zip, 8); le16(zip, 0); le16(zip, 0);
            le32(zip, (int) crc.getValue()); le32(zip, deflated.length); le32(zip, declared);
            le16(zip, entry.length); le16(zip, 0); zip.write(entry); zip.write(deflated);
            int central = zip.size();
            le32(zip, 0x02014b50); le16(zip, 20); le16(zip, 20); le16(zip, 0); le16(zip, 8); le16(zip, 0); le16(zip, 0);
            le32(zip, (int) crc.getValue()); le32(zip, deflated.length); le32(zip, declared);
            le16(zip, entry.length); le16(zip, 0); le16(zip, 0); le16(zip, 0); le16(zip, 0); le32(zip, 0); le32(zip, local);
            zip.write(entry);
            int end = zip.size();
            le32(zip, 0x06054b50); le16(zip, 0); le16(zip, 0); le16(zip, 1); le16(zip, 1);
            le32(zip, end - central); le32(zip, central); le16(zip, 0);
            return zip.toByteArray();
        }

        private static byte[] deflate(byte[] content) {
            Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
            deflater.setInput(content);
            deflater.finish();
            byte[] out = new byte[content.length + 64];
            int n = deflater.deflate(out);
            deflater.end();
            return java.util.Arrays.copyOf(out, n);
        }

        private static void le16(ByteArrayOutputStream out, int value) {
            out.write(value & 0xff);
            out.write((value >>> 8) & 0xff);
        }

        private static void le32(ByteArrayOutputStream out, int value) {
            le16(out, value & 0xffff);
            le16(out, (value >>> 16) & 0xffff);
        }
    }
}
