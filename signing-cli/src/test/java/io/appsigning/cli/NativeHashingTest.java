package io.appsigning.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.MessageDigestSpi;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenSSL's SHA-512 through the foreign-function API against the JDK's, and the rules for choosing
 * it. Surefire runs this module's tests with jdk.incubator.foreign resolved and native access, as
 * bin/appsign runs verify; the library is the system's own, as in production.
 */
class NativeHashingTest {

    private static final long SEED = Long.getLong("appsigning.test.seed", System.nanoTime());
    private static Hashing openssl;

    @TempDir
    Path dir;

    @BeforeAll
    static void bindTheSystemsLibcrypto() {
        openssl = NativeHashing.choose(null, true, "Linux", System.getProperty("os.arch"));
    }

    private static void assumeLibcrypto() {
        assumeTrue(NativeHashing.candidates(System.getProperty("os.arch")).stream().anyMatch(Files::exists),
                "no OpenSSL libcrypto on this machine");
    }

    @Test
    void theSystemsLibcryptoIsChosenOnLinuxWithTheModule() {
        assumeLibcrypto();
        assertThat(ModuleLayer.boot().findModule(NativeHashing.MODULE)).as("surefire's argLine resolves it").isPresent();
        assertThat(openssl.provider()).as(openssl.description()).isNotNull();
        assertThat(openssl.readsInPlace()).isTrue();
        assertThat(openssl.description()).startsWith("OpenSSL ").contains("libcrypto.so");
    }

    /** Random sizes and pieces, through every kind of input, clones and resets: always the JDK's digest. */
    @Test
    void everyDigestEqualsTheJdksWhateverTheInputKindAndPieces() throws Exception {
        assumeLibcrypto();
        SplittableRandom random = new SplittableRandom(SEED);
        for (int round = 0; round < 60; round++) {
            int size = switch (round % 6) {
                case 0 -> 0;
                case 1 -> random.nextInt(1, 200);
                case 2 -> 111 + random.nextInt(3); // around one block's padding edge
                case 3 -> 64 * 1024 + random.nextInt(-2, 3); // around the staging area's size
                default -> random.nextInt(3 * 1024 * 1024);
            };
            byte[] data = new byte[size];
            random.nextBytes(data);
            MessageDigest ours = MessageDigest.getInstance("SHA-512", openssl.provider());
            MessageDigest jdk = MessageDigest.getInstance("SHA-512", "SUN");
            if (round % 5 == 4) {
                // A used digest that was reset must forget what it saw.
                ours.update(new byte[] {1, 2, 3});
                ours.reset();
            }
            MessageDigest fork = null;
            int forkAt = size == 0 ? 0 : random.nextInt(size);
            for (int offset = 0; offset < size; ) {
                if (fork == null && offset >= forkAt) {
                    fork = (MessageDigest) ours.clone();
                    fork.update(data, offset, size - offset);
                }
                int n = Math.min(size - offset, 1 + random.nextInt(random.nextBoolean() ? 100 : 400_000));
                switch (random.nextInt(5)) {
                    case 0 -> ours.update(data, offset, n);
                    case 1 -> ours.update(ByteBuffer.wrap(data, offset, n));
                    case 2 -> {
                        // Bytes before the position and past the limit must not count.
                        ByteBuffer direct = ByteBuffer.allocateDirect(n + 13);
                        direct.position(3);
                        direct.put(data, offset, n);
                        direct.position(3).limit(3 + n);
                        ours.update(direct);
                        assertThat(direct.position()).isEqualTo(3 + n);
                    }
                    case 3 -> {
                        ByteBuffer direct = ByteBuffer.allocateDirect(n);
                        direct.put(data, offset, n).flip();
                        ours.update(direct.asReadOnlyBuffer());
                    }
                    default -> {
                        for (int i = 0; i < Math.min(n, 5); i++) {
                            ours.update(data[offset + i]);
                        }
                        if (n > 5) {
                            ours.update(data, offset + 5, n - 5);
                        }
                    }
                }
                offset += n;
            }
            byte[] expected = jdk.digest(data);
            assertThat(ours.digest()).as("seed %d, round %d, %d bytes", SEED, round, size).isEqualTo(expected);
            if (fork != null) {
                assertThat(fork.digest()).as("seed %d, round %d: the clone", SEED, round).isEqualTo(expected);
            }
            // digest() resets: the same object hashes the next message from scratch.
            assertThat(ours.digest(data)).isEqualTo(expected);
            byte[] into = new byte[70];
            ours.update(data);
            assertThat(ours.digest(into, 3, 64)).isEqualTo(64);
            assertThat(java.util.Arrays.copyOfRange(into, 3, 67)).isEqualTo(expected);
        }
    }

