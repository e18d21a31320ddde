package io.appsigning.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Apache Felix Web Console in the sample host: only the product's admin gets in, never with the
 * console's own admin/admin; another site cannot make it change anything; and with strict mode on
 * (the host's default) a bundle installed through the console's own upload never resolves.
 */
class WebConsoleIT {

    private static final String CONSOLE = "/system/console";

    @TempDir
    static Path home;
    static HostProcess host;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        // The operator's floor: ENFORCE, in the file the product cannot write.
        Files.createDirectories(home.resolve("upmconfig"));
        Files.writeString(home.resolve("upmconfig/signing.properties"), "mode=ENFORCE\n");
        host = HostProcess.start(home);
        http = new Http(host);
    }

    @AfterAll
    static void stop() throws Exception {
        if (host != null) {
            host.close();
        }
    }

    private static String admin() {
        return Http.basic("admin", HostProcess.PASSWORD);
    }

    private static HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create(host.url(path))).GET();
    }

    @Test
    void onlyTheProductsAdminGetsIn() throws Exception {
        Http.Response none = http.send(get(CONSOLE + "/bundles.json"), null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(http.send(get(CONSOLE + "/bundles.json"), Http.basic("admin", "admin")).status())
                .as("the console's own default credentials").isEqualTo(401);
        assertThat(http.send(get(CONSOLE + "/bundles.json"), Http.basic("admin", HostProcess.PASSWORD + "x")).status()).isEqualTo(401);
        assertThat(http.send(get(CONSOLE + "/bundles.json"), Http.basic("root", HostProcess.PASSWORD)).status()).isEqualTo(401);
        assertThat(http.send(get(CONSOLE + "/bundles.json"), "Basic !!notbase64!!").status()).isEqualTo(401);
        Http.Response in = http.send(get(CONSOLE + "/bundles.json"), admin());
        assertThat(in.status()).isEqualTo(200);
        assertThat(in.json().get("data")).anySatisfy(bundle ->
                assertThat(bundle.get("symbolicName").asText()).isEqualTo("org.apache.felix.webconsole"));
    }

    @Test
    void aStateChangingRequestFromAnotherSiteIsRefusedEvenWithTheRightPassword() throws Exception {
        byte[] app = TestApps.bundle("com.acme.crosssite", "1.0.0", 100);
        String file = "crosssite.jar";
        for (Map.Entry<String, String> header : Map.of(
                "Origin", "http://evil.example",
                "Sec-Fetch-Site", "cross-site").entrySet()) {
            HttpRequest.Builder request = installRequest(app, file).header(header.getKey(), header.getValue());
            assertThat(http.send(request, admin()).status()).as(header.toString()).isEqualTo(403);
        }
        // Another port on the same host is the same site, but not this origin.
        HttpRequest.Builder sameSite = installRequest(app, file).header("Sec-Fetch-Site", "same-site");
        assertThat(http.send(sameSite, admin()).status()).isEqualTo(403);
        assertThat(consoleState("com.acme.crosssite")).isEmpty();
        // The console's own pages post with their own origin: accepted.
        HttpRequest.Builder own = installRequest(app, file).header("Origin", "http://127.0.0.1:" + host.port);
        assertThat(http.send(own, admin()).status()).isEqualTo(302);
        assertThat(awaitState("com.acme.crosssite")).isEqualTo("Installed");
    }

    @Test
    void aBundleUploadedThroughTheConsoleStaysInstalledAndIsNamedBlocked() throws Exception {
        byte[] app = TestApps.bundle("com.acme.console", "1.0.0", 100);
        String file = "console.jar"; // the console installs it at location inputstream:console.jar
        assertThat(http.send(installRequest(app, file), Http.basic("admin", "admin")).status()).isEqualTo(401);
        assertThat(consoleState("com.acme.console")).as("nothing installed with admin/admin").isEmpty();

        Http.Response upload = http.send(installRequest(app, file), admin());
        assertThat(upload.status()).as(upload.text()).isEqualTo(302);
        assertThat(awaitState("com.acme.console")).isEqualTo("Installed");
        // The console asked for bundlestart=start; strict mode refuses to resolve it, now and later.
        Thread.sleep(2_000);
        assertThat(consoleState("com.acme.console")).contains("Installed");
        Http.Response start = http.send(HttpRequest.newBuilder(URI.create(host.url(CONSOLE + "/bundles/" + consoleId("com.acme.console"))))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("action=start")), admin());
        assertThat(start.status()).isIn(200, 302);
        assertThat(consoleState("com.acme.console")).contains("Installed");

        JsonNode health = http.get("/api/health").json();
        JsonNode signingStatus = null;
        for (JsonNode check : health.get("checks")) {
            if (check.get("name").asText().equals("signing-status")) {
                signingStatus = check;
            }
        }
        assertThat(signingStatus).isNotNull();
        assertThat(signingStatus.get("status").asText()).isIn("WARN", "CRITICAL");
        assertThat(signingStatus.get("messages")).anySatisfy(message ->
                assertThat(message.asText()).contains("com.acme.console 1.0.0 is BLOCKED"));
        assertThat(host.output()).anyMatch(line -> line.contains("Strict mode: com.acme.console 1.0.0"));
    }

    @Test
    void aConsoleEditOfThePolicyCannotRelaxTheOperatorsFloor() throws Exception {
        assertThat(http.get("/api/settings").json().get("mode").asText()).isEqualTo("ENFORCE");
        Http.Response edit = http.send(HttpRequest.newBuilder(URI.create(host.url(CONSOLE + "/configMgr/io.appsigning.policy")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("apply=true&action=ajaxConfigManager&propertylist=mode&mode=OFF")), admin());
        assertThat(edit.status()).isIn(200, 302);
        Thread.sleep(1_000); // Configuration Admin delivers the change asynchronously
        assertThat(http.get("/api/settings").json().get("mode").asText()).isEqualTo("ENFORCE");
        byte[] unsigned = TestApps.bundle("com.acme.relaxed", "1.0.0", 100);
        Http.Response upload = http.upload(unsigned, null);
        assertThat(upload.status()).isEqualTo(422);
        assertThat(upload.code()).isEqualTo("MISSING_SIGNATURE");
    }

    /** The console's own upload form, as a browser posts it. */
    private static HttpRequest.Builder installRequest(byte[] app, String fileName) {
        String boundary = "----console-test-" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("action", "install");
        fields.put("bundlestart", "start");
        fields.put("bundlestartlevel", "2");
        fields.forEach((name, value) -> body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name
                + "\"\r\n\r\n" + value + "\r\n").getBytes(StandardCharsets.UTF_8)));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"bundlefile\"; filename=\"" + fileName + "\""
                + "\r\nContent-Type: application/java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(app);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create(host.url(CONSOLE + "/bundles")))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
    }

    /** The bundle's state as the console lists it ("Installed", "Active", ...), if installed. */
    private static Optional<String> consoleState(String symbolicName) throws Exception {
        Http.Response bundles = http.send(get(CONSOLE + "/bundles.json"), admin());
        assertThat(bundles.status()).isEqualTo(200);
        for (JsonNode bundle : bundles.json().get("data")) {
            if (bundle.get("symbolicName").asText().equals(symbolicName)) {
                return Optional.of(bundle.get("state").asText());
            }
        }
        return Optional.empty();
    }

    private static long consoleId(String symbolicName) throws Exception {
        for (JsonNode bundle : http.send(get(CONSOLE + "/bundles.json"), admin()).json().get("data")) {
            if (bundle.get("symbolicName").asText().equals(symbolicName)) {
                return bundle.get("id").asLong();
            }
        }
        throw new AssertionError(symbolicName + " is not installed");
    }

    /** The console installs in the background after answering: wait for the bundle to appear. */
    private static String awaitState(String symbolicName) throws Exception {
        for (int i = 0; i < 100; i++) {
            Optional<String> state = consoleState(symbolicName);
            if (state.isPresent()) {
                return state.get();
            }
            Thread.sleep(100);
        }
        throw new AssertionError(symbolicName + " did not appear in the console's bundle list");
    }
}
