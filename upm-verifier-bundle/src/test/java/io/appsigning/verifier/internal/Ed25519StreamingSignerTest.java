package io.appsigning.verifier.internal;


import io.appsigning.verifier.VerificationOptions;

import io.appsigning.verifier.VerificationResult;

import io.appsigning.verifier.ReasonCode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.appsigning.truststore.TrustStoreSnapshot;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streaming signer against BouncyCastle's Ed25519Signer, openssl, and the project's own verifier. */
class Ed25519StreamingSignerTest {

    private static final HexFormat HEX = HexFormat.of();

    @TempDir
    Path dir;

    private static byte[] bouncyCastle(byte[] seed, byte[] message) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, new Ed25519PrivateKeyParameters(seed, 0));
        signer.update(message, 0, message.length);
        return signer.generateSignature();
    }

    private static byte[] streaming(byte[] seed, byte[] message) throws Exception {
        return Ed25519StreamingSigner.fromSeed(seed).sign(() -> new ByteArrayInputStream(message));
    }

    @Test
    void rfc8032TestVectorsOneAndTwo() throws Exception {
        byte[] seed1 = HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        assertThat(HEX.formatHex(Ed25519StreamingSigner.fromSeed(seed1).publicKey()))
                .isEqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        assertThat(HEX.formatHex(streaming(seed1, new byte[0]))).isEqualTo(
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        byte[] seed2 = HEX.parseHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
        assertThat(HEX.formatHex(streaming(seed2, new byte[] {0x72}))).isEqualTo(
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
    }

    @Test
    void theBaseMultiplicationOfEdgeScalars() {
        // [1]B is the base point's encoding; [L-1]B = -B differs only in the sign bit; [0]B and [L]B are the neutral element.
        String base = "5866666666666666666666666666666666666666666666666666666666666666";
        assertThat(HEX.formatHex(Ed25519StreamingSigner.baseMultiply(BigInteger.ONE))).isEqualTo(base);
        byte[] minusBase = HEX.parseHex(base);
        minusBase[31] |= (byte) 0x80;
        assertThat(Ed25519StreamingSigner.baseMultiply(Edwards25519.L.subtract(BigInteger.ONE))).isEqualTo(minusBase);
        byte[] identity = new byte[32];
        identity[0] = 1;
        assertThat(Ed25519StreamingSigner.baseMultiply(BigInteger.ZERO)).isEqualTo(identity);
        assertThat(Ed25519StreamingSigner.baseMultiply(Edwards25519.L)).isEqualTo(identity);
    }

    /** Random keys and sizes, including the read buffer's and the offloaded digest's boundaries. */
    @Test
    void byteIdenticalToBouncyCastleOverRandomSizes() throws Exception {
        long seed = Long.getLong("appsigning.test.seed", System.nanoTime()); // rerun with -Dappsigning.test.seed=N
        Random random = new Random(seed);
        List<Integer> sizes = new ArrayList<>(List.of(0, 1, 63, 64, 65, 127, 128, 129, 256 * 1024 - 1, 256 * 1024,
                256 * 1024 + 1, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 17));
        for (int i = 0; i < 40; i++) {
            sizes.add(random.nextInt(i < 30 ? 4096 : 2 * 1024 * 1024));
        }
        for (int size : sizes) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            byte[] message = new byte[size];
            random.nextBytes(message);
            assertThat(streaming(key, message)).as("seed %d, size %d", seed, size).isEqualTo(bouncyCastle(key, message));
        }
    }

    @Test
    void byteIdenticalToOpenSslPkeyutlRawin() throws Exception {
        assumeTrue(hasOpenssl(), "openssl is not installed");
        long seed = Long.getLong("appsigning.test.seed", System.nanoTime()); // rerun with -Dappsigning.test.seed=N
        Random random = new Random(seed);
        // No 0: openssl 3.0 cannot allocate its one-shot buffer for an empty -rawin file; the empty message
        // is RFC 8032's test 1 above, and BouncyCastle's in the random sizes.
        int[] sizes = {1, 4096, 1024 * 1024 + 1, random.nextInt(64 * 1024), random.nextInt(4 * 1024 * 1024), 4 * 1024 * 1024};
        for (int size : sizes) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            byte[] message = new byte[size];
            random.nextBytes(message);
            Path keyFile = dir.resolve("key.pem");
            Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n" + Base64.getEncoder().encodeToString(
                    concat(HEX.parseHex("302e020100300506032b657004220420"), key)) + "\n-----END PRIVATE KEY-----\n");
            Path app = Files.write(dir.resolve("app.bin"), message);
            Path sig = dir.resolve("app.sig.bin");
            Files.deleteIfExists(sig);
            openssl("pkeyutl", "-sign", "-rawin", "-inkey", keyFile.toString(), "-in", app.toString(), "-out", sig.toString());
            Path appFile = app;
            byte[] ours = Ed25519StreamingSigner.fromSeed(key).sign(() -> Files.newInputStream(appFile));
            assertThat(ours).as("seed %d, size %d", seed, size).isEqualTo(Files.readAllBytes(sig));
        }
    }

    @Test
    void aMessageThatChangesBetweenTheReadsIsNotSigned() throws Exception {
        byte[] key = new byte[32];
        new Random(1).nextBytes(key);
        Ed25519StreamingSigner signer = Ed25519StreamingSigner.fromSeed(key);
        for (int size : new int[] {10, 2 * 1024 * 1024}) {
            byte[] first = new byte[size];
            byte[] sameLengthOtherByte = first.clone();
            sameLengthOtherByte[size - 1] = 1;
            byte[] longer = new byte[size + 1];
            for (byte[] second : List.of(sameLengthOtherByte, longer)) {
                AtomicInteger opens = new AtomicInteger();
                assertThatThrownBy(() -> signer.sign(() -> new ByteArrayInputStream(opens.getAndIncrement() == 0 ? first : second)))
                        .as("size %d, second read %d bytes", size, second.length)
                        .isInstanceOf(Ed25519StreamingSigner.MessageChangedException.class)
                        .hasMessageContaining("changed while it was being signed");
            }
        }
    }

    @Test
    void itVerifiesWithTheJdk() throws Exception {
        Pki.Issued vendor = new Pki().selfSigned(Pki.Spec.leaf("CN=Vendor"));
        byte[] seed = seedOf(vendor);
        byte[] message = "hello".getBytes(StandardCharsets.UTF_8);
        byte[] signature = streaming(seed, message);
        PublicKey publicKey = KeyFactory.getInstance("Ed25519").generatePublic(
                new X509EncodedKeySpec(vendor.certificate().getPublicKey().getEncoded()));
        Signature jdk = Signature.getInstance("Ed25519");
        jdk.initVerify(publicKey);
        jdk.update(message);
        assertThat(jdk.verify(signature)).isTrue();
    }

    /**
     * A sparse file past 2 GiB (beyond any int offset and any array), signed in one stream and
     * verified by the project's streaming verifier; a byte written past the hole makes it not all zeros.
     */
    @Test
    void aMultiGibibyteSparseFileSignsAndVerifiesInBoundedMemory() throws Exception {
        Path app = dir.resolve("huge.jar");
        long size = (2L << 30) + 3;
        try (RandomAccessFile file = new RandomAccessFile(app.toFile(), "rw")) {
            file.setLength(size);
            file.seek(size - 2);
            file.write(0x5A);
        }
        Pki.Issued vendor = new Pki().selfSigned(Pki.Spec.leaf("CN=Big Vendor"));
        byte[] signature = Ed25519StreamingSigner.fromSeed(seedOf(vendor)).sign(() -> Files.newInputStream(app));
        byte[] signatureFile = ("{\"signature\": \"" + Base64.getEncoder().encodeToString(signature) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        TrustStoreSnapshot store = Pki.store(List.of(vendor.certificate()));
        VerificationResult result;
        try (InputStream in = Files.newInputStream(app)) {
            result = AppVerifier.of(store, new VerificationOptions(Pki.NOW, false)).verify(in, signatureFile);
        }
        assertThat(result.reason()).as(result.message()).isEqualTo(ReasonCode.VERIFIED);
    }

    static byte[] seedOf(Pki.Issued issued) throws Exception {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(issued.key().getEncoded());
        return ASN1OctetString.getInstance(info.parsePrivateKey()).getOctets();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static boolean hasOpenssl() {
        try {
            return new ProcessBuilder("openssl", "version").start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("openssl %s: %s", String.join(" ", args), output).isZero();
    }
}
