package io.appsigning.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.appsigning.gate.AppRecords;
import io.appsigning.gate.BlockedBundles;
import io.appsigning.gate.InstallGate;
import io.appsigning.gate.InstallOutcome;
import io.appsigning.gate.InstallRequest;
import io.appsigning.gate.Origin;
import io.appsigning.gate.SignatureStatus;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * Strict mode (DESIGN.md {@code strict}, issue 13 item 6) in Felix: a bundle installed with
 * {@code BundleContext.installBundle}, as the Web Console's upload does, stays INSTALLED, never
 * resolves, is listed blocked and named by {@code signing-status}; the gate's and the plugins
 * folder's installs still run. Strict is switched on in the operator's file after the runtime has
 * booted (the itest runtime's own bundles are not {@code product:} bundles).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class StrictModeIT {

    private final BundleContext context = Probe.context();

    @Configuration
    public Option[] configuration() {
        return new Option[] {ItestConfig.runtime(ItestConfig.freshHome())};
    }

    private Path home() {
        return Path.of(context.getProperty("appsigning.home"));
    }

    private void strict(boolean on) throws Exception {
        Files.writeString(home().resolve("upmconfig/signing.properties"), "mode=WARN\nstrict=" + on + "\n");
        BlockedBundles strictMode = Services.await(context, BlockedBundles.class);
        Services.awaitTrue("strict mode is " + on, () -> strictMode.strict() == on);
    }

    @After
    public void uninstallTestBundles() throws Exception {
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getSymbolicName() != null && bundle.getSymbolicName().startsWith("com.acme.")) {
                bundle.uninstall();
            }
        }
    }

    private static byte[] testBundle(String name, String version) throws Exception {
        return testBundle(name, version, Map.of());
    }

    private static byte[] testBundle(String name, String version, Map<String, String> headers) {
        return io.appsigning.testsupport.TestBundles.bundle(name, version, 0, headers);
    }

    private Bundle installDirectly(String location, String name) throws Exception {
        return context.installBundle(location, new ByteArrayInputStream(testBundle(name, "1.0.0")));
    }

    private boolean resolves(Bundle bundle) {
        return context.getBundle(0).adapt(FrameworkWiring.class).resolveBundles(List.of(bundle));
    }

    private List<String> signingStatusMessages() throws Exception {
        Collection<ServiceReference<HealthCheck>> references =
                context.getServiceReferences(HealthCheck.class, "(hc.name=signing-status)");
        assertThat(references).hasSize(1);
        Result result = context.getService(references.iterator().next()).execute();
        return java.util.stream.StreamSupport.stream(result.spliterator(), false).map(ResultLog.Entry::getMessage).toList();
    }

    @Test
    public void withStrictOffADirectInstallResolvesAsUsual() throws Exception {
        strict(false);
        Bundle free = installDirectly("inputstream:free.jar", "com.acme.free");
        free.start();
        assertThat(free.getState()).isEqualTo(Bundle.ACTIVE);
        assertThat(Services.await(context, BlockedBundles.class).blocked()).isEmpty();
    }

    @Test
    public void aDirectInstallStaysInstalledIsListedBlockedAndNamedBySigningStatus() throws Exception {
        strict(true);
        Bundle evil = installDirectly("inputstream:evil.jar", "com.acme.evil");
        assertThatThrownBy(evil::start).isInstanceOf(BundleException.class);
        assertThat(resolves(evil)).isFalse();
        Thread.sleep(1_000);
        assertThat(evil.getState()).as("never resolves").isEqualTo(Bundle.INSTALLED);
        assertThat(Services.await(context, BlockedBundles.class).blocked()).containsExactly(evil);
        assertThat(signingStatusMessages()).anySatisfy(message ->
                assertThat(message).contains("com.acme.evil 1.0.0 is BLOCKED").contains("inputstream:evil.jar"));
    }

    @Test
    public void locationsThatOnlyLookLikeTheGatesOrThePluginsFolderAreBlocked() throws Exception {
        strict(true);
        Bundle forged = installDirectly("upm:app:com.acme.forged", "com.acme.forged");
        Path plugins = home().resolve("plugins");
        Bundle escaped = installDirectly(plugins.toUri() + "../escaped.jar", "com.acme.escaped");
        Bundle elsewhere = installDirectly(home().resolve("elsewhere.jar").toFile().toURI().toString(), "com.acme.elsewhere");
        for (Bundle bundle : List.of(forged, escaped, elsewhere)) {
            assertThat(resolves(bundle)).as(bundle.getLocation()).isFalse();
            assertThat(bundle.getState()).as(bundle.getLocation()).isEqualTo(Bundle.INSTALLED);
        }
        assertThat(Services.await(context, BlockedBundles.class).blocked()).containsExactlyInAnyOrder(forged, escaped, elsewhere);
        assertThat(Services.await(context, AppRecords.class).find("com.acme.escaped")).as("not recorded as a plugin").isEmpty();

        // Only the gate writes records (AppRecords has no writer in its API), so a forged location stays blocked;
        // a bundle the plugins folder installs is recorded as it is installed, and resolves (the test below).
        assertThat(resolves(forged)).isFalse();
    }

    @Test
    public void theGatesAndThePluginsFoldersInstallsStillRunBesideABlockedBundle() throws Exception {
        strict(true);
        // A blocked bundle lying around must not disturb other bundles' resolution (in Felix 7.0.5, a hook that
        // filters the resolvable set of an operation hides every resolved bundle's exports from that operation).
        Bundle blocked = installDirectly("inputstream:lying-around.jar", "com.acme.lyingaround");
        assertThatThrownBy(blocked::start).isInstanceOf(BundleException.class);

        InstallGate gate = Services.await(context, InstallGate.class);
        InstallOutcome outcome = gate.install(new InstallRequest(new ByteArrayInputStream(
                testBundle("com.acme.uploaded", "1.0.0", Map.of("Import-Package", "org.osgi.framework"))),
                "uploaded.jar", null, Origin.UPLOAD, "itest"));
        assertThat(outcome.installed()).as(outcome.message()).isTrue();
        assertThat(installed("com.acme.uploaded").getState()).isEqualTo(Bundle.ACTIVE);

        // As Apache Felix FileInstall installs a file of the plugins folder: its file URI as the location.
        Path file = home().resolve("plugins/dropped.jar");
        Files.write(file, testBundle("com.acme.dropped", "1.0.0", Map.of("Import-Package", "org.osgi.framework")));
        Bundle dropped = context.installBundle(file.toFile().toURI().normalize().toString(), Files.newInputStream(file));
        dropped.start();
        assertThat(dropped.getState()).isEqualTo(Bundle.ACTIVE);
        assertThat(Services.await(context, AppRecords.class).find("com.acme.dropped").orElseThrow().status())
                .isEqualTo(SignatureStatus.FILE_SYSTEM);
        assertThat(Services.await(context, BlockedBundles.class).blocked()).containsExactly(blocked);
        Files.delete(file);
    }

    @Test
    public void aBlockedBundleProvidesNothingToOthers() throws Exception {
        strict(true);
        Bundle provider = context.installBundle("inputstream:provider.jar", new ByteArrayInputStream(
                testBundle("com.acme.provider", "1.0.0", Map.of("Export-Package", "com.acme.api"))));
        InstallOutcome outcome = Services.await(context, InstallGate.class).install(new InstallRequest(new ByteArrayInputStream(
                testBundle("com.acme.consumer", "1.0.0", Map.of("Import-Package", "com.acme.api"))),
                "consumer.jar", null, Origin.UPLOAD, "itest"));
        assertThat(outcome.installed()).as("the gate's app cannot start on a blocked bundle's export").isFalse();
        assertThat(outcome.code()).isEqualTo(InstallOutcome.INVALID_APP);
        assertThat(installed("com.acme.consumer")).isNull();
        assertThat(provider.getState()).isEqualTo(Bundle.INSTALLED);
    }

    @Test
    public void withoutTheRecordsServiceOnlyWhatIsAlreadyResolvedRuns() throws Exception {
        strict(true);
        ServiceComponentRuntime scr = Services.await(context, ServiceComponentRuntime.class);
        Bundle verifier = installed("io.appsigning.upm-verifier-bundle");
        ComponentDescriptionDTO gate = scr.getComponentDescriptionDTO(verifier, "io.appsigning.gate.internal.GateComponent");
        scr.disableComponent(gate).getValue();
        try {
            Services.awaitTrue("no records service", () -> context.getServiceReference(AppRecords.class) == null);
            // Even a plugins-folder bundle cannot be checked against its record now: fail closed.
            Path file = home().resolve("plugins/unchecked.jar");
            Files.write(file, testBundle("com.acme.unchecked", "1.0.0"));
            Bundle unchecked = context.installBundle(file.toFile().toURI().normalize().toString(), Files.newInputStream(file));
            assertThat(resolves(unchecked)).isFalse();
            assertThat(unchecked.getState()).isEqualTo(Bundle.INSTALLED);
            assertThat(Services.await(context, BlockedBundles.class).blocked()).contains(unchecked);

            scr.enableComponent(gate).getValue();
            Services.await(context, AppRecords.class);
            // Recorded once the records are back (the plugins folder's records catch up): it resolves now.
            Services.awaitTrue("the plugin is recorded", () -> {
                ServiceReference<AppRecords> records = context.getServiceReference(AppRecords.class);
                return records != null && context.getService(records).find("com.acme.unchecked").isPresent();
            });
            unchecked.start();
            assertThat(unchecked.getState()).isEqualTo(Bundle.ACTIVE);
            Files.delete(file);
        } finally {
            scr.enableComponent(gate).getValue();
        }
    }

    private Bundle installed(String symbolicName) {
        return java.util.Arrays.stream(context.getBundles())
                .filter(b -> symbolicName.equals(b.getSymbolicName())).findFirst().orElse(null);
    }
}
