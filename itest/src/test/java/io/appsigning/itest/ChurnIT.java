package io.appsigning.itest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.appsigning.audit.AuditChain;
import io.appsigning.gate.AppRecord;
import io.appsigning.gate.AppRecords;
import io.appsigning.gate.InstallGate;
import io.appsigning.gate.InstallOutcome;
import io.appsigning.gate.InstallRequest;
import io.appsigning.gate.Origin;
import io.appsigning.gate.PolicyService;
import io.appsigning.gate.SignatureStatus;
import io.appsigning.truststore.TrustStore;
import io.appsigning.verifier.ReasonCode;
import io.appsigning.verifier.SignatureFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.Hashtable;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Issue 13, item 1: the gate is churn-safe. While ten uploads stream into {@code InstallGate}
 * (slowly, as over a real network), the trust store bundle and the policy component's bundle (the
 * gate's own) are stopped and started and the gate's configuration changes. Every upload must end
 * in a correct decision or a clean, audited failure; no record may be lost; the audit chain must
 * stay intact; nothing may be left in the spool.
 *
 * Then one more upload, through whatever gate is registered, must install, and the records are read
 * back after a restart of their bundle (as stored, not as one instance remembers them).
 *
 * <p>On the gate before the churn-safe rewrite this fails the way the issue describes (checked: the
 * audit chain assertion, "line N does not follow line N-1"): each reactivation deletes the live
 * uploads' spool files, and the instances that outlive their deactivation keep appending with their
 * own {@code AuditLog} and {@code lastHash}, which forks the chain; records kept by several
 * {@code RecordStore}s on one file can overwrite one another.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ChurnIT {

    private static final int UPLOADS = 10;
    private static final int APP_BYTES = 512 * 1024;
    private static final int CHUNK = 16 * 1024;
    private static final long CHUNK_PAUSE_MILLIS = 60; // about two seconds per upload
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BundleContext context = Probe.context();

    @Configuration
    public Option[] configuration() {
        return new Option[] {ItestConfig.runtime(ItestConfig.freshHome())};
    }

    private Path home() {
        return Path.of(context.getProperty("appsigning.home"));
    }

    /** One upload's bytes, delivered a chunk at a time with a pause between chunks. */
    private static final class SlowStream extends InputStream {
        private final byte[] bytes;
        private int position;

        SlowStream(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (position >= bytes.length) {
                return -1;
            }
            try {
                Thread.sleep(CHUNK_PAUSE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            int n = Math.min(Math.min(length, CHUNK), bytes.length - position);
            System.arraycopy(bytes, position, buffer, offset, n);
            position += n;
            return n;
        }
    }

    private record Upload(String name, byte[] app, byte[] signatureFile, boolean signed) {
        String fileName() {
            return name + ".jar";
        }
    }

    private static byte[] app(String name, int size) throws Exception {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", name);
        main.putValue("Bundle-Version", "1.0.0");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, manifest)) {
            jar.setLevel(0); // stored: the file is as large as its content
            jar.putNextEntry(new JarEntry("data.bin"));
            byte[] data = new byte[size];
            new Random(name.hashCode()).nextBytes(data);
            jar.write(data);
            jar.closeEntry();
        }
        return bytes.toByteArray();
    }

    private static byte[] sign(KeyPair key, byte[] bytes) throws Exception {
        Signature signature = Signature.getInstance("Ed25519");
        signature.initSign(key.getPrivate());
        signature.update(bytes);
        return signature.sign();
    }

    private Bundle bundle(String symbolicName) {
        return Arrays.stream(context.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName())).findFirst().orElse(null);
    }

    @Test
    public void uploadsSurviveBundleRestartsAndConfigurationChanges() throws Exception {
        // A vendor the trust store trusts, and ENFORCE: a signed app installs, a tampered one never does.
        KeyPair vendor = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        X500Principal name = new X500Principal("CN=Churn Vendor");
        X509Certificate certificate = new JcaX509CertificateConverter().setProvider(new BouncyCastleProvider()).getCertificate(
                new JcaX509v3CertificateBuilder(name, BigInteger.ONE, Date.from(Instant.now().minus(Duration.ofDays(1))),
                        Date.from(Instant.now().plus(Duration.ofDays(30))), name, vendor.getPublic())
                        .build(new JcaContentSignerBuilder("Ed25519").setProvider(new BouncyCastleProvider()).build(vendor.getPrivate())));
        Files.writeString(home().resolve("upmconfig/truststore/churn.crt"), io.appsigning.testsupport.Pem.certificate(certificate));
        TrustStore trust = Services.await(context, TrustStore.class);
        Services.awaitTrue("the trust store has the vendor", () -> trust.snapshot().certificates().size() == 1);
        ConfigurationAdmin configurationAdmin = Services.await(context, ConfigurationAdmin.class);
        Hashtable<String, Object> enforce = new Hashtable<>();
        enforce.put("mode", "ENFORCE");
        configurationAdmin.getConfiguration(PolicyService.PID, "?").update(enforce);
        PolicyService policy = Services.await(context, PolicyService.class);
        Services.awaitTrue("ENFORCE", () -> policy.current().mode().name().equals("ENFORCE"));

        List<Upload> uploads = new ArrayList<>();
        for (int i = 0; i < UPLOADS; i++) {
            String key = "com.acme.churn" + i;
            byte[] app = app(key, APP_BYTES);
            boolean signed = i % 2 == 0;
            byte[] signedBytes = signed ? app : app(key + ".other", 100);
            uploads.add(new Upload(key, app, SignatureFiles.encode(sign(vendor, signedBytes), null), signed));
        }

        // The uploads start a quarter of a second apart, each asking for the gate as it starts (as each
        // request of the plugin manager does), so that every restart below meets uploads in the middle of
        // their stream, and each upload meets a different history of restarts.
        ExecutorService pool = Executors.newFixedThreadPool(UPLOADS);
        List<Future<InstallOutcome>> outcomes = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < UPLOADS; i++) {
                Upload upload = uploads.get(i);
                long at = i * 250L;
                outcomes.add(pool.submit(() -> {
                    sleepUntil(start, at);
                    return Services.await(context, InstallGate.class).install(new InstallRequest(new SlowStream(upload.app()),
                            upload.fileName(), upload.signatureFile(), Origin.UPLOAD, "churn"));
                }));
            }

            sleepUntil(start, 500);
            Bundle trustStoreBundle = bundle("io.appsigning.trust-store-bundle");
            trustStoreBundle.stop();
            trustStoreBundle.start();

            sleepUntil(start, 1200);
            Hashtable<String, Object> gateConfig = new Hashtable<>();
            gateConfig.put("maxAppBytes", 64L * 1024 * 1024); // larger than every app: no decision may change
            configurationAdmin.getConfiguration("io.appsigning.gate", "?").update(gateConfig);

            sleepUntil(start, 2000);
            Bundle policyBundle = bundle("io.appsigning.upm-verifier-bundle");
            policyBundle.stop();
            policyBundle.start();

            List<String> problems = new ArrayList<>();
            for (int i = 0; i < UPLOADS; i++) {
                Upload upload = uploads.get(i);
                InstallOutcome outcome;
                try {
                    outcome = outcomes.get(i).get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    problems.add(upload.name() + ": the gate threw instead of deciding: " + e.getCause());
                    continue;
                }
                boolean cleanFailure = !outcome.installed() && !isVerificationReason(outcome.code());
                if (upload.signed() && !outcome.installed() && !cleanFailure) {
                    problems.add(upload.name() + ": a signed app was rejected with " + outcome.code() + ": " + outcome.message());
                }
                if (!upload.signed() && outcome.installed()) {
                    problems.add(upload.name() + ": a tampered app was installed");
                }
                if (!upload.signed() && !outcome.installed() && !cleanFailure
                        && !ReasonCode.SIGNATURE_MISMATCH.name().equals(outcome.code())) {
                    problems.add(upload.name() + ": a tampered app was rejected with " + outcome.code());
                }
                Bundle installed = bundle(upload.name());
                if (outcome.installed() != (installed != null)) {
                    problems.add(upload.name() + ": the outcome says installed=" + outcome.installed() + " but the bundle is "
                            + (installed == null ? "absent" : "present"));
                }
            }
            assertThat(problems).as("decisions").isEmpty();
        } finally {
            pool.shutdownNow();
        }

        // The product goes on: the next upload, through whatever gate is registered now, installs.
        byte[] after = app("com.acme.churn.after", 1000);
        InstallOutcome next = Services.await(context, InstallGate.class).install(new InstallRequest(
                new java.io.ByteArrayInputStream(after), "com.acme.churn.after.jar", SignatureFiles.encode(sign(vendor, after), null),
                Origin.UPLOAD, "churn"));
        assertThat(next.installed()).as(next.message()).isTrue();

        // Records as stored, not only as one instance remembers them: read back after a restart of their bundle.
        Bundle verifier = bundle("io.appsigning.upm-verifier-bundle");
        verifier.stop();
        verifier.start();

        // No record lost: every installed churn app has its record, seen through the (new) records service.
        AppRecords records = Services.await(context, AppRecords.class);
        assertThat(records.find("com.acme.churn.after")).as("the record of the upload after the churn").isPresent();
        for (Upload upload : uploads) {
            Bundle installed = bundle(upload.name());
            if (installed != null) {
                assertThat(installed.getState()).as(upload.name()).isEqualTo(Bundle.ACTIVE);
                AppRecord record = records.find(upload.name()).orElse(null);
                assertThat(record).as("the record of " + upload.name()).isNotNull();
                assertThat(record.status()).isEqualTo(SignatureStatus.VERIFIED);
            } else {
                assertThat(records.find(upload.name())).as("no record of the absent " + upload.name()).isEmpty();
            }
        }

        // Every upload audited, with the decision that was taken, in one intact chain.
        Path log = home().resolve("audit/audit.log");
        AuditChain.Result chain = AuditChain.verify(log);
        assertThat(chain.intact()).as(chain.message()).isTrue();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            lines.add(JSON.readTree(line));
        }
        for (Upload upload : uploads) {
            List<String> decisions = lines.stream().filter(line -> upload.fileName().equals(line.path("file").asText()))
                    .map(line -> line.path("decision").asText()).toList();
            assertThat(decisions).as("audit lines of " + upload.fileName()).hasSize(1);
            assertThat(decisions.get(0)).isEqualTo(bundle(upload.name()) != null ? "INSTALLED" : "REJECTED");
        }

        // Nothing left behind: no spooled file, and of the spool folders only the live gate's own (one).
        try (Stream<Path> spool = Files.walk(home().resolve("data/spool"))) {
            assertThat(spool.filter(Files::isRegularFile).map(Path::toString).collect(Collectors.toList())).as("spool files").isEmpty();
        }
        try (Stream<Path> folders = Files.list(home().resolve("data/spool"))) {
            assertThat(folders.count()).as("spool folders: one per live activation").isLessThanOrEqualTo(1);
        }
        try (Stream<Path> staged = Files.list(home().resolve("data/apps"))) {
            assertThat(staged.filter(p -> p.toString().endsWith(".new")).map(Path::toString).toList()).as("staged").isEmpty();
        }
    }

    private static void sleepUntil(long startNanos, long millis) throws InterruptedException {
        long left = millis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        if (left > 0) {
            Thread.sleep(left);
        }
    }

    private static boolean isVerificationReason(String code) {
        return Set.of(ReasonCode.values()).stream().anyMatch(reason -> reason.name().equals(code));
    }
}
