package io.appsigning.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;


import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.execution.HealthCheckExecutionResult;
import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.apache.felix.hc.api.execution.HealthCheckSelector;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

import io.appsigning.testsupport.Pem;
import io.appsigning.testsupport.TestPki;
import io.appsigning.truststore.TrustStore;

/**
 * The health checks through the Felix HC executor, on trust store files the test changes while
 * the framework runs: a certificate file writable by every user (unsafe for any identity, root
 * included) and a certificate that expires within the warning window.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HealthIT {

    private final BundleContext context = Probe.context();

    @Configuration
    public Option[] config() {
        return new Option[] {ItestConfig.runtime(ItestConfig.freshHome())};
    }

    private Map<String, Result> run() throws Exception {
        HealthCheckExecutor executor = Services.await(context, HealthCheckExecutor.class);
        Map<String, Result> byName = new HashMap<>();
        for (HealthCheckExecutionResult r : executor.execute(HealthCheckSelector.tags("appsigning"))) {
            byName.put(r.getHealthCheckMetadata().getName(), r.getHealthCheckResult());
        }
        return byName;
    }

    private Result.Status status(String check) {
        try {
            Result result = run().get(check);
            return result == null ? null : result.getStatus();
        } catch (Exception e) {
            return null;
        }
    }

    private static String messages(Result result) {
        StringBuilder text = new StringBuilder();
        result.forEach(entry -> text.append(entry.getMessage()).append('\n'));
        return text.toString();
    }

    @Test
    public void aWorldWritableCertificateFileIsCriticalUntilFixed() throws Exception {
        Path folder = Path.of(context.getProperty("appsigning.home"), "upmconfig", "truststore");
        Path file = folder.resolve("vendor.crt");
        Files.writeString(file, pem(certificate("CN=HealthIT Vendor", Duration.ofDays(365))));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        TrustStore trust = Services.await(context, TrustStore.class);
        Services.awaitTrue("the reload sees the unsafe file", () -> !trust.snapshot().safety().safe());
        Services.awaitTrue("trust-store-permissions is CRITICAL",
                () -> status("trust-store-permissions") == Result.Status.CRITICAL);
        String text = messages(run().get("trust-store-permissions"));
        // The finding names the file and the command that fixes it.
        assertThat(text).contains(file.toString()).contains("chmod");

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Services.awaitTrue("the fixed store is no longer CRITICAL",
                () -> status("trust-store-permissions") != Result.Status.CRITICAL);
        Files.delete(file);
    }

    @Test
    public void aCertificateExpiringWithinThirtyDaysIsAWarning() throws Exception {
        Path folder = Path.of(context.getProperty("appsigning.home"), "upmconfig", "truststore");
        Files.writeString(folder.resolve("soon.crt"), pem(certificate("CN=HealthIT Soon", Duration.ofDays(10))));
        TrustStore trust = Services.await(context, TrustStore.class);
        Services.awaitTrue("the trust store loads the certificate", () -> trust.snapshot().certificates().stream()
                .anyMatch(c -> c.subject().equals("CN=HealthIT Soon")));
        Services.awaitTrue("certificate-expiry is WARN", () -> status("certificate-expiry") == Result.Status.WARN);
        assertThat(messages(run().get("certificate-expiry"))).contains("HealthIT Soon");
        Files.delete(folder.resolve("soon.crt"));
        Services.awaitTrue("expiry is OK once the certificate is gone",
                () -> status("certificate-expiry") == Result.Status.OK);
    }

    /** A certificate with an Ed25519 key, valid from yesterday for {@code validFor}. */
    private static X509Certificate certificate(String subject, Duration validFor) {
        return new TestPki().selfSigned(TestPki.Spec.leaf(subject).validFor(Instant.now(), validFor)).certificate();
    }

    private static String pem(X509Certificate certificate) {
        return Pem.certificate(certificate);
    }
}
