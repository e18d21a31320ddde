package io.appsigning.truststore.internal;

import io.appsigning.truststore.SafetyVerdict;

import io.appsigning.truststore.SafetyFinding;

import io.appsigning.truststore.Identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Safety on real files with real owners and modes. The tests run as root (as CI does) so they can
 * give files any owner; the verdicts are judged for a chosen product identity.
 */
class TrustStoreSafetyTest {

    /** The product user: uid 4242, primary group 4242, also in group 4343. */
    private static final Identity PRODUCT = new Identity("product", 4242, Set.of(4242, 4343));

    @TempDir
    Path parent;
    Path store;
    Path cert;

    @BeforeEach
    void safeStore() throws Exception {
        assumeTrue(Identity.current().isRoot(), "these tests set file owners, which needs root (CI runs as root)");
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
        store = Files.createDirectory(parent.resolve("truststore"));
        Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwxr-xr-x"));
        cert = Files.writeString(store.resolve("vendor.pem"), "not parsed by the safety check");
        Files.setPosixFilePermissions(cert, PosixFilePermissions.fromString("rw-r--r--"));
    }

    private SafetyVerdict check() {
        return TrustStoreSafety.check(store, PRODUCT);
    }

    private static void own(Path path, int uid, int gid) throws Exception {
        Files.setAttribute(path, "unix:uid", uid);
        Files.setAttribute(path, "unix:gid", gid);
    }

    private static void mode(Path path, String mode) throws Exception {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    }

    @Test
    void rootOwnedAndNotWritableIsSafe() {
        SafetyVerdict verdict = check();
        assertThat(verdict.findings()).isEmpty();
        assertThat(verdict.safe()).isTrue();
        assertThat(verdict.runningAsRoot()).isFalse();
    }

