package io.appsigning.truststore.internal;

import io.appsigning.truststore.TrustedCertificate;

import io.appsigning.truststore.TrustStoreSnapshot;

import io.appsigning.truststore.Identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.appsigning.testsupport.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trust store following real changes to its folder. */
class ReloadingTrustStoreTest {

    @TempDir
    Path home;
    Path folder;
    Path root;
    Path v1;
    Path v2;

    @BeforeEach
    void folder() throws Exception {
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        folder = Files.createDirectory(home.resolve("truststore"));
        Path ca = TestData.marketplaceCa();
        root = ca.resolve("marketplace_root_ca_v1.crt");
        v1 = ca.resolve("marketplace_intermediate_ca_v1.crt");
        v2 = ca.resolve("marketplace_intermediate_ca_v2.crt");
    }

    private ReloadingTrustStore store(Duration poll) {
        return new ReloadingTrustStore(folder, home.resolve("denylist"), Identity.current(), Clock.systemUTC(), poll);
    }

    @Test
    void addRemoveReplaceAndPermissionChangesArePickedUp() throws Exception {
        try (ReloadingTrustStore store = store(Duration.ofMinutes(1))) {
            assertThat(store.snapshot().certificates()).isEmpty();
            Files.copy(root, folder.resolve("root.crt"));
            store.reload();
            assertThat(store.snapshot().certificates()).hasSize(1);
            Files.copy(v1, folder.resolve("intermediate.crt"));
            store.reload();
            assertThat(store.snapshot().certificates()).hasSize(2);
            Files.copy(v2, folder.resolve("intermediate.crt"), StandardCopyOption.REPLACE_EXISTING);
            store.reload();
            assertThat(store.snapshot().certificates()).extracting(TrustedCertificate::sha256)
                    .contains("a4c4caf68ee237e2cb590c9e8da6e66a7ba90800634de70385cd2eff92005f16")
                    .doesNotContain("e362af9f2701a09b7f242584c35c8cd4181418f15a5640e1b8f15955df4865d1");
            Files.setPosixFilePermissions(folder.resolve("root.crt"), PosixFilePermissions.fromString("rw-rw-rw-"));
            store.reload();
            assertThat(store.snapshot().safety().safe()).isFalse();
            Files.setPosixFilePermissions(folder.resolve("root.crt"), PosixFilePermissions.fromString("rw-r--r--"));
            store.reload();
            assertThat(store.snapshot().safety().safe()).isTrue();
            Files.delete(folder.resolve("root.crt"));
            store.reload();
            assertThat(store.snapshot().certificates()).hasSize(1);
        }
    }

    /** A folder further up made writable by others after start-up: the next pass judges the store unsafe. */
    @Test
    void aChangeToAFolderFurtherUpIsJudgedAgain() throws Exception {
        Path above = Files.createDirectory(home.resolve("product"));
        Path deep = Files.createDirectories(above.resolve("home/upmconfig/truststore"));
        for (Path path = deep; !path.equals(home); path = path.getParent()) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.copy(root, deep.resolve("root.crt"));
        try (ReloadingTrustStore store = new ReloadingTrustStore(deep, null, Identity.current(), Clock.systemUTC(),
                Duration.ofMinutes(1))) {
            org.junit.jupiter.api.Assumptions.assumeTrue(store.snapshot().safety().safe(),
                    "the layout is judged safe for this user to begin with (as root, CI)");
            Files.setPosixFilePermissions(above, PosixFilePermissions.fromString("rwxrwxrwx"));
            store.reload();
            assertThat(store.snapshot().safety().safe()).as("%s is writable by every user", above).isFalse();
            Path judged = above.toRealPath();
            assertThat(store.snapshot().safety().findings()).anyMatch(f -> f.path().equals(judged));
            Files.setPosixFilePermissions(above, PosixFilePermissions.fromString("rwxr-xr-x"));
            store.reload();
            assertThat(store.snapshot().safety().safe()).isTrue();
        }
    }

    @Test
    void unchangedFilesAreNotParsedAgainAndSnapshotsAreImmutable() throws Exception {
        Files.copy(root, folder.resolve("a.crt"));
        Files.copy(v1, folder.resolve("b.crt"));
        try (ReloadingTrustStore store = store(Duration.ofMinutes(1))) {
            long parses = store.parses();
            TrustStoreSnapshot before = store.snapshot();
            store.reload();
            assertThat(store.parses()).isEqualTo(parses);
            assertThat(store.snapshot()).isSameAs(before);
            Files.copy(v2, folder.resolve("c.crt"));
            store.reload();
            assertThat(store.parses()).isEqualTo(parses + 1);
            assertThat(before.certificates()).hasSize(2);
            assertThat(store.snapshot().certificates()).hasSize(3);
        }
    }

