package io.appsigning.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import io.appsigning.gate.AppRecord;
import io.appsigning.gate.AppRecords;
import io.appsigning.gate.InstallGate;
import io.appsigning.gate.InstallOutcome;
import io.appsigning.gate.InstallRequest;
import io.appsigning.gate.Mode;
import io.appsigning.gate.Origin;
import io.appsigning.gate.PolicyService;
import io.appsigning.gate.SignatureStatus;
import io.appsigning.testsupport.Pem;
import io.appsigning.testsupport.TestBundles;
import io.appsigning.testsupport.TestPki;
import io.appsigning.truststore.Identity;
import io.appsigning.truststore.TrustStore;
import io.appsigning.verifier.Flow;
import io.appsigning.verifier.SignatureFiles;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

/** The real bundles in a real Felix, provisioned from the files this build just made. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class AppSigningIT {

    private final TestPki pki = new TestPki();

    @Configuration
    public Option[] configuration() {
        return new Option[] {ItestConfig.runtime(ItestConfig.freshHome())};
    }

    private BundleContext context() {
        return FrameworkUtil.getBundle(getClass()).getBundleContext();
    }

    private <T> T service(Class<T> type) throws InterruptedException {
        return Services.await(context(), type);
    }

    private Path home() {
        return Path.of(context().getProperty("appsigning.home"));
    }

    // --- test material -------------------------------------------------------------------------------

    private static byte[] testBundle(String name, String version) {
        return TestBundles.bundle(name, version);
    }

    /** A bundle that cannot resolve: it imports a package nobody exports. */
    private static byte[] testBundleImporting(String name, String version, String importedPackage) {
        return TestBundles.bundle(name, version, 0, Map.of("Import-Package", importedPackage));
    }

    /** A vendor's certificate (Ed25519, code signing), valid for a year from now. */
    private TestPki.Issued vendor(String subject) {
        return pki.selfSigned(TestPki.Spec.leaf(subject).validFor(Instant.now(), Duration.ofDays(365)));
    }

    private static byte[] sign(PrivateKey key, byte[] app) {
        return TestPki.sign(key, app);
    }

    private InstallOutcome install(byte[] app, byte[] signatureFile) throws Exception {
        return service(InstallGate.class).install(new InstallRequest(new ByteArrayInputStream(app), "app.jar", signatureFile,
                Origin.UPLOAD, "itest"));
    }

    private Bundle installed(String name) {
        for (Bundle bundle : context().getBundles()) {
            if (name.equals(bundle.getSymbolicName())) {
                return bundle;
            }
        }
        return null;
    }

    private void setMode(Mode mode) throws Exception {
        org.osgi.service.cm.Configuration configuration = service(ConfigurationAdmin.class).getConfiguration(PolicyService.PID, "?");
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("mode", mode.name());
        configuration.update(properties);
        PolicyService policies = service(PolicyService.class);
        Services.awaitTrue("the policy follows Configuration Admin", () -> policies.current().mode() == mode);
    }

    // --- tests -----------------------------------------------------------------------------------------

    @Test
    public void everyBundleIsActiveAndEveryServiceRegistered() throws Exception {
        for (String name : List.of("io.appsigning.trust-store-bundle", "io.appsigning.upm-verifier-bundle",
                "io.appsigning.healthcheck-bundle")) {
            Bundle bundle = installed(name);
            assertThat(bundle).as(name).isNotNull();
            assertThat(bundle.getState()).as(name).isEqualTo(Bundle.ACTIVE);
        }
        // Each service is the real one, registered by its bundle.
        String verifier = "io.appsigning.upm-verifier-bundle";
        assertThat(Services.provider(context(), TrustStore.class)).isEqualTo("io.appsigning.trust-store-bundle");
        assertThat(Services.provider(context(), InstallGate.class)).isEqualTo(verifier);
        assertThat(Services.provider(context(), PolicyService.class)).isEqualTo(verifier);
        assertThat(Services.provider(context(), AppRecords.class)).isEqualTo(verifier);
        assertThat(service(TrustStore.class).snapshot().folder()).isEqualTo(home().resolve("upmconfig/truststore"));
        Services.awaitTrying("three health checks",
                () -> context().getServiceReferences(HealthCheck.class, "(hc.tags=appsigning)").size() == 3);
    }

    @Test
    public void theGateInEveryModeAndFlowWithConfigurationAdminAndTrustStoreChanges() throws Exception {
        // A vendor certificate dropped into the trust store is picked up without a restart.
        TestPki.Issued vendor = vendor("CN=ITest Vendor");
        Files.writeString(home().resolve("upmconfig/truststore/vendor.crt"), Pem.certificate(vendor.certificate()));
        TrustStore trust = service(TrustStore.class);
        Services.awaitTrue("the trust store picks up the certificate", () -> trust.snapshot().certificates().stream()
                .anyMatch(c -> c.subject().equals("CN=ITest Vendor")));

        // ENFORCE through Configuration Admin, applied without a restart.
        setMode(Mode.ENFORCE);

        // Custom flow.
        byte[] custom = testBundle("com.acme.custom", "1.0.0");
        InstallOutcome verified = install(custom, SignatureFiles.encode(sign(vendor.key(), custom), null));
        assertThat(verified.installed()).as(verified.message()).isTrue();
        assertThat(verified.record().flow()).isEqualTo(Flow.CUSTOM);
        assertThat(installed("com.acme.custom").getState()).isEqualTo(Bundle.ACTIVE);

        // Marketplace flow: a CA in the trust store, the leaf in the signature file.
        // Like the real marketplace intermediate CA v2: a CA whose key usage lacks keyCertSign.
        TestPki.Issued ca = pki.selfSigned(TestPki.Spec.ca("CN=ITest Marketplace CA")
                .keyUsage(KeyUsage.digitalSignature | KeyUsage.dataEncipherment).validFor(Instant.now(), Duration.ofDays(365)));
        Files.writeString(home().resolve("upmconfig/truststore/marketplace.crt"), Pem.certificate(ca.certificate()));
        Services.awaitTrue("the trust store picks up the CA", () -> trust.snapshot().certificates().stream()
                .anyMatch(c -> c.subject().equals("CN=ITest Marketplace CA")));
        TestPki.Issued leaf = pki.issue(TestPki.Spec.leaf("CN=ITest Marketplace App").validFor(Instant.now(), Duration.ofDays(365)),
                TestPki.ed25519(), ca);
        byte[] market = testBundle("com.acme.market", "2.0.0");
        InstallOutcome marketplace = install(market, SignatureFiles.encode(sign(leaf.key(), market), leaf.certificate()));
        assertThat(marketplace.installed()).as(marketplace.message()).isTrue();
        assertThat(marketplace.record().flow()).isEqualTo(Flow.MARKETPLACE);
        assertThat(marketplace.record().signer().subject()).isEqualTo("CN=ITest Marketplace App");

        // Tampered and unsigned apps are rejected in ENFORCE with nothing installed and no spool file left.
        byte[] evil = testBundle("com.acme.evil", "1.0.0");
        byte[] signedOther = SignatureFiles.encode(sign(vendor.key(), testBundle("com.acme.other", "1.0.0")), null);
        InstallOutcome tampered = install(evil, signedOther);
        assertThat(tampered.installed()).isFalse();
        assertThat(tampered.code()).isEqualTo("SIGNATURE_MISMATCH");
        InstallOutcome unsigned = install(evil, null);
        assertThat(unsigned.code()).isEqualTo("MISSING_SIGNATURE");
        assertThat(installed("com.acme.evil")).isNull();
        try (var spool = Files.walk(home().resolve("data/spool"))) {
            assertThat(spool.filter(Files::isRegularFile).count()).isZero();
        }

        // WARN installs the unsigned app, with its record.
        setMode(Mode.WARN);
        InstallOutcome warned = install(evil, null);
        assertThat(warned.installed()).isTrue();
        AppRecord record = service(AppRecords.class).find("com.acme.evil").orElseThrow();
        assertThat(record.status()).isEqualTo(SignatureStatus.UNSIGNED);
        assertThat(record.reason().name()).isEqualTo("MISSING_SIGNATURE");
        assertThat(installed("com.acme.evil").getState()).isEqualTo(Bundle.ACTIVE);
        assertThat(service(InstallGate.class).uninstall("com.acme.evil", "itest").removed()).isTrue();
        assertThat(installed("com.acme.evil")).isNull();
    }

    @Test
    public void aFailedUpdateKeepsTheEarlierVersionRunningAndConcurrentInstallsAreDecidedIndependently() throws Exception {
        TestPki.Issued vendor = vendor("CN=ITest Concurrent");
        Files.writeString(home().resolve("upmconfig/truststore/concurrent.crt"), Pem.certificate(vendor.certificate()));
        TrustStore trust = service(TrustStore.class);
        Services.awaitTrue("the trust store picks up the certificate", () -> trust.snapshot().certificates().stream()
                .anyMatch(c -> c.subject().equals("CN=ITest Concurrent")));
        setMode(Mode.ENFORCE);

        byte[] v1 = testBundle("com.acme.updated", "1.0.0");
        assertThat(install(v1, SignatureFiles.encode(sign(vendor.key(), v1), null)).installed()).isTrue();
        // Version 2 imports a package nobody exports: it cannot start, so version 1 must come back and keep running.
        byte[] v2 = testBundleImporting("com.acme.updated", "2.0.0", "com.acme.nowhere");
        InstallOutcome failed = install(v2, SignatureFiles.encode(sign(vendor.key(), v2), null));
        assertThat(failed.installed()).isFalse();
        assertThat(failed.message()).contains("The earlier version 1.0.0 was restored and keeps running.");
        Bundle running = installed("com.acme.updated");
        assertThat(running.getVersion().toString()).isEqualTo("1.0.0");
        assertThat(running.getState()).isEqualTo(Bundle.ACTIVE);
        assertThat(service(AppRecords.class).find("com.acme.updated").orElseThrow().version()).isEqualTo("1.0.0");

        // Twenty installs at once, every other one tampered: each gets its own, right decision.
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<InstallOutcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                byte[] app = testBundle("com.acme.parallel" + i, "1.0." + i);
                byte[] signatureFile = SignatureFiles.encode(sign(vendor.key(), i % 2 == 0 ? app : testBundle("x" + i, "1")), null);
                outcomes.add(pool.submit(() -> install(app, signatureFile)));
            }
            for (int i = 0; i < 20; i++) {
                InstallOutcome outcome = outcomes.get(i).get();
                assertThat(outcome.installed()).as("app %d", i).isEqualTo(i % 2 == 0);
                assertThat(installed("com.acme.parallel" + i) != null).as("app %d installed", i).isEqualTo(i % 2 == 0);
                if (i % 2 == 1) {
                    assertThat(outcome.code()).isEqualTo("SIGNATURE_MISMATCH");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        try (var spool = Files.walk(home().resolve("data/spool"))) {
            assertThat(spool.filter(Files::isRegularFile).count()).isZero();
        }
    }

    @Test
    public void invalidConfigurationAdminDataFailsClosed() throws Exception {
        // From WARN, so that ENFORCE below can only come from the invalid data.
        setMode(Mode.WARN);
        org.osgi.service.cm.Configuration configuration = service(ConfigurationAdmin.class).getConfiguration(PolicyService.PID, "?");
        Hashtable<String, Object> corrupt = new Hashtable<>();
        corrupt.put("mode", "SOMETIMES");
        corrupt.put("enforceAfter", "whenever");
        configuration.update(corrupt);
        PolicyService policies = service(PolicyService.class);
        Services.awaitTrue("an invalid policy enforces", () -> policies.current().mode() == Mode.ENFORCE);
        InstallOutcome unsigned = install(testBundle("com.acme.corrupt", "1.0.0"), null);
        assertThat(unsigned.installed()).isFalse();
        assertThat(unsigned.code()).isEqualTo("MISSING_SIGNATURE");
        setMode(Mode.WARN);
    }

    @Test
    public void healthChecksForASafeAndAnUnsafeTrustStore() throws Exception {
        Map<String, HealthCheck> checks = new java.util.HashMap<>();
        Services.awaitTrying("three health checks", () -> {
            for (ServiceReference<HealthCheck> reference : context().getServiceReferences(HealthCheck.class, "(hc.tags=appsigning)")) {
                checks.put((String) reference.getProperty("hc.name"), context().getService(reference));
            }
            return checks.size() == 3;
        });
        assertThat(checks).containsOnlyKeys("trust-store-permissions", "certificate-expiry", "signing-status");
        setMode(Mode.WARN);
        // The fresh home is protected from its user; running as root (as CI does) is a warning of its own.
        Result safe = checks.get("trust-store-permissions").execute();
        assertThat(safe.getStatus()).as(safe.toString()).isEqualTo(Identity.current().isRoot() ? Result.Status.WARN : Result.Status.OK);
        // A world-writable folder is unsafe for anyone, root included: CRITICAL, and the gate trusts nothing.
        Path folder = home().resolve("upmconfig/truststore");
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxrwxrwx"));
        try {
            Services.awaitTrue("the unsafe trust store is reported",
                    () -> checks.get("trust-store-permissions").execute().getStatus() == Result.Status.CRITICAL);
            setMode(Mode.ENFORCE);
            InstallOutcome rejected = install(testBundle("com.acme.any", "1.0.0"), SignatureFiles.encode(new byte[64], null));
            assertThat(rejected.installed()).isFalse();
            assertThat(rejected.code()).isEqualTo("TRUST_STORE_UNSAFE");
        } finally {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Services.awaitTrue("the fixed trust store is as safe as before",
                () -> checks.get("trust-store-permissions").execute().getStatus() == safe.getStatus());

        // signing-status names an unsigned app while it is installed, and no longer once it is gone. It stays
        // WARN here even in ENFORCE: the bundles Pax Exam provisioned count as installed before signing.
        setMode(Mode.WARN);
        assertThat(install(testBundle("com.acme.unsigned.health", "1.0.0"), null).installed()).isTrue();
        Result warned = checks.get("signing-status").execute();
        assertThat(warned.getStatus()).isEqualTo(Result.Status.WARN);
        assertThat(messages(warned)).contains("Mode for upload apps: WARN (unverified apps install with a warning).")
                .contains("com.acme.unsigned.health 1.0.0: Unsigned. Ask the vendor for the signature file and upload the app again with it.");
        assertThat(service(InstallGate.class).uninstall("com.acme.unsigned.health", "itest").removed()).isTrue();
        setMode(Mode.ENFORCE);
        Result enforced = checks.get("signing-status").execute();
        assertThat(enforced.getStatus()).isEqualTo(Result.Status.WARN);
        assertThat(messages(enforced)).contains("Mode for upload apps: ENFORCE (only verified apps install).")
                .contains("io.appsigning.trust-store-bundle 0.1.0.SNAPSHOT: Installed before signing. Upload a signed build of it before the grace period ends.")
                .doesNotContain("com.acme.unsigned.health");
    }

    private static String messages(Result result) {
        StringBuilder text = new StringBuilder();
        result.forEach(entry -> text.append(entry.getMessage()).append('\n'));
        return text.toString();
    }
}
