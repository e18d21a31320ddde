package io.appsigning.truststore.internal;

import io.appsigning.truststore.TrustedCertificate;

import io.appsigning.truststore.TrustStoreSnapshot;

import io.appsigning.truststore.LoadProblem;

import io.appsigning.truststore.Identity;

import io.appsigning.truststore.DenyList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.appsigning.testsupport.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a trust store folder, with the real marketplace CA certificates. */
class CertificateFilesTest {

    @TempDir
    Path store;

    private void copyMarketplace(String name) throws Exception {
        Files.copy(TestData.marketplaceCa(name), store.resolve(name));
    }

    @Test
    void theRealMarketplaceCertificatesLoad() throws Exception {
        copyMarketplace("marketplace_root_ca_v1.crt");
        copyMarketplace("marketplace_intermediate_ca_v1.crt");
        copyMarketplace("marketplace_intermediate_ca_v2.crt");
        CertificateFiles.Contents contents = CertificateFiles.read(store);
        assertThat(contents.problems()).isEmpty();
        assertThat(contents.certificates()).extracting(TrustedCertificate::sha256).containsExactly(
                "e362af9f2701a09b7f242584c35c8cd4181418f15a5640e1b8f15955df4865d1",
                "a4c4caf68ee237e2cb590c9e8da6e66a7ba90800634de70385cd2eff92005f16",
                "26b1218ef40abd79cea10e5778536d77988c299fa74b00189191fde1887b0e8e");
    }

