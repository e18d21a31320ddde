package io.appsigning.cli;

import static io.appsigning.cli.CliTest.appsign;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** trust list|add|remove, with the real marketplace CA certificates as the operator's example. */
class TrustCommandTest {

    static final String ROOT_V1 = "26b1218ef40abd79cea10e5778536d77988c299fa74b001891 91fde1887b0e8e".replace(" ", "");
    static final String INTERMEDIATE_V1 = "e362af9f2701a09b7f242584c35c8cd4181418f15a5640e1b8f15955df4865d1";
    static final String INTERMEDIATE_V2 = "a4c4caf68ee237e2cb590c9e8da6e66a7ba90800634de70385cd2eff92005f16";

    @TempDir
    Path dir;
    Path store;
    Path bundle;

    static Path marketplace(String file) {
        return io.appsigning.testsupport.TestData.marketplaceCa(file);
    }

    static CliTest.Run at(String instant, String... args) {
        return CliTest.run(new Main(Clock.fixed(Instant.parse(instant), ZoneOffset.UTC)), args);
    }

    @BeforeEach
    void setUp() throws Exception {
        store = Files.createDirectory(dir.resolve("truststore"));
        // The published bundle: the three certificates in one PEM file.
        StringBuilder pem = new StringBuilder();
        for (String file : List.of("marketplace_root_ca_v1.crt", "marketplace_intermediate_ca_v1.crt", "marketplace_intermediate_ca_v2.crt")) {
            pem.append(Files.readString(marketplace(file)));
        }
        bundle = Files.writeString(dir.resolve("marketplace-ca-bundle.pem"), pem.toString());
    }