    /**
     * verify as bin/appsign runs it: OpenSSL's SHA-512 first in line and the app read ahead into
     * direct buffers. The decisions are the JDK path's, including the second reading that a wrong
     * key hint costs in the custom flow, for an app within one buffer and one of several.
     */
    @Test
    void verifyWithOpenSslDecidesAsWithTheJdk() throws Exception {
        assumeLibcrypto();
        Main jdkMain = new Main(java.time.Clock.systemUTC());
        Main opensslMain = new Main(java.time.Clock.systemUTC(), false, openssl, List.of());
        Path store = Files.createDirectory(dir.resolve("truststore"));
        for (String name : new String[] {"one", "two"}) {
            assertThat(CliTest.run(jdkMain, "keygen", "--out", dir.resolve(name).toString()).code()).isZero();
            Files.copy(dir.resolve(name).resolve("signing.crt"), store.resolve(name + ".crt"));
        }
        String oneHint = io.appsigning.truststore.internal.TrustStoreLoader.loadWithoutSafetyCheck(store.resolveSibling("one"),
                null, "test", java.time.Clock.systemUTC()).certificates().get(0).publicKeySha256();
        SplittableRandom random = new SplittableRandom(SEED);
        java.security.Security.insertProviderAt(openssl.provider(), 1);
        try {
            for (int size : new int[] {1000, 3 * ReadAhead.BUFFER + 11}) {
                byte[] bytes = new byte[size];
                random.nextBytes(bytes);
                Path app = Files.write(dir.resolve("app-" + size + ".jar"), bytes);
                assertThat(CliTest.run(jdkMain, "sign", "--key", dir.resolve("two/signing.key").toString(), "--in",
                        app.toString()).code()).isZero();
                Path sig = Path.of(app + ".sig");
                String[] verify = {"verify", "--trust-store", store.toString(), "--in", app.toString(), "--json"};
                assertThat(CliTest.run(opensslMain, verify).out()).contains("\"verified\" : true");

                // The hint names the other trusted key: the first reading cannot decide, the second does.
                String signed = Files.readString(sig);
                Files.writeString(sig, signed.replaceFirst("\"keySha256\"\\s*:\\s*\"[0-9a-f]{64}\"",
                        "\"keySha256\": \"" + oneHint + "\""));
                assertThat(Files.readString(sig)).isNotEqualTo(signed).contains(oneHint);
                CliTest.Run wrongHint = CliTest.run(opensslMain, verify);
                assertThat(wrongHint.code()).as(wrongHint.out() + wrongHint.err()).isZero();
                assertThat(wrongHint.out()).isEqualTo(CliTest.run(jdkMain, verify).out());

                bytes[size / 2] ^= 1;
                Files.write(app, bytes);
                CliTest.Run tampered = CliTest.run(opensslMain, verify);
                assertThat(tampered.code()).isEqualTo(1);
                assertThat(tampered.out()).contains("SIGNATURE_MISMATCH").isEqualTo(CliTest.run(jdkMain, verify).out());
            }
        } finally {
            java.security.Security.removeProvider(openssl.provider().getName());
        }
    }

    @Test
    void theSelfTestCatchesAWrongSha512() {
        assertThat(NativeHashing.selfTest(openssl.provider() == null ? sunProvider() : openssl.provider())).isNull();
        assertThat(NativeHashing.selfTest(sunProvider())).as("the JDK's own SHA-512 passes").isNull();
        Provider wrong = new Provider("WrongSha512", "1.0", "SHA-512 that drops every 100th byte") {
            {
                putService(new Service(this, "MessageDigest", "SHA-512", "none", List.of(), null) {
                    @Override
                    public Object newInstance(Object parameter) {
                        return new DroppingSpi();
                    }
                });
            }
        };
        assertThat(NativeHashing.selfTest(wrong)).isEqualTo("SHA-512 of FIPS 180-2's two-block example in pieces is wrong");
    }

    /** The JDK's SHA-512, except that it loses the 100th byte it is fed: "abc" still comes out right. */
    private static final class DroppingSpi extends MessageDigestSpi implements Cloneable {
        private MessageDigest real;
        private long seen;