    @Test
    void aFolderOwnedByTheProductUserIsUnsafe() throws Exception {
        own(store, 4242, 0);
        assertThat(check().findings()).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo(store);
            assertThat(f.problem()).contains("owned by the product user");
            assertThat(f.fix()).isEqualTo("chown root:root " + store);
        });
    }

    @Test
    void aFileOwnedByTheProductUserIsUnsafe() throws Exception {
        own(cert, 4242, 4242);
        assertThat(check().findings()).extracting(SafetyFinding::path).containsExactly(cert);
    }

    @Test
    void groupWriteMattersOnlyWhenTheUserIsInTheGroup() throws Exception {
        own(store, 0, 4343);
        mode(store, "rwxrwxr-x");
        assertThat(check().findings()).singleElement().satisfies(f -> {
            assertThat(f.problem()).contains("group-writable (mode 0775)").contains("group 4343");
            assertThat(f.fix()).isEqualTo("chmod g-w " + store);
        });
        own(store, 0, 5555);
        assertThat(check().safe()).isTrue();
    }

    @Test
    void worldWritableFolderOrFileIsUnsafe() throws Exception {
        mode(store, "rwxrwxrwx");
        assertThat(check().findings()).extracting(SafetyFinding::fix).contains("chmod o-w " + store);
        mode(store, "rwxr-xr-x");
        mode(cert, "rw-rw-rw-");
        assertThat(check().findings()).extracting(SafetyFinding::path).containsExactly(cert);
    }

    @Test
    void aWritableParentIsUnsafe() throws Exception {
        own(parent, 4242, 4242);
        assertThat(check().findings()).extracting(SafetyFinding::path).containsExactly(parent);
    }

    /** {@code upmconfig/truststore} under {@code above}, both root's and mode 755. */
    private static Path protectedTrustStoreIn(Path above) throws Exception {
        Path upmconfig = Files.createDirectory(above.resolve("upmconfig"));
        Path truststore = Files.createDirectory(upmconfig.resolve("truststore"));
        mode(upmconfig, "rwxr-xr-x");
        mode(truststore, "rwxr-xr-x");
        return truststore;
    }

    @Test
    void aFolderFurtherUpThatTheProductUserCanWriteIsUnsafe() throws Exception {
        // A shared home owned by the product's group, with a root-owned configuration folder in it: the
        // product user cannot write the trust store, but it can rename upmconfig/ away and put its own there.
        Path sharedHome = Files.createDirectory(parent.resolve("shared"));
        Path nested = protectedTrustStoreIn(sharedHome);
        own(sharedHome, 0, 4343);
        mode(sharedHome, "rwxrwx---");
        assertThat(TrustStoreSafety.check(nested, PRODUCT).findings()).extracting(SafetyFinding::path)
                .containsExactly(sharedHome);
        mode(sharedHome, "rwxr-xr-x");
        assertThat(TrustStoreSafety.check(nested, PRODUCT).findings()).isEmpty();
        own(sharedHome, 4242, 4242);
        assertThat(TrustStoreSafety.check(nested, PRODUCT).findings()).extracting(SafetyFinding::path)
                .containsExactly(sharedHome);
    }

    @Test
    void aStickyFolderFurtherUpIsSafeUnlessTheProductUserOwnsIt() throws Exception {
        // Like /tmp: everyone may write, but only an entry's owner (or the folder's) may rename it.
        Path sticky = Files.createDirectory(parent.resolve("sticky"));
        Path nested = protectedTrustStoreIn(sticky);
        run("chmod", "1777", sticky.toString());
        assertThat(TrustStoreSafety.check(nested, PRODUCT).findings()).isEmpty();
        assertThat(TrustStoreSafety.check(nested, new Identity("root", 0, Set.of(0))).findings()).isEmpty();
        own(sticky, 4242, 4242);
        assertThat(TrustStoreSafety.check(nested, PRODUCT).findings()).extracting(SafetyFinding::path).contains(sticky);
    }

    @Test
    void aSymlinkLeavingTheFolderIsUnsafe() throws Exception {
        Path outside = Files.writeString(parent.resolve("elsewhere.pem"), "x");
        Path link = Files.createSymbolicLink(store.resolve("link.pem"), outside);
        assertThat(check().findings()).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo(link);
            assertThat(f.problem()).contains("outside the trust store");
        });
        Files.delete(link);
        Files.createSymbolicLink(store.resolve("inside.pem"), cert);
        assertThat(check().safe()).isTrue();
    }

    @Test
    void anAclGrantingWriteIsUnsafe() throws Exception {
        assumeTrue(hasSetfacl(), "setfacl is not installed (Debian package acl)");
        run("setfacl", "-m", "u:4242:rwx", store.toString());
        assertThat(check().findings()).singleElement().satisfies(f -> {
            assertThat(f.problem()).contains("ACL").contains("user 4242");
            assertThat(f.fix()).isEqualTo("setfacl -x u:4242 " + store);
        });
        run("setfacl", "-b", store.toString());
        run("setfacl", "-m", "g:4343:rw", cert.toString());
        assertThat(check().findings()).extracting(SafetyFinding::path).containsExactly(cert);
        // A mask without write takes write away from named entries.
        run("setfacl", "-m", "m::r", cert.toString());
        assertThat(check().safe()).isTrue();
        run("setfacl", "-m", "u:9999:rwx", store.toString());
        assertThat(check().safe()).as("an ACL for another user does not reach the product user").isTrue();
    }

    @Test
    void rootIsWarnedAboutButSafeWhenNobodyElseCanWrite() throws Exception {
        Identity root = new Identity("root", 0, Set.of(0));
        SafetyVerdict verdict = TrustStoreSafety.check(store, root);
        assertThat(verdict.runningAsRoot()).isTrue();
        assertThat(verdict.safe()).isTrue();
        own(cert, 4242, 0);
        assertThat(TrustStoreSafety.check(store, root).findings()).extracting(SafetyFinding::path).containsExactly(cert);
        own(cert, 0, 0);
        mode(store, "rwxrwxrwx");
        assertThat(TrustStoreSafety.check(store, root).safe()).isFalse();
    }

    @Test
    void aMissingFolderIsUnsafe() {
        SafetyVerdict verdict = TrustStoreSafety.check(parent.resolve("absent"), PRODUCT);
        assertThat(verdict.findings()).singleElement().satisfies(f -> assertThat(f.problem()).contains("does not exist"));
    }

    @Test
    void identitiesOfRealUsers() {
        Identity nobody = Identity.ofUser("nobody");
        assertThat(nobody.uid()).isEqualTo(65534);
        assertThat(nobody.isRoot()).isFalse();
        assertThat(Identity.current().uid()).isZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Identity.ofUser("no-such-user-here"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static boolean hasSetfacl() {
        try {
            return new ProcessBuilder("setfacl", "--version").start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).inheritIO().start();
        assertThat(process.waitFor()).as(String.join(" ", command)).isZero();
    }
}