    @Test
    void aFolderThatVanishesTrustsNothingUntilItComesBack() throws Exception {
        Files.copy(root, folder.resolve("root.crt"));
        try (ReloadingTrustStore store = store(Duration.ofMinutes(1))) {
            assertThat(store.snapshot().certificates()).hasSize(1);
            Path moved = home.resolve("elsewhere");
            Files.move(folder, moved);
            store.reload();
            assertThat(store.snapshot().certificates()).isEmpty();
            assertThat(store.snapshot().problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("does not exist"));
            assertThat(store.snapshot().safety().safe()).isFalse();
            Files.move(moved, folder);
            store.reload();
            assertThat(store.snapshot().certificates()).hasSize(1);
            assertThat(store.snapshot().safety().safe()).isTrue();
        }
    }

    @Test
    void aFreshlyWrittenBrokenFileIsReadAgainOnTheNextPass() throws Exception {
        String pem = Files.readString(root);
        Path file = folder.resolve("half.crt");
        Files.writeString(file, pem.substring(0, pem.length() / 2));
        try (ReloadingTrustStore store = store(Duration.ofMinutes(1))) {
            assertThat(store.snapshot().problems()).hasSize(1);
            long parses = store.parses();
            store.reload();
            assertThat(store.parses()).as("a fresh failure is retried").isEqualTo(parses + 1);
            // The writer finishes without changing the size or the time stamp's second: it is still read again.
            Files.writeString(file, pem);
            store.reload();
            assertThat(store.snapshot().certificates()).hasSize(1);
            assertThat(store.snapshot().problems()).isEmpty();
        }
    }

    @Test
    void theBackgroundThreadPicksUpAChangeWithinFiveSeconds() throws Exception {
        try (ReloadingTrustStore store = store(Duration.ofMillis(500))) {
            store.start();
            Files.copy(root, folder.resolve("root.crt"));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (store.snapshot().certificates().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(store.snapshot().certificates()).hasSize(1);
        }
    }

    @Test
    void aDenyListIsReadAndABadOneTrustsNothing() throws Exception {
        Files.copy(root, folder.resolve("root.crt"));
        Files.writeString(home.resolve("denylist"), "26b1218ef40abd79cea10e5778536d77988c299fa74b00189191fde1887b0e8e\n");
        try (ReloadingTrustStore store = store(Duration.ofMinutes(1))) {
            assertThat(store.snapshot().denyList().denies("26B1218EF40ABD79CEA10E5778536D77988C299FA74B00189191FDE1887B0E8E")).isTrue();
            java.util.List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.logging.Logger logger = java.util.logging.Logger.getLogger(ReloadingTrustStore.class.getName());
            java.util.logging.Handler capture = new java.util.logging.Handler() {
                @Override
                public void publish(java.util.logging.LogRecord record) {
                    records.add(record);
                }

                @Override
                public void flush() {}

                @Override
                public void close() {}
            };
            logger.addHandler(capture);
            try {
                Files.writeString(home.resolve("denylist"), "oops\n");
                store.reload();
                assertThat(store.snapshot().certificates()).isEmpty();
                assertThat(records).as("logged when it starts trusting nothing").singleElement().satisfies(record -> {
                    assertThat(record.getLevel()).isEqualTo(java.util.logging.Level.WARNING);
                    assertThat(record.getMessage()).contains("trusts nothing now").contains("denylist");
                });
                store.reload();
                assertThat(records).as("and only once").hasSize(1);
                Files.writeString(home.resolve("denylist"), "# nothing revoked\n");
                store.reload();
                assertThat(store.snapshot().certificates()).hasSize(1);
                assertThat(records).as("and when it ends").hasSize(2);
                assertThat(records.get(1).getMessage()).contains("usable again");
            } finally {
                logger.removeHandler(capture);
            }
        }
    }

    @Test
    void tenThousandCertificatesLoad() throws Exception {
        Path[] sources = {root, v1, v2};
        for (int i = 0; i < 10_000; i++) {
            Files.copy(sources[i % 3], folder.resolve(String.format("cert-%05d.crt", i)));
        }
        try (ReloadingTrustStore store = store(Duration.ofMinutes(1))) {
            assertThat(store.snapshot().certificates()).hasSize(10_000);
            assertThat(store.snapshot().problems()).isEmpty();
            long parses = store.parses();
            Files.delete(folder.resolve("cert-00000.crt"));
            store.reload();
            assertThat(store.parses()).as("no file re-parsed after one is removed").isEqualTo(parses);
            assertThat(store.snapshot().certificates()).hasSize(9_999);
        }
        try (Stream<Path> files = Files.list(folder)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
