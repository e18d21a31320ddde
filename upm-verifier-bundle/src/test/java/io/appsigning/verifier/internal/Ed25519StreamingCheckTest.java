package io.appsigning.verifier.internal;


import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The streaming check must give BouncyCastle 1.87's answer on every input: the Wycheproof
 * vectors, the speccheck edge cases on which implementations disagree, and random and mutated
 * triples.
 */
class Ed25519StreamingCheckTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> wycheproof() throws IOException {
        JsonNode root = JSON.readTree(TestData.shared("wycheproof/ed25519_test.json").toFile());
        List<Arguments> cases = new ArrayList<>();
        for (JsonNode group : root.get("testGroups")) {
            byte[] pk = HEX.parseHex(group.get("publicKey").get("pk").asText());
            for (JsonNode test : group.get("tests")) {
                cases.add(Arguments.of(
                        test.get("tcId").asInt(),
                        pk,
                        HEX.parseHex(test.get("msg").asText()),
                        HEX.parseHex(test.get("sig").asText()),
                        test.get("result").asText()));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "Wycheproof tcId {0}")
    @MethodSource("wycheproof")
    void wycheproofVector(int tcId, byte[] pk, byte[] msg, byte[] sig, String result) {
        boolean expected = result.equals("valid");
        assertThat(streamingVerify(pk, msg, sig, 7)).as("streaming, tcId %d", tcId).isEqualTo(expected);
        assertThat(bcVerify(pk, msg, sig)).as("BouncyCastle, tcId %d", tcId).isEqualTo(expected);
    }

    @Test
    void allWycheproofVectorsAreRead() throws IOException {
        assertThat(wycheproof().count()).isEqualTo(151);
    }

    static Stream<Arguments> speccheck() throws IOException {
        JsonNode root = JSON.readTree(TestData.shared("ed25519-speccheck/cases.json").toFile());
        List<Arguments> cases = new ArrayList<>();
        int index = 0;
        for (JsonNode c : root) {
            cases.add(Arguments.of(
                    index++,
                    HEX.parseHex(c.get("pub_key").asText()),
                    HEX.parseHex(c.get("message").asText()),
                    HEX.parseHex(c.get("signature").asText())));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "speccheck case {0}")
    @MethodSource("speccheck")
    void speccheckCaseMatchesBouncyCastle(int index, byte[] pk, byte[] msg, byte[] sig) {
        assertThat(streamingVerify(pk, msg, sig, 1)).as("case %d", index).isEqualTo(bcVerify(pk, msg, sig));
    }

    @Test
    void speccheckHasTwelveCasesAndTheCofactoredOnesVerify() throws IOException {
        List<Arguments> cases = speccheck().toList();
        assertThat(cases).hasSize(12);
        // Cases 4 and 5 verify only under the cofactored equation, which BouncyCastle uses.
        for (int i : new int[] {4, 5}) {
            Object[] c = cases.get(i).get();
            assertThat(streamingVerify((byte[]) c[1], (byte[]) c[2], (byte[]) c[3], 3)).as("case %d", i).isTrue();
        }
    }

    /**
     * Keys, messages and mutations come from one seed: a new one each run (so that runs cover more
     * than one set), printed in every failure, and fixed with -Dappsigning.test.seed=N to replay it.
     */
    private static final long SEED = Long.getLong("appsigning.test.seed", System.nanoTime());

    private static String replay() {
        return "seed " + SEED + " (replay with -Dappsigning.test.seed=" + SEED + ")";
    }

    private static Ed25519PrivateKeyParameters key(SplittableRandom random) {
        byte[] secret = new byte[Ed25519PrivateKeyParameters.KEY_SIZE];
        random.nextBytes(secret);
        return new Ed25519PrivateKeyParameters(secret, 0);
    }

    @Test
    void randomAndMutatedTriplesAgreeWithBouncyCastle() {
        SplittableRandom random = new SplittableRandom(SEED);
        List<String> disagreements = new ArrayList<>();
        int accepted = 0;
        for (int i = 0; i < 400; i++) {
            Ed25519PrivateKeyParameters key = key(random);
            byte[] pk = key.generatePublicKey().getEncoded();
            byte[] msg = new byte[random.nextInt(0, 300)];
            random.nextBytes(msg);
            Ed25519Signer signer = new Ed25519Signer();
            signer.init(true, key);
            signer.update(msg, 0, msg.length);
            byte[] sig = signer.generateSignature();
            for (int m = 0; m < 6; m++) {
                byte[] p2 = pk.clone();
                byte[] m2 = msg.clone();
                byte[] s2 = sig.clone();
                mutate(random, m, p2, m2, s2);
                boolean ours = streamingVerify(p2, m2, s2, 1 + random.nextInt(64));
                if (ours != bcVerify(p2, m2, s2)) {
                    disagreements.add("triple " + i + " mutation " + m + ": ours " + ours + ", pk " + HEX.formatHex(p2)
                            + ", sig " + HEX.formatHex(s2) + ", msg " + HEX.formatHex(m2));
                }
                if (ours) {
                    accepted++;
                }
            }
        }
        assertThat(disagreements).as(replay()).isEmpty();
        // The unmutated case (m == 0) is accepted every time, so the test exercises both answers.
        assertThat(accepted).as(replay()).isGreaterThanOrEqualTo(400);
    }

    private static void mutate(SplittableRandom random, int kind, byte[] pk, byte[] msg, byte[] sig) {
        switch (kind) {
            case 0 -> { }
            case 1 -> sig[random.nextInt(0, 32)] ^= (byte) (1 << random.nextInt(8));
            case 2 -> sig[32 + random.nextInt(0, 32)] ^= (byte) (1 << random.nextInt(8));
            case 3 -> pk[random.nextInt(0, 32)] ^= (byte) (1 << random.nextInt(8));
            case 4 -> {
                if (msg.length > 0) {
                    msg[random.nextInt(0, msg.length)] ^= (byte) (1 << random.nextInt(8));
                } else {
                    sig[63] ^= 0x40;
                }
            }
            default -> addLToS(sig);
        }
    }

    /** S + L: the same value mod L, but non-canonical; must be rejected. */
    private static void addLToS(byte[] sig) {
        java.math.BigInteger s = Edwards25519.littleEndian(sig, 32, 32).add(Edwards25519.L);
        byte[] be = s.toByteArray();
        byte[] le = new byte[32];
        for (int i = 0; i < Math.min(32, be.length); i++) {
            le[i] = be[be.length - 1 - i];
        }
        System.arraycopy(le, 0, sig, 32, 32);
    }

    @Test
    void nonCanonicalSAndSmallOrderKeysAreRejected() {
        Ed25519PrivateKeyParameters key = key(new SplittableRandom(SEED));
        byte[] pk = key.generatePublicKey().getEncoded();
        byte[] msg = "app".getBytes();
        byte[] sig = new byte[64];
        key.sign(org.bouncycastle.math.ec.rfc8032.Ed25519.Algorithm.Ed25519, null, msg, 0, msg.length, sig, 0);
        assertThat(streamingVerify(pk, msg, sig, 2)).as(replay()).isTrue();
        byte[] big = sig.clone();
        addLToS(big);
        assertThat(streamingVerify(pk, msg, big, 2)).as(replay()).isFalse();
        byte[] identity = new byte[32];
        identity[0] = 1;
        assertThat(streamingVerify(identity, msg, sig, 2)).as(replay()).isFalse();
        assertThat(streamingVerify(pk, msg, java.util.Arrays.copyOf(sig, 63), 2)).as(replay()).isFalse();
    }

    static boolean streamingVerify(byte[] pk, byte[] msg, byte[] sig, int chunk) {
        Ed25519StreamingCheck check = Ed25519StreamingCheck.start(pk, sig);
        for (int off = 0; off < msg.length; off += chunk) {
            check.update(msg, off, Math.min(chunk, msg.length - off));
        }
        return check.finish();
    }

    static boolean bcVerify(byte[] pk, byte[] msg, byte[] sig) {
        if (pk.length != 32 || sig.length != 64) {
            return false;
        }
        return Ed25519.verify(sig, 0, pk, 0, msg, 0, msg.length);
    }
}