    @Test
    void manyCertificatesInOnePemFileDerFilesAndBadFilesSkipped() throws Exception {
        String root = Files.readString(TestData.marketplaceCa("marketplace_root_ca_v1.crt"));
        String v2 = Files.readString(TestData.marketplaceCa("marketplace_intermediate_ca_v2.crt"));
        Files.writeString(store.resolve("bundle.pem"), root + "\n" + v2);
        byte[] der = Base64.getMimeDecoder().decode(root.replaceAll("-----[A-Z ]+-----", ""));
        Files.write(store.resolve("root.der"), der);
        Files.writeString(store.resolve("garbage.crt"), "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
        Files.writeString(store.resolve("empty.cer"), "");
        Files.write(store.resolve("truncated.der"), java.util.Arrays.copyOf(der, der.length / 2));
        Files.writeString(store.resolve("README.txt"), "ignored: not a certificate file name");
        CertificateFiles.Contents contents = CertificateFiles.read(store);
        assertThat(contents.certificates()).hasSize(3);
        assertThat(contents.certificates()).extracting(c -> c.source().getFileName().toString())
                .containsExactly("bundle.pem", "bundle.pem", "root.der");
        assertThat(contents.problems()).extracting(p -> p.file().getFileName().toString())
                .containsExactly("empty.cer", "garbage.crt", "truncated.der");
        assertThat(contents.problems()).allSatisfy(p -> assertThat(p.message()).startsWith("skipped " + p.file()));
    }

    /**
     * The quick PEM path accepts exactly what the JDK's generateCertificates accepts, with the same
     * certificates: plain blocks take it, anything unusual falls back to the JDK.
     */
    @Test
    void pemFilesGiveTheJdksAnswerWhicheverPathReadsThem() throws Exception {
        String root = Files.readString(TestData.marketplaceCa("marketplace_root_ca_v1.crt"));
        String v2 = Files.readString(TestData.marketplaceCa("marketplace_intermediate_ca_v2.crt"));
        String body = root.substring(root.indexOf('\n') + 1, root.indexOf("-----END"));
        byte[] der = Base64.getMimeDecoder().decode(body);
        String oneLine = "-----BEGIN CERTIFICATE-----" + body.replaceAll("\\s", "") + "-----END CERTIFICATE-----";
        String withTrailingBytes = "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder().encodeToString(java.util.Arrays.copyOf(der, der.length + 2)) + "\n-----END CERTIFICATE-----\n";
        String[] inputs = {
            root, root + v2, root + "\n\n" + v2 + "\n", root.replace("\n", "\r\n"), oneLine, root.strip(),
            "subject=CN=Root\n" + root, root + "trailing text\n", root.replace("-----BEGIN CERTIFICATE-----\n", "-----BEGIN CERTIFICATE-----\n*"),
            root.replace("CERTIFICATE", "TRUSTED CERTIFICATE"), root.replace("CERTIFICATE", "X509 CERTIFICATE"), withTrailingBytes,
            root.replace("-----END CERTIFICATE-----", ""), root + "-----BEGIN CERTIFICATE-----\n", root.substring(0, root.length() / 2),
            root.replace("-----END CERTIFICATE-----", "=-----END CERTIFICATE-----"), "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
            root.replaceFirst("[A-Za-z]", "\u00e9"),
        };
        for (int i = 0; i < inputs.length; i++) {
            byte[] bytes = inputs[i].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            Path file = Files.write(store.resolve("case" + i + ".pem"), bytes);
            CertificateFiles.FileResult ours = CertificateFiles.readFile(file, null);
            java.util.List<String> jdk;
            try {
                jdk = java.security.cert.CertificateFactory.getInstance("X.509")
                        .generateCertificates(new java.io.ByteArrayInputStream(bytes)).stream()
                        .map(c -> TrustedCertificate.of((java.security.cert.X509Certificate) c, null).sha256()).toList();
            } catch (java.security.cert.CertificateException | RuntimeException e) {
                jdk = java.util.List.of();
            }
            assertThat(ours.certificates()).extracting(TrustedCertificate::sha256).as("case %d", i).isEqualTo(jdk);
            assertThat(ours.problem() == null).as("case %d", i).isEqualTo(!jdk.isEmpty());
            // The plain layouts (the first six cases) take the quick path; the rest go the JDK's way.
            assertThat(CertificateFiles.plainPem(bytes, java.security.cert.CertificateFactory.getInstance("X.509")) != null)
                    .as("case %d takes the quick path", i).isEqualTo(i < 6 && i != 4);
        }
    }

    @Test
    void aFolderThatCannotBeReadIsAProblemNotAnException() {
        CertificateFiles.Contents contents = CertificateFiles.read(store.resolve("absent"));
        assertThat(contents.certificates()).isEmpty();
        assertThat(contents.problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("cannot be read"));
    }

    @Test
    void denyListFiles() throws Exception {
        Path file = Files.writeString(store.resolve("denylist"), """
                # revoked 2026-11-01
                26:B1:21:8E:F4:0A:BD:79:CE:A1:0E:57:78:53:6D:77:98:8C:29:9F:A7:4B:00:18:91:91:FD:E1:88:7B:0E:8E

                e362af9f2701a09b7f242584c35c8cd4181418f15a5640e1b8f15955df4865d1  # an app
                """);
        DenyList deny = DenyList.load(file);
        assertThat(deny.sha256()).hasSize(2);
        assertThat(deny.denies("26b1218ef40abd79cea10e5778536d77988c299fa74b00189191fde1887b0e8e")).isTrue();
        assertThat(DenyList.load(store.resolve("absent")).sha256()).isEmpty();
        Files.writeString(file, "abc\n");
        assertThatThrownBy(() -> DenyList.load(file)).hasMessageContaining("line 1");
    }

    @Test
    void aBadDenyListFailsClosed() throws Exception {
        copyMarketplace("marketplace_root_ca_v1.crt");
        Path deny = Files.writeString(store.resolve("denylist"), "not a digest\n");
        Clock clock = Clock.fixed(Instant.parse("2026-11-24T00:00:00Z"), ZoneOffset.UTC);
        TrustStoreSnapshot snapshot = TrustStoreLoader.load(store, deny, Identity.current(), clock);
        assertThat(snapshot.certificates()).isEmpty();
        assertThat(snapshot.problems()).extracting(LoadProblem::message).anyMatch(m -> m.contains("deny list"));
        Files.writeString(deny, "");
        assertThat(TrustStoreLoader.load(store, deny, Identity.current(), clock).certificates()).hasSize(1);
    }
}