    private List<String> storeFiles() throws Exception {
        try (var files = Files.list(store)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void addingTheMarketplaceBundleNamesWhatItHoldsAndListShowsThreeCertificates() throws Exception {
        CliTest.Run add = appsign("trust", "add", "--trust-store", store.toString(), bundle.toString());
        assertThat(add.code()).as(add.err()).isZero();
        assertThat(add.out()).contains("is a bundle of 3 certificates")
                .contains("CN=Marketplace AS Root CA v1,O=Atlassian, SHA-256 " + ROOT_V1 + ", CA, Ed25519")
                .contains("CN=Marketplace AS Intermediate CA v1,O=Atlassian, SHA-256 " + INTERMEDIATE_V1 + ", CA")
                .contains("CN=Marketplace AS Intermediate CA v2,O=Atlassian, SHA-256 " + INTERMEDIATE_V2 + ", CA")
                .contains("3 certificates added");
        assertThat(storeFiles()).containsExactly("marketplace-as-intermediate-ca-v1-e362af9f2701.pem",
                "marketplace-as-intermediate-ca-v2-a4c4caf68ee2.pem", "marketplace-as-root-ca-v1-26b1218ef40a.pem");
        for (String file : storeFiles()) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.resolve(file)))).isEqualTo("rw-r--r--");
        }

        CliTest.Run list = at("2026-11-25T12:00:00Z", "trust", "list", "--trust-store", store.toString(), "--json");
        assertThat(list.code()).isZero();
        JsonNode json = list.json();
        assertThat(json.get("location").asText()).isEqualTo(store.toAbsolutePath().toString());
        assertThat(json.get("safety").get("status").asText()).isIn("OK", "WARN", "CRITICAL");
        assertThat(json.get("safety").get("messages")).isNotEmpty();
        Map<String, JsonNode> bySha = new TreeMap<>();
        json.get("certificates").forEach(c -> bySha.put(c.get("sha256").asText(), c));
        assertThat(bySha).containsOnlyKeys(ROOT_V1, INTERMEDIATE_V1, INTERMEDIATE_V2);
        JsonNode v1 = bySha.get(INTERMEDIATE_V1);
        assertThat(v1.get("subject").asText()).isEqualTo("CN=Marketplace AS Intermediate CA v1,O=Atlassian");
        assertThat(v1.get("issuer").asText()).isEqualTo("CN=Marketplace AS Root CA v1,O=Atlassian");
        assertThat(v1.get("notAfter").asText()).isEqualTo("2027-01-10T00:00:00Z");
        assertThat(v1.get("notBefore").asText()).isEqualTo("2024-12-31T00:00:00Z");
        assertThat(v1.get("ca").asBoolean()).isTrue();
        assertThat(v1.get("keyAlgorithm").asText()).isEqualTo("Ed25519");
        assertThat(v1.get("file").asText()).isEqualTo("marketplace-as-intermediate-ca-v1-e362af9f2701.pem");
        assertThat(v1.get("status").asText()).isEqualTo("VALID");
        assertThat(json.get("skipped")).isEmpty();

        // The same store, read at other times: the intermediate v1 is about to expire, then expired; v2 not yet valid before 2025-12-18.
        assertThat(status(at("2026-12-20T00:00:00Z", "trust", "list", "--trust-store", store.toString(), "--json"), INTERMEDIATE_V1)).isEqualTo("EXPIRING");
        assertThat(status(at("2027-01-10T00:00:00Z", "trust", "list", "--trust-store", store.toString(), "--json"), INTERMEDIATE_V1)).isEqualTo("EXPIRED");
        assertThat(status(at("2025-06-01T00:00:00Z", "trust", "list", "--trust-store", store.toString(), "--json"), INTERMEDIATE_V2)).isEqualTo("NOT_YET_VALID");

        CliTest.Run text = at("2026-11-25T12:00:00Z", "trust", "list", "--trust-store", store.toString());
        assertThat(text.out()).contains("3 certificates:").contains(INTERMEDIATE_V1).contains("2027-01-10T00:00:00Z")
                .contains("VALID         CN=Marketplace AS Root CA v1,O=Atlassian (CA, Ed25519)");
    }

    private static String status(CliTest.Run run, String sha256) throws Exception {
        for (JsonNode certificate : run.json().get("certificates")) {
            if (certificate.get("sha256").asText().equals(sha256)) {
                return certificate.get("status").asText();
            }
        }
        throw new AssertionError("no certificate " + sha256 + " in " + run.out());
    }

    @Test
    void aDenyListedCertificateIsRevokedAndASkippedFileIsListedWithItsProblem() throws Exception {
        assertThat(appsign("trust", "add", "--trust-store", store.toString(), bundle.toString()).code()).isZero();
        // The deny list beside the trust store (upmconfig/denylist) is read by default; upper case and colons allowed.
        Files.writeString(dir.resolve("denylist"), "# withdrawn\n" + colons(INTERMEDIATE_V2.toUpperCase()) + "\n");
        Files.writeString(store.resolve("junk.crt"), "not a certificate\n");
        JsonNode json = at("2026-11-25T12:00:00Z", "trust", "list", "--trust-store", store.toString(), "--json").json();
        assertThat(status(new CliTest.Run(0, json.toString(), ""), INTERMEDIATE_V2)).isEqualTo("REVOKED");
        assertThat(json.get("skipped")).hasSize(1);
        assertThat(json.get("skipped").get(0).get("file").asText()).isEqualTo("junk.crt");
        assertThat(json.get("skipped").get(0).get("problem").asText()).isNotBlank().doesNotContain("skipped");
        Path other = Files.writeString(dir.resolve("other-deny"), "");
        assertThat(status(at("2026-11-25T12:00:00Z", "trust", "list", "--trust-store", store.toString(), "--json",
                "--denylist", other.toString()), INTERMEDIATE_V2)).isEqualTo("VALID");
    }

    @Test
    void addRefusesWhatIsNotACertificateAndWritesNothing() throws Exception {
        Path app = Files.write(dir.resolve("app.jar"), new byte[] {0x50, 0x4b, 3, 4, 1, 2, 3});
        Path keys = dir.resolve("keys");
        assertThat(appsign("keygen", "--out", keys.toString()).code()).isZero();
        Path certAndKey = Files.writeString(dir.resolve("both.pem"),
                Files.readString(keys.resolve("signing.crt")) + Files.readString(keys.resolve("signing.key")));
        for (Path bad : List.of(app, keys.resolve("signing.key"), certAndKey, dir.resolve("absent.crt"), dir)) {
            // A good file beside the bad one is not added either: all or nothing.
            CliTest.Run run = appsign("trust", "add", "--trust-store", store.toString(), bundle.toString(), bad.toString());
            assertThat(run.code()).as(bad + ": " + run.err()).isEqualTo(2);
            assertThat(run.err()).contains(bad.toString()).doesNotContain("Exception").doesNotContain("java.");
            assertThat(storeFiles()).as(bad.toString()).isEmpty();
        }
        assertThat(appsign("trust", "add", "--trust-store", store.toString(), keys.resolve("signing.key").toString()).err())
                .contains("holds a private key");
        assertThat(appsign("trust", "add", "--trust-store", dir.resolve("absent").toString(), bundle.toString()).code()).isEqualTo(2);
        assertThat(appsign("trust", "add", "--trust-store", store.toString()).code()).isEqualTo(2);
        assertThat(appsign("trust", "frob", "--trust-store", store.toString()).code()).isEqualTo(2);
    }

    @Test
    void addingTwiceKeepsOneCopyAndDerIsAccepted() throws Exception {
        assertThat(appsign("trust", "add", "--trust-store", store.toString(), marketplace("marketplace_root_ca_v1.crt").toString()).code()).isZero();
        assumeTrue(CliTest.hasOpenssl(), "openssl is not installed");
        CliTest.openssl(dir, "x509", "-in", marketplace("marketplace_intermediate_ca_v2.crt").toString(), "-outform", "DER", "-out", "v2.der");
        CliTest.Run again = appsign("trust", "add", "--trust-store", store.toString(), bundle.toString(), dir.resolve("v2.der").toString());
        assertThat(again.code()).isZero();
        assertThat(again.out()).contains("already trusted: CN=Marketplace AS Root CA v1").contains("2 certificates added");
        assertThat(storeFiles()).hasSize(3);
        // What trust add wrote is what openssl reads, with the same fingerprint.
        assertThat(CliTest.openssl(store, "x509", "-in", "marketplace-as-intermediate-ca-v2-a4c4caf68ee2.pem", "-noout", "-fingerprint", "-sha256"))
                .contains(colons(INTERMEDIATE_V2.toUpperCase()));
    }

    @Test
    void removeTakesUpperCaseAndColonsAndRewritesABundleFileWithoutThatCertificate() throws Exception {
        // A bundle placed by hand as one file.
        Files.copy(bundle, store.resolve("marketplace.pem"));
        CliTest.Run remove = appsign("trust", "remove", "--trust-store", store.toString(), colons(INTERMEDIATE_V1.toUpperCase()));
        assertThat(remove.code()).as(remove.err()).isZero();
        assertThat(remove.out()).contains("removed CN=Marketplace AS Intermediate CA v1,O=Atlassian").contains("keeps 2 other certificates");
        assertThat(storeFiles()).containsExactly("marketplace.pem");
        List<String> left = new ArrayList<>();
        at("2026-11-25T12:00:00Z", "trust", "list", "--trust-store", store.toString(), "--json").json().get("certificates")
                .forEach(c -> left.add(c.get("sha256").asText()));
        assertThat(left).containsExactly(ROOT_V1, INTERMEDIATE_V2);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.resolve("marketplace.pem")))).isEqualTo("rw-r--r--");

        CliTest.Run absent = appsign("trust", "remove", "--trust-store", store.toString(), INTERMEDIATE_V1);
        assertThat(absent.code()).isEqualTo(1);
        assertThat(absent.err()).contains("no certificate with SHA-256 " + INTERMEDIATE_V1);
        assertThat(appsign("trust", "remove", "--trust-store", store.toString(), "xyz").code()).isEqualTo(2);

        assertThat(appsign("trust", "remove", "--trust-store", store.toString(), ROOT_V1).code()).isZero();
        assertThat(appsign("trust", "remove", "--trust-store", store.toString(), INTERMEDIATE_V2).out()).contains("deleted");
        assertThat(storeFiles()).isEmpty();
    }

    /** As root, added files belong to the folder's owner and group, whoever runs the command. */
    @Test
    void addedFilesAreOwnedLikeTheFolder() throws Exception {
        assumeTrue(System.getProperty("user.name").equals("root"), "changing owners needs root (CI runs as root)");
        Files.setAttribute(store, "unix:uid", 4321);
        Files.setAttribute(store, "unix:gid", 4322);
        assertThat(appsign("trust", "add", "--trust-store", store.toString(), bundle.toString()).code()).isZero();
        for (String file : storeFiles()) {
            assertThat(Files.getAttribute(store.resolve(file), "unix:uid")).as(file).isEqualTo(4321);
            assertThat(Files.getAttribute(store.resolve(file), "unix:gid")).as(file).isEqualTo(4322);
        }
        // A rewritten bundle keeps its owner too.
        Path byHand = Files.copy(bundle, store.resolve("hand.pem"));
        Files.setAttribute(byHand, "unix:uid", 4444);
        assertThat(appsign("trust", "remove", "--trust-store", store.toString(), ROOT_V1).code()).isZero();
        assertThat(Files.getAttribute(byHand, "unix:uid")).isEqualTo(4444);
    }

    static String colons(String hex) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            out.append(i == 0 ? "" : ":").append(hex, i, i + 2);
        }
        return out.toString();
    }
}