        DroppingSpi() {
            try {
                real = MessageDigest.getInstance("SHA-512", "SUN");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected void engineUpdate(byte input) {
            if (++seen != 100) {
                real.update(input);
            }
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int length) {
            for (int i = 0; i < length; i++) {
                engineUpdate(input[offset + i]);
            }
        }

        @Override
        protected byte[] engineDigest() {
            seen = 0;
            return real.digest();
        }

        @Override
        protected void engineReset() {
            seen = 0;
            real.reset();
        }

        @Override
        public Object clone() throws CloneNotSupportedException {
            DroppingSpi copy = (DroppingSpi) super.clone();
            copy.real = (MessageDigest) real.clone();
            return copy;
        }
    }

    private static Provider sunProvider() {
        try {
            return MessageDigest.getInstance("SHA-512", "SUN").getProvider();
        } catch (NoSuchAlgorithmException | java.security.NoSuchProviderException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theJdksSha512WithTheReasonWhereverLibcryptoCannotBeUsed() throws Exception {
        assertThat(NativeHashing.choose("off", true, "Linux", "amd64").description())
                .isEqualTo("the JDK's (APPSIGN_LIBCRYPTO=off)");
        assertThat(NativeHashing.choose(null, true, "Mac OS X", "aarch64").description())
                .isEqualTo("the JDK's (OpenSSL's libcrypto is used on Linux only)");
        Hashing noModule = NativeHashing.choose(null, false, "Linux", "amd64");
        assertThat(noModule.provider()).isNull();
        assertThat(noModule.readsInPlace()).isFalse();
        assertThat(noModule.description()).contains("did not resolve jdk.incubator.foreign");
        Path nothing = dir.resolve("libcrypto.so.3");
        assertThat(NativeHashing.choose(nothing.toString(), true, "Linux", "amd64").description())
                .isEqualTo("the JDK's (no OpenSSL libcrypto at " + nothing + ")");
        Path notALibrary = Files.writeString(dir.resolve("notes.txt"), "not a library");
        assertThat(NativeHashing.choose(notALibrary.toString(), true, "Linux", "amd64").provider()).isNull();
    }

    /** A library file another user could change is never loaded: it would run in this process. */
    @Test
    void aLibraryThatAnyoneButRootCouldChangeIsRefused() throws Exception {
        assumeLibcrypto();
        Path system = NativeHashing.candidates(System.getProperty("os.arch")).stream().filter(Files::exists)
                .findFirst().orElseThrow().toRealPath();
        assertThat(NativeHashing.unsafe(system)).as("the system's own library").isNull();

        Path folder = Files.createDirectory(dir.resolve("lib"));
        Path copy = Files.copy(system, folder.resolve("libcrypto.so.3"));
        Hashing chosen = NativeHashing.choose(copy.toString(), true, "Linux", "amd64");
        assertThat(chosen.provider()).isNull();
        // Under a temporary folder: the first folder up that root does not keep to itself is named.
        assertThat(chosen.description()).startsWith("the JDK's (libcrypto not used: ")
                .satisfiesAnyOf(d -> assertThat(d).contains(" not root"), d -> assertThat(d).contains("can be written by"));

        // A link in a user's folder to the system's file is judged, and loaded, as the file it names.
        Path link = Files.createSymbolicLink(folder.resolve("link.so"), system);
        Hashing viaLink = NativeHashing.choose(link.toString(), true, "Linux", "amd64");
        assertThat(viaLink.description()).as(viaLink.description()).contains("(" + system + ")");
        Files.delete(link);

        if ("root".equals(System.getProperty("user.name"))) {
            // Root's own file, but writable by its group, in a root-only folder: still refused.
            Path rootOnly = Files.createDirectories(Path.of("/root/.cache/appsign-test-" + SEED));
            try {
                Files.setPosixFilePermissions(rootOnly, PosixFilePermissions.fromString("rwx------"));
                Path groupWritable = Files.copy(system, rootOnly.resolve("libcrypto.so.3"));
                Files.setPosixFilePermissions(groupWritable, PosixFilePermissions.fromString("rw-rw-r--"));
                assertThat(NativeHashing.unsafe(groupWritable)).isEqualTo(groupWritable + " can be written by its group");
                Files.setPosixFilePermissions(groupWritable, PosixFilePermissions.fromString("rw-r--r--"));
                assertThat(NativeHashing.unsafe(groupWritable)).as("the same file kept to root").isNull();
            } finally {
                try (var files = Files.list(rootOnly)) {
                    for (Path file : (Iterable<Path>) files::iterator) {
                        Files.delete(file);
                    }
                }
                Files.delete(rootOnly);
            }
        }
    }
}
