package io.appsigning.itest;

import static org.assertj.core.api.Assertions.assertThat;

import io.appsigning.gate.AppRecord;
import io.appsigning.gate.AppRecords;
import io.appsigning.gate.AppScope;
import io.appsigning.gate.BlockedBundles;
import io.appsigning.gate.InstallGate;
import io.appsigning.gate.InstallOutcome;
import io.appsigning.gate.InstallRequest;
import io.appsigning.gate.Origin;
import io.appsigning.testsupport.TestBundles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * OBR apps (DESIGN.md, issue 14 item 3) in Felix, under strict mode: an archive installs its
 * dependencies and then its root bundle, all or nothing; a dependency already present at the same
 * or a newer version is kept; the archive is one app; uninstalling it removes the dependencies that
 * no other app needs.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ObrIT {

    private final BundleContext context = Probe.context();

    @Configuration
    public Option[] configuration() {
        return new Option[] {ItestConfig.runtime(ItestConfig.freshHome())};
    }

    @Before
    public void strictModeOn() throws Exception {
        Path home = Path.of(context.getProperty("appsigning.home"));
        Files.writeString(home.resolve("upmconfig/signing.properties"), "mode=WARN\nstrict=true\n");
        BlockedBundles strictMode = Services.await(context, BlockedBundles.class);
        Services.awaitTrue("strict mode is on", strictMode::strict);
    }

    @After
    public void uninstallTestApps() throws Exception {
        InstallGate gate = Services.await(context, InstallGate.class);
        for (Bundle bundle : Services.await(context, AppScope.class).apps()) {
            if (bundle.getSymbolicName().startsWith("com.acme.")) {
                gate.uninstall(bundle.getSymbolicName(), "itest");
            }
        }
    }

    private static byte[] obr(byte[] root, byte[]... dependencies) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("app.jar"));
            zip.write(root);
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("obr.xml"));
            zip.write("<repository/>".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            zip.closeEntry();
            for (int i = 0; i < dependencies.length; i++) {
                zip.putNextEntry(new ZipEntry("dependencies/dependency-" + i + ".jar"));
                zip.write(dependencies[i]);
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static byte[] library(String version) {
        return TestBundles.bundle("com.acme.lib", version, 0, Map.of("Export-Package", "com.acme.lib;version=\"" + version + "\""));
    }

    private static byte[] appUsingLibrary(String name, String version) {
        return TestBundles.bundle(name, version, 0, Map.of("Import-Package", "com.acme.lib"));
    }

    private InstallOutcome install(byte[] archive, String fileName) throws Exception {
        return Services.await(context, InstallGate.class).install(
                new InstallRequest(new ByteArrayInputStream(archive), fileName, null, Origin.UPLOAD, "itest"));
    }

    private List<Bundle> bundlesNamed(String symbolicName) {
        List<Bundle> found = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName())) {
                found.add(bundle);
            }
        }
        return found;
    }

    @Test
    public void anObrInstallsItsDependencyThenItsRootAndIsOneApp() throws Exception {
        byte[] archive = obr(appUsingLibrary("com.acme.obr", "1.0.0"), library("1.0.0"));
        InstallOutcome outcome = install(archive, "app.obr");
        assertThat(outcome.installed()).as(outcome.message()).isTrue();
        assertThat(bundlesNamed("com.acme.obr")).singleElement().satisfies(root -> assertThat(root.getState()).isEqualTo(Bundle.ACTIVE));
        assertThat(bundlesNamed("com.acme.lib")).singleElement().satisfies(lib -> {
            assertThat(lib.getState()).isEqualTo(Bundle.ACTIVE);
            assertThat(lib.getLocation()).startsWith("upm:dependency:");
        });
        assertThat(Services.await(context, AppScope.class).apps()).extracting(Bundle::getSymbolicName)
                .contains("com.acme.obr").doesNotContain("com.acme.lib");
        AppRecord record = Services.await(context, AppRecords.class).find("com.acme.obr").orElseThrow();
        assertThat(record.appSha256()).as("the digest is the archive's").isEqualTo(
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive)));
        assertThat(record.dependencies()).containsExactly(bundlesNamed("com.acme.lib").get(0).getLocation());
        assertThat(Services.await(context, BlockedBundles.class).blocked()).as("strict mode lets the dependency resolve").isEmpty();
    }

    @Test
    public void aDependencyAlreadyPresentAtTheSameOrANewerVersionIsKeptAndStaysWhileAnAppNeedsIt() throws Exception {
        assertThat(install(obr(appUsingLibrary("com.acme.first", "1.0.0"), library("1.1.0")), "first.obr").installed()).isTrue();
        long libraryId = bundlesNamed("com.acme.lib").get(0).getBundleId();
        InstallOutcome second = install(obr(appUsingLibrary("com.acme.second", "1.0.0"), library("1.0.0")), "second.obr");
        assertThat(second.installed()).as(second.message()).isTrue();
        assertThat(bundlesNamed("com.acme.lib")).as("the newer library is kept, the older one not installed")
                .extracting(Bundle::getBundleId).containsExactly(libraryId);

        InstallGate gate = Services.await(context, InstallGate.class);
        assertThat(gate.uninstall("com.acme.first", "itest").removed()).isTrue();
        assertThat(bundlesNamed("com.acme.lib")).as("the second app still needs it").hasSize(1);
        assertThat(bundlesNamed("com.acme.second").get(0).getState()).isEqualTo(Bundle.ACTIVE);
        assertThat(gate.uninstall("com.acme.second", "itest").removed()).isTrue();
        assertThat(bundlesNamed("com.acme.lib")).as("no app needs it any more").isEmpty();
    }

    @Test
    public void concurrentArchivesSharingADependencyInstallItOnceAndKeepItWhileOneNeedsIt() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<InstallOutcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                // Every other one brings the library but cannot start: its failure must not take the library
                // away from the others.
                byte[] root = i % 2 == 0 ? appUsingLibrary("com.acme.shared" + i, "1.0.0")
                        : TestBundles.bundle("com.acme.shared" + i, "1.0.0", 0,
                                Map.of("Import-Package", "com.acme.lib", "Bundle-Activator", "com.acme.Missing"));
                byte[] archive = obr(root, library("1.0.0"));
                outcomes.add(pool.submit(() -> install(archive, "shared.obr")));
            }
            for (int i = 0; i < 4; i++) {
                InstallOutcome outcome = outcomes.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(outcome.installed()).as(i + ": " + outcome.message()).isEqualTo(i % 2 == 0);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(bundlesNamed("com.acme.lib")).as("installed once").singleElement()
                .satisfies(lib -> assertThat(lib.getState()).isEqualTo(Bundle.ACTIVE));
        assertThat(bundlesNamed("com.acme.shared0").get(0).getState()).isEqualTo(Bundle.ACTIVE);
        assertThat(bundlesNamed("com.acme.shared2").get(0).getState()).isEqualTo(Bundle.ACTIVE);
        assertThat(bundlesNamed("com.acme.shared1")).isEmpty();
        InstallGate gate = Services.await(context, InstallGate.class);
        assertThat(gate.uninstall("com.acme.shared0", "itest").removed()).isTrue();
        assertThat(bundlesNamed("com.acme.lib")).as("com.acme.shared2 still needs it").hasSize(1);
        assertThat(gate.uninstall("com.acme.shared2", "itest").removed()).isTrue();
        assertThat(bundlesNamed("com.acme.lib")).isEmpty();
    }

    @Test
    public void aDependencyThatCannotResolveLeavesNothingInstalled() throws Exception {
        int before = context.getBundles().length;
        byte[] broken = TestBundles.bundle("com.acme.lib", "2.0.0", 0,
                Map.of("Export-Package", "com.acme.lib;version=\"2.0.0\"", "Import-Package", "com.acme.nowhere"));
        InstallOutcome outcome = install(obr(appUsingLibrary("com.acme.unresolvable", "1.0.0"), broken), "broken.obr");
        assertThat(outcome.installed()).isFalse();
        assertThat(outcome.code()).isEqualTo(InstallOutcome.INVALID_APP);
        assertThat(outcome.message()).contains("cannot start");
        assertThat(bundlesNamed("com.acme.unresolvable")).isEmpty();
        assertThat(bundlesNamed("com.acme.lib")).isEmpty();
        assertThat(context.getBundles()).hasSize(before);
        assertThat(Services.await(context, AppRecords.class).find("com.acme.unresolvable")).isEmpty();
    }

    @Test
    public void aRootThatCannotStartTakesItsNewDependenciesWithIt() throws Exception {
        int before = context.getBundles().length;
        byte[] root = TestBundles.bundle("com.acme.nostart", "1.0.0", 0,
                Map.of("Import-Package", "com.acme.lib", "Bundle-Activator", "com.acme.nostart.Missing"));
        InstallOutcome outcome = install(obr(root, library("3.0.0")), "nostart.obr");
        assertThat(outcome.installed()).isFalse();
        assertThat(outcome.code()).isEqualTo(InstallOutcome.INVALID_APP);
        assertThat(bundlesNamed("com.acme.nostart")).isEmpty();
        assertThat(bundlesNamed("com.acme.lib")).as("the dependency it brought is gone too").isEmpty();
        assertThat(context.getBundles()).hasSize(before);
    }

    /**
     * An archive whose directory is intact but whose dependency's data is damaged (it fails to inflate,
     * or its CRC): not a valid app, rather than a failure to store it; nothing installed, nothing spooled.
     */
    @Test
    public void anArchiveWithDamagedEntryDataIsNotAnAppAndLeavesNothing() throws Exception {
        byte[] dependency = TestBundles.bundle("com.acme.lib", "1.0.0", 40_000,
                Map.of("Export-Package", "com.acme.lib;version=\"1.0.0\""));
        byte[] archive = obr(appUsingLibrary("com.acme.damaged", "1.0.0"), dependency);
        byte[] name = "dependencies/dependency-0.jar".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int header = indexOf(archive, name) - 30; // the entry's local header comes first, its name 30 bytes in
        int nameLength = (archive[header + 26] & 0xff) | (archive[header + 27] & 0xff) << 8;
        int extraLength = (archive[header + 28] & 0xff) | (archive[header + 29] & 0xff) << 8;
        int data = header + 30 + nameLength + extraLength;
        // The start of the deflated data: its block headers no longer inflate. (ZipFile's streams check no
        // CRC, so damage further in would only change the bytes; the signature over the archive covers those.)
        for (int i = 0; i < 6; i++) {
            archive[data + i] ^= (byte) 0xff;
        }
        InstallOutcome outcome = install(archive, "damaged.obr");
        assertThat(outcome.code()).as(outcome.message()).isEqualTo(InstallOutcome.INVALID_APP);
        assertThat(outcome.message()).contains("dependencies/dependency-0.jar").contains("cannot be read");
        assertThat(bundlesNamed("com.acme.damaged")).isEmpty();
        assertThat(bundlesNamed("com.acme.lib")).isEmpty();
        try (java.util.stream.Stream<Path> spool = Files.walk(Path.of(context.getProperty("appsigning.home")).resolve("data/spool"))) {
            assertThat(spool.filter(Files::isRegularFile).map(Path::toString)).as("spooled files").isEmpty();
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    public void anArchiveWithStrayEntriesIsNotAnApp() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("app.jar"));
            zip.write(appUsingLibrary("com.acme.stray", "1.0.0"));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("../../escape.jar"));
            zip.write(library("1.0.0"));
            zip.closeEntry();
        }
        InstallOutcome outcome = install(bytes.toByteArray(), "stray.obr");
        assertThat(outcome.code()).isEqualTo(InstallOutcome.INVALID_APP);
        assertThat(outcome.message()).contains("../../escape.jar").contains("neither the app's bundle");
        assertThat(bundlesNamed("com.acme.stray")).isEmpty();

        // A name that would break the message (and a log line quoting it) in two is quoted without its breaks.
        bytes.reset();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("app.jar"));
            zip.write(appUsingLibrary("com.acme.stray", "1.0.0"));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("notes\nREJECTED forged\u2028line\u2029.txt"));
            zip.write(new byte[] {1});
            zip.closeEntry();
        }
        InstallOutcome forged = install(bytes.toByteArray(), "forged.obr");
        assertThat(forged.code()).isEqualTo(InstallOutcome.INVALID_APP);
        assertThat(forged.message()).contains("notes?REJECTED forged?line?.txt")
                .doesNotContain("\n").doesNotContain("\u2028").doesNotContain("\u2029");
    }
}
