package io.appsigning.cluster.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The accepted apps and signature files in the shared home: plain files, no database needed. */
class SharedHomeTest {

    @TempDir
    Path folder;

    private Path app(String name, String content) throws IOException {
        return Files.writeString(folder.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static String sha(String content) {
        return SharedHome.sha256(content.getBytes(StandardCharsets.UTF_8));
    }

    private static String read(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void anAppAndItsSignatureAreKeptByDigestPrivatelyAndOnce() throws Exception {
        Path sharedHome = folder.resolve("shared");
        SharedHome home = new SharedHome(sharedHome);
        byte[] signature = "{\"signature\":\"...\"}".getBytes(StandardCharsets.UTF_8);
        String signatureSha = home.store(app("app.jar", "the app"), sha("the app"), signature);

        assertThat(signatureSha).isEqualTo(SharedHome.sha256(signature));
        Path stored = sharedHome.resolve("apps/" + sha("the app") + ".app");
        assertThat(stored).hasContent("the app");
        assertThat(sharedHome.resolve("signatures/" + signatureSha + ".sig")).hasBinaryContent(signature);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stored))).isEqualTo("rw-r-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stored.getParent()))).isEqualTo("rwxrwx---");
        assertThat(read(home.openApp(sha("the app")))).isEqualTo("the app");
        assertThat(home.signatureFile(signatureSha)).isEqualTo(signature);

        assertThat(home.store(app("again.jar", "the app"), sha("the app"), signature)).isEqualTo(signatureSha);
        assertThat(home.store(app("unsigned.jar", "the app"), sha("the app"), null)).isNull();
        try (Stream<Path> files = Files.list(stored.getParent())) {
            assertThat(files).containsExactly(stored);
        }
    }

    private static int uid(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:uid");
    }

    private static int mode(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode") & 07777;
    }

    @Test
    void aFolderAnotherNodesUserMadeIsUsedAsItIs() throws Exception {
        // Only root can give a folder to another user; root may chmod it too, so the mode is what is checked.
        assumeTrue(uid(Path.of("/proc/self")) == 0, "runs as root only");
        Path sharedHome = folder.resolve("shared");
        Path apps = Files.createDirectories(sharedHome.resolve("apps"));
        Files.setAttribute(apps, "unix:uid", 65534);
        Files.setAttribute(apps, "unix:mode", 02750);

        SharedHome home = new SharedHome(sharedHome);
        assertThat(home.store(app("app.jar", "the app"), sha("the app"), null)).isNull();
        assertThat(sharedHome.resolve("apps/" + sha("the app") + ".app")).hasContent("the app");
        assertThat(uid(apps)).isEqualTo(65534);
        assertThat(mode(apps)).isEqualTo(02750);

        // As when it was missing at the check and another node made it before this one could.
        SharedHome.makeFolder(apps);
        assertThat(uid(apps)).isEqualTo(65534);
        assertThat(mode(apps)).as("not chmod-ed: its owner's mode, setgid included").isEqualTo(02750);

        Path signatures = sharedHome.resolve("signatures");
        SharedHome.makeFolder(signatures);
        assertThat(mode(signatures)).as("a folder this node made").isEqualTo(0770);
        Files.delete(signatures);
        Files.writeString(signatures, "not a folder");
        assertThatThrownBy(() -> home.store(app("app.jar", "the app"), sha("the app"), new byte[] {1}))
                .isInstanceOf(IOException.class).hasMessageContaining("cannot be made");
    }

    @Test
    void aWrongDigestStoresNothing() throws Exception {
        Path sharedHome = folder.resolve("shared");
        SharedHome home = new SharedHome(sharedHome);
        assertThatThrownBy(() -> home.store(app("app.jar", "swapped bytes"), sha("the app"), null))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not " + sha("the app"));
        try (Stream<Path> files = Files.list(sharedHome.resolve("apps"))) {
            assertThat(files).as("no app, no temporary file").isEmpty();
        }
        assertThatThrownBy(() -> home.openApp(sha("the app"))).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("missing from the shared home");
    }

    @Test
    void aStoredFileThatWasChangedIsFoundAndReplaced() throws Exception {
        Path sharedHome = folder.resolve("shared");
        SharedHome home = new SharedHome(sharedHome);
        byte[] signature = "sig".getBytes(StandardCharsets.UTF_8);
        String signatureSha = home.store(app("app.jar", "the app"), sha("the app"), signature);
        Path stored = sharedHome.resolve("apps/" + sha("the app") + ".app");
        Files.writeString(stored, "tampered");
        Files.writeString(sharedHome.resolve("signatures/" + signatureSha + ".sig"), "other");

        // openApp gives the bytes as they are: the caller's digest check finds the change.
        assertThat(SharedHome.sha256(home.openApp(sha("the app")).readAllBytes())).isNotEqualTo(sha("the app"));
        assertThatThrownBy(() -> home.signatureFile(signatureSha)).isInstanceOf(IOException.class)
                .hasMessageContaining("changed after it was stored");

        home.store(app("app.jar", "the app"), sha("the app"), signature);
        assertThat(stored).hasContent("the app");
        assertThat(home.signatureFile(signatureSha)).isEqualTo(signature);
    }

    @Test
    void onlyLowercaseHexDigestsNameFiles() throws Exception {
        SharedHome home = new SharedHome(folder.resolve("shared"));
        for (String bad : new String[] {"../../etc/passwd", sha("x").toUpperCase(), sha("x").substring(1),
                sha("x") + "0", sha("x").substring(1) + "/", "", null}) {
            assertThatThrownBy(() -> home.openApp(bad)).isInstanceOf(IOException.class).hasMessageContaining("Not a SHA-256");
            assertThatThrownBy(() -> home.signatureFile(bad)).isInstanceOf(IOException.class).hasMessageContaining("Not a SHA-256");
            assertThatThrownBy(() -> home.store(app("app.jar", "x"), bad, null)).isInstanceOf(IOException.class)
                    .hasMessageContaining("Not a SHA-256");
        }
    }

    @Test
    void aSignatureFileOver64KibIsRefused() throws Exception {
        SharedHome home = new SharedHome(folder.resolve("shared"));
        assertThatThrownBy(() -> home.store(app("app.jar", "x"), sha("x"), new byte[64 * 1024 + 1]))
                .isInstanceOf(IOException.class).hasMessageContaining("at most 65536");
        String large = SharedHome.sha256(new byte[64 * 1024 + 1]);
        Path file = Files.createDirectories(folder.resolve("shared/signatures")).resolve(large + ".sig");
        Files.write(file, new byte[64 * 1024 + 1]);
        assertThatThrownBy(() -> home.signatureFile(large)).isInstanceOf(IOException.class)
                .hasMessageContaining("larger than 65536");
    }
}
