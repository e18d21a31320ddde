package io.appsigning.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

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
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

import io.appsigning.gate.AppRecord;
import io.appsigning.gate.AppRecords;
import io.appsigning.gate.SignatureStatus;
import io.appsigning.gate.Mode;
import io.appsigning.gate.InstallGate;
import io.appsigning.gate.PolicyService;
import io.appsigning.truststore.Identity;
import io.appsigning.truststore.TrustStore;
import io.appsigning.truststore.TrustStoreSnapshot;

/**
 * The runtime boots: every provisioned bundle is ACTIVE (fragments RESOLVED), every service of
 * the project is registered, and the Felix Health Check executor runs the project's checks.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RuntimeIT {

    private final BundleContext context = Probe.context();

    @Configuration
    public Option[] config() {
        return new Option[] {ItestConfig.runtime(ItestConfig.freshHome())};
    }

    @Test
    public void everyBundleIsActive() {
        Map<String, Bundle> bySymbolicName = Arrays.stream(context.getBundles())
                .collect(Collectors.toMap(Bundle::getSymbolicName, Function.identity(), (a, b) -> a));
        assertThat(bySymbolicName).containsKeys(ItestConfig.PROJECT_SYMBOLIC_NAMES.toArray(String[]::new));
        assertThat(bySymbolicName).containsKeys(
                "org.apache.felix.scr", "org.apache.felix.configadmin",
                "org.apache.felix.healthcheck.core", "org.apache.felix.healthcheck.api",
                "bcprov", "bcpkix", "com.fasterxml.jackson.core.jackson-databind");
        for (Bundle bundle : context.getBundles()) {
            boolean fragment = bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            int expected = fragment ? Bundle.RESOLVED : Bundle.ACTIVE;
            assertThat(bundle.getState())
                    .as("state of %s (%s)", bundle.getSymbolicName(), bundle.getLocation())
                    .isEqualTo(expected);
        }
    }

    @Test
    public void projectBundlesComeFromTheFreshlyBuiltFiles() {
        for (String name : ItestConfig.PROJECT_SYMBOLIC_NAMES) {
            Bundle bundle = Arrays.stream(context.getBundles())
                    .filter(b -> name.equals(b.getSymbolicName())).findFirst().orElseThrow();
            // Never a copy from ~/.m2: the reactor's own target/ file.
            assertThat(bundle.getLocation()).startsWith("file:").contains("/target/").doesNotContain("/.m2/");
        }
    }

    @Test
    public void everyServiceIsRegistered() throws Exception {
        // Each service comes from its own bundle and, in this fresh home, shows the fresh state.
        String verifier = "io.appsigning.upm-verifier-bundle";
        assertThat(Services.provider(context, TrustStore.class)).isEqualTo("io.appsigning.trust-store-bundle");
        assertThat(Services.provider(context, InstallGate.class)).isEqualTo(verifier);
        assertThat(Services.provider(context, PolicyService.class)).isEqualTo(verifier);
        assertThat(Services.provider(context, AppRecords.class)).isEqualTo(verifier);
        Path home = Path.of(context.getProperty("appsigning.home"));
        TrustStoreSnapshot snapshot = Services.await(context, TrustStore.class).snapshot();
        assertThat(snapshot.folder()).isEqualTo(home.resolve("upmconfig/truststore"));
        assertThat(snapshot.certificates()).isEmpty();
        assertThat(snapshot.problems()).isEmpty();
        assertThat(Services.await(context, PolicyService.class).current().mode()).as("the default mode").isEqualTo(Mode.WARN);
        // Nothing went through the gate yet: the only records are of the bundles found at start, installed before signing.
        Set<String> present = Arrays.stream(context.getBundles()).map(Bundle::getSymbolicName).collect(Collectors.toSet());
        assertThat(Services.await(context, AppRecords.class).all()).isNotEmpty().allSatisfy(record -> {
            assertThat(record.status()).as(record.key()).isEqualTo(SignatureStatus.INSTALLED_BEFORE_SIGNING);
            assertThat(present).as(record.key()).contains(record.key());
        }).extracting(AppRecord::key).contains(ItestConfig.PROJECT_SYMBOLIC_NAMES.toArray(String[]::new));
        Map<String, ServiceReference<?>> checks = new HashMap<>();
        Services.awaitTrying("three appsigning health checks", () -> {
            checks.clear();
            context.getServiceReferences(org.apache.felix.hc.api.HealthCheck.class, "(hc.tags=appsigning)")
                    .forEach(r -> checks.put(String.valueOf(r.getProperty("hc.name")), r));
            return checks.size() == 3;
        });
        assertThat(checks).containsOnlyKeys("trust-store-permissions", "certificate-expiry", "signing-status");
        assertThat(checks.values()).allSatisfy(r -> assertThat(r.getBundle().getSymbolicName())
                .isEqualTo("io.appsigning.healthcheck-bundle"));
    }

    @Test
    public void theHealthCheckExecutorRunsTheChecksOnASafeTrustStore() throws Exception {
        HealthCheckExecutor executor = Services.await(context, HealthCheckExecutor.class);
        Map<String, HealthCheckExecutionResult> byName = new HashMap<>();
        Services.awaitTrue("the executor sees the three checks", () -> {
            byName.clear();
            List<HealthCheckExecutionResult> results = executor.execute(HealthCheckSelector.tags("appsigning"));
            results.forEach(r -> byName.put(r.getHealthCheckMetadata().getName(), r));
            return byName.size() == 3;
        });
        Result permissions = byName.get("trust-store-permissions").getHealthCheckResult();
        // The fresh home is owned by the JVM user with mode 0700/0755: safe. Root gets its own
        // warning (no folder is protected from root); anyone else gets OK.
        Result.Status expected = Identity.current().isRoot() ? Result.Status.WARN : Result.Status.OK;
        assertThat(permissions.getStatus()).as(permissions.toString()).isEqualTo(expected);
        // An empty trust store expires nothing.
        assertThat(byName.get("certificate-expiry").getHealthCheckResult().getStatus())
                .isEqualTo(Result.Status.OK);
        // Default policy is WARN: the grace period is a warning until ENFORCE.
        assertThat(byName.get("signing-status").getHealthCheckResult().getStatus())
                .isEqualTo(Result.Status.WARN);
    }
}
