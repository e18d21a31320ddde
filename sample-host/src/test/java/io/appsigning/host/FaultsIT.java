package io.appsigning.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.appsigning.audit.AuditChain;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Faults the product must survive without losing or half-doing anything. */
class FaultsIT {

    @TempDir
    Path home;

    @Test
    void aCorruptPolicyAtStartUpFailsClosed() throws Exception {
        Files.createDirectories(home.resolve("upmconfig"));
        Files.writeString(home.resolve("upmconfig/signing.properties"), "mode=SOMETIMES\nenforceAfter=never\n");
        try (HostProcess host = HostProcess.start(home)) {
            Http http = new Http(host);
            assertThat(http.get("/api/settings").json().get("mode").asText()).isEqualTo("ENFORCE");
            byte[] app = TestApps.bundle("com.acme.unsigned", "1.0.0", 100);
            Http.Response response = http.upload(app, null);
            assertThat(response.status()).isEqualTo(422);
            assertThat(response.code()).isEqualTo("MISSING_SIGNATURE");
            assertThat(host.output()).anyMatch(line -> line.contains("The signing policy is invalid"));
        }
    }

    @Test
    void aHostKilledInTheMiddleOfAnInstallComesBackWithNothingHalfDone() throws Exception {
        HostProcess host = HostProcess.start(home);
        TestApps vendor = new TestApps("CN=Acme Vendor");
        Files.writeString(home.resolve("upmconfig/truststore/vendor.crt"), vendor.certificatePem());
        byte[] app = TestApps.bundle("com.acme.crash", "1.0.0", 20_000_000);
        byte[] signature = vendor.signatureFile(app);
        String boundary = "crash-boundary";
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"signature\"\r\n\r\n"
                + new String(signature, StandardCharsets.UTF_8) + "\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"app\"; filename=\"crash.jar\"\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        long length = head.length + app.length + ("\r\n--" + boundary + "--\r\n").length();
        try (Socket socket = new Socket("127.0.0.1", host.port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/apps HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic "
                    + Base64.getEncoder().encodeToString(("admin:" + HostProcess.PASSWORD).getBytes(StandardCharsets.UTF_8))
                    + "\r\nContent-Type: multipart/form-data; boundary=" + boundary + "\r\nContent-Length: " + length
                    + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(head);
            out.write(app, 0, app.length / 2);
            out.flush();
            // Half the app is in the spool: now the power goes.
            for (int i = 0; i < 100 && count(home.resolve("data/spool")) == 0; i++) {
                Thread.sleep(50);
            }
            assertThat(count(home.resolve("data/spool"))).as("the upload reached the spool").isEqualTo(1);
            host.kill();
        }
        try (HostProcess restarted = HostProcess.start(home)) {
            Http http = new Http(restarted);
            assertThat(http.get("/api/apps").json().get("apps")).isEmpty();
            assertThat(count(home.resolve("data/spool"))).isZero();
            assertThat(count(home.resolve("data/apps"))).isZero();
            // And the same app installs whole afterwards.
            assertThat(http.upload(app, signature).status()).isEqualTo(201);
        }
        // The kill left no torn line: the chain over both runs is intact and ends with this install's decision.
        Path log = home.resolve("audit/audit.log");
        assertThat(log).exists();
        AuditChain.Result chain = AuditChain.verify(log);
        assertThat(chain.intact()).as(chain.message()).isTrue();
        assertThat(chain.lines()).isPositive();
        List<String> lines = Files.readAllLines(log);
        JsonNode last = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        assertThat(last.get("key").asText()).isEqualTo("com.acme.crash");
        assertThat(last.get("reason").asText()).isEqualTo("VERIFIED");
    }

    @Test
    void aDiskThatFillsWhileAnAppIsSpooledLeavesNothingBehind() throws Exception {
        Path spool = Files.createDirectories(home.resolve("data/spool"));
        // Owned by the user the product runs as, as the spool folder it replaces would be.
        String owner = HostProcess.asProductUser() ? ",uid=" + uid(HostProcess.PRODUCT_USER) + ",mode=0700" : "";
        org.junit.jupiter.api.Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m" + owner, "tmpfs", spool.toString()) == 0,
                "mounting a small tmpfs needs root (CI runs as root)");
        try (HostProcess host = HostProcess.start(home)) {
            TestApps vendor = new TestApps("CN=Acme Vendor");
            Files.writeString(home.resolve("upmconfig/truststore/vendor.crt"), vendor.certificatePem());
            Http http = new Http(host);
            byte[] big = TestApps.bundle("com.acme.big", "1.0.0", 3_000_000);
            Http.Response full = http.upload(big, vendor.signatureFile(big));
            assertThat(full.status()).isEqualTo(500);
            assertThat(full.code()).isEqualTo("INSTALL_FAILED");
            assertThat(full.json().get("error").get("message").asText()).contains("nothing was installed").contains("free space");
            assertThat(count(spool)).isZero();
            assertThat(http.get("/api/apps").json().get("apps")).isEmpty();
            byte[] small = TestApps.bundle("com.acme.small", "1.0.0", 1_000);
            assertThat(http.upload(small, vendor.signatureFile(small)).status()).as("space is free again").isEqualTo(201);
        } finally {
            run("umount", spool.toString());
        }
    }

    private static String uid(String user) throws Exception {
        Process id = new ProcessBuilder("id", "-u", user).start();
        String uid = new String(id.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip();
        id.waitFor();
        return uid;
    }

    private static int run(String... command) throws Exception {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    private static long count(Path folder) throws Exception {
        if (!Files.exists(folder)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).count();
        }
    }
}
