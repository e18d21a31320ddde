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
import io.appsigning.truststore.TrustStore;
import io.appsigning.verifier.Flow;
import io.appsigning.verifier.SignatureFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.security.auth.x500.X500Principal;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
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
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

/** The real bundles in a real Felix, provisioned from the files this build just made. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class AppSigningIT {

    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    @Configuration
    public Option[] configuration() {
        return new Option[] {ItestConfig.runtime(ItestConfig.freshHome())};
    }

    private BundleContext context() {
        return FrameworkUtil.getBundle(getClass()).getBundleContext();
    }

    private <T> T service(Class<T> type) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            ServiceReference<T> reference = context().getServiceReference(type);
            if (reference != null) {
                return context().getService(reference);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + type.getName() + " service");
    }

    private Path home() {
        return Path.of(context().getProperty("appsigning.home"));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 100 && !condition.getAsBoolean(); i++) {
            Thread.sleep(100);
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    // --- test material -------------------------------------------------------------------------------

    private static byte[] testBundle(String name, String version) throws Exception {
        return testBundleImporting(name, version, null);
    }

    /** A bundle with no content; with {@code importedPackage}, one that cannot resolve unless it is exported. */
    private static byte[] testBundleImporting(String name, String version, String importedPackage) throws Exception {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", name);
        main.putValue("Bundle-Version", version);
        if (importedPackage != null) {
            main.putValue("Import-Package", importedPackage);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new JarOutputStream(bytes, manifest).close();
        return bytes.toByteArray();
    }

    private static X509Certificate certificate(String subject, X500Principal issuer, java.security.PublicKey key, PrivateKey signer,
                                               boolean ca) throws Exception {
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(System.nanoTime()),
                Date.from(Instant.now().minus(Duration.ofDays(1))), Date.from(Instant.now().plus(Duration.ofDays(365))),
                new X500Principal(subject), key);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.digitalSignature | KeyUsage.dataEncipherment
                : KeyUsage.digitalSignature));
        return new JcaX509CertificateConverter().setProvider(BC).getCertificate(
                builder.build(new JcaContentSignerBuilder("Ed25519").setProvider(BC).build(signer)));
    }

    private static String pem(X509Certificate certificate) throws Exception {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder().encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    private static byte[] sign(PrivateKey key, byte[] app) throws Exception {
        Signature signature = Signature.getInstance("Ed25519");
        signature.initSign(key);
        signature.update(app);
        return signature.sign();
    }

    private static KeyPair ed25519() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
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
        await("the policy follows Configuration Admin", () -> {
            try {
                return service(PolicyService.class).current().mode() == mode;
            } catch (InterruptedException e) {
                return false;
            }
        });
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
        assertThat(service(TrustStore.class).snapshot()).isNotNull();
        assertThat(service(InstallGate.class)).isNotNull();
        assertThat(service(PolicyService.class).current()).isNotNull();
        assertThat(service(AppRecords.class)).isNotNull();
        await("three health checks", () -> {
            try {
                return context().getServiceReferences(HealthCheck.class, "(hc.tags=appsigning)").size() == 3;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    public void theGateInEveryModeAndFlowWithConfigurationAdminAndTrustStoreChanges() throws Exception {
        // A vendor certificate dropped into the trust store is picked up without a restart.
        KeyPair vendor = ed25519();
        X500Principal vendorName = new X500Principal("CN=ITest Vendor");
        Files.writeString(home().resolve("upmconfig/truststore/vendor.crt"),
                pem(certificate("CN=ITest Vendor", vendorName, vendor.getPublic(), vendor.getPrivate(), false)));
        TrustStore trust = service(TrustStore.class);
        await("the trust store picks up the certificate", () -> trust.snapshot().certificates().stream()
                .anyMatch(c -> c.subject().equals("CN=ITest Vendor")));

        // ENFORCE through Configuration Admin, applied without a restart.
        setMode(Mode.ENFORCE);

        // Custom flow.
        byte[] custom = testBundle("com.acme.custom", "1.0.0");
        InstallOutcome verified = install(custom, SignatureFiles.encode(sign(vendor.getPrivate(), custom), null));
        assertThat(verified.installed()).as(verified.message()).isTrue();
        assertThat(verified.record().flow()).isEqualTo(Flow.CUSTOM);
        assertThat(installed("com.acme.custom").getState()).isEqualTo(Bundle.ACTIVE);

        // Marketplace flow: a CA in the trust store, the leaf in the signature file.
        KeyPair ca = ed25519();
        X500Principal caName = new X500Principal("CN=ITest Marketplace CA");
        Files.writeString(home().resolve("upmconfig/truststore/marketplace.crt"),
                pem(certificate("CN=ITest Marketplace CA", caName, ca.getPublic(), ca.getPrivate(), true)));
        await("the trust store picks up the CA", () -> trust.snapshot().certificates().stream()
                .anyMatch(c -> c.subject().equals("CN=ITest Marketplace CA")));
        KeyPair leafKeys = ed25519();
        X509Certificate leaf = certificate("CN=ITest Marketplace App", caName, leafKeys.getPublic(), ca.getPrivate(), false);
        byte[] market = testBundle("com.acme.market", "2.0.0");
        InstallOutcome marketplace = install(market, SignatureFiles.encode(sign(leafKeys.getPrivate(), market), leaf));
        assertThat(marketplace.installed()).as(marketplace.message()).isTrue();
        assertThat(marketplace.record().flow()).isEqualTo(Flow.MARKETPLACE);
        assertThat(marketplace.record().signer().subject()).isEqualTo("CN=ITest Marketplace App");

        // Tampered and unsigned apps are rejected in ENFORCE with nothing installed and no spool file left.
        byte[] evil = testBundle("com.acme.evil", "1.0.0");
        byte[] signedOther = SignatureFiles.encode(sign(vendor.getPrivate(), testBundle("com.acme.other", "1.0.0")), null);
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
        KeyPair vendor = ed25519();
        Files.writeString(home().resolve("upmconfig/truststore/concurrent.crt"),
                pem(certificate("CN=ITest Concurrent", new X500Principal("CN=ITest Concurrent"), vendor.getPublic(), vendor.getPrivate(), false)));
        TrustStore trust = service(TrustStore.class);
        await("the trust store picks up the certificate", () -> trust.snapshot().certificates().stream()
                .anyMatch(c -> c.subject().equals("CN=ITest Concurrent")));
        setMode(Mode.ENFORCE);

        byte[] v1 = testBundle("com.acme.updated", "1.0.0");
        assertThat(install(v1, SignatureFiles.encode(sign(vendor.getPrivate(), v1), null)).installed()).isTrue();
        // Version 2 imports a package nobody exports: it cannot start, so version 1 must come back and keep running.
        byte[] v2 = testBundleImporting("com.acme.updated", "2.0.0", "com.acme.nowhere");
        InstallOutcome failed = install(v2, SignatureFiles.encode(sign(vendor.getPrivate(), v2), null));
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
                byte[] signatureFile = SignatureFiles.encode(sign(vendor.getPrivate(), i % 2 == 0 ? app : testBundle("x" + i, "1")), null);
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
        org.osgi.service.cm.Configuration configuration = service(ConfigurationAdmin.class).getConfiguration(PolicyService.PID, "?");
        Hashtable<String, Object> corrupt = new Hashtable<>();
        corrupt.put("mode", "SOMETIMES");
        corrupt.put("enforceAfter", "whenever");
        configuration.update(corrupt);
        PolicyService policies = service(PolicyService.class);
        await("an invalid policy enforces", () -> policies.current().mode() == Mode.ENFORCE);
        InstallOutcome unsigned = install(testBundle("com.acme.corrupt", "1.0.0"), null);
        assertThat(unsigned.installed()).isFalse();
        assertThat(unsigned.code()).isEqualTo("MISSING_SIGNATURE");
        setMode(Mode.WARN);
    }

    @Test
    public void healthChecksForASafeAndAnUnsafeTrustStore() throws Exception {
        Map<String, HealthCheck> checks = new java.util.HashMap<>();
        await("three health checks", () -> {
            try {
                Collection<ServiceReference<HealthCheck>> references =
                        context().getServiceReferences(HealthCheck.class, "(hc.tags=appsigning)");
                for (ServiceReference<HealthCheck> reference : references) {
                    checks.put((String) reference.getProperty("hc.name"), context().getService(reference));
                }
                return checks.size() == 3;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(checks).containsKeys("trust-store-permissions", "certificate-expiry", "signing-status");
        // Running as root (as CI does) is a warning of its own; a world-writable folder is unsafe for anyone.
        Result safe = checks.get("trust-store-permissions").execute();
        assertThat(safe.getStatus()).isIn(Result.Status.OK, Result.Status.WARN);
        Path folder = home().resolve("upmconfig/truststore");
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxrwxrwx"));
        try {
            await("the unsafe trust store is reported", () -> checks.get("trust-store-permissions").execute().getStatus() == Result.Status.CRITICAL);
            setMode(Mode.ENFORCE);
            InstallOutcome rejected = install(testBundle("com.acme.any", "1.0.0"), SignatureFiles.encode(new byte[64], null));
            assertThat(rejected.installed()).isFalse();
            assertThat(rejected.code()).isEqualTo("TRUST_STORE_UNSAFE");
        } finally {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        await("the fixed trust store is no longer critical", () -> checks.get("trust-store-permissions").execute().getStatus() != Result.Status.CRITICAL);
        assertThat(checks.get("signing-status").execute().getStatus()).isNotNull();
    }
}
