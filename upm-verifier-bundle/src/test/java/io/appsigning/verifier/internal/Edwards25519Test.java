package io.appsigning.verifier.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The scalar recoding and the in-place multiplication against the plainest definitions. */
class Edwards25519Test {

    private static final long SEED = Long.getLong("appsigning.test.seed", System.nanoTime());

    private static String replay() {
        return "seed " + SEED + " (replay with -Dappsigning.test.seed=" + SEED + ")";
    }

    private static BigInteger scalar(Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> BigInteger.ZERO;
            case 1 -> Edwards25519.L.subtract(BigInteger.ONE);
            case 2 -> BigInteger.TWO.pow(253).subtract(BigInteger.ONE); // all ones: a carry at every window
            case 3 -> BigInteger.valueOf(random.nextInt(1 << 12));
            default -> new BigInteger(253, random);
        };
    }

    /** The base point's affine coordinates, as RFC 8032 gives them. */
    @Test
    void theBasePointIsRfc8032s() {
        assertThat(Edwards25519.BASE.x()).isEqualTo(
                new BigInteger("15112221349535400772501151409588531511454012693041857206046113283949847762202"));
        assertThat(Edwards25519.BASE.y()).isEqualTo(
                new BigInteger("46316835694926478169428394003475163141307993866256225615783033603165251855960"));
        // The same point after a round of arithmetic (Z no longer 1): [2]B - B.
        Edwards25519.Point again = Edwards25519.BASE.twice().add(Edwards25519.BASE.negate());
        assertThat(again.x()).isEqualTo(Edwards25519.BASE.x());
        assertThat(again.y()).isEqualTo(Edwards25519.BASE.y());
    }

    @Test
    void theNafDigitsAddUpToTheScalarAndKeepTheirShape() {
        Random random = new Random(SEED);
        for (int n = 0; n < 2000; n++) {
            BigInteger k = scalar(random);
            byte[] digits = Edwards25519.wnaf(k);
            BigInteger sum = BigInteger.ZERO;
            int last = -100;
            for (int i = 0; i < digits.length; i++) {
                if (digits[i] != 0) {
                    assertThat(digits[i] % 2).as("%s: odd digit at %d of %s", replay(), i, k).isNotZero();
                    assertThat(Math.abs(digits[i])).as(replay()).isLessThanOrEqualTo(15);
                    assertThat(i - last).as("%s: digits apart at %d of %s", replay(), i, k).isGreaterThanOrEqualTo(5);
                    last = i;
                }
                sum = sum.add(BigInteger.valueOf(digits[i]).shiftLeft(i));
            }
            assertThat(sum).as(replay()).isEqualTo(k);
        }
    }

    /** [a]B + [b]Q by plain double-and-add on the allocating point operations. */
    private static Edwards25519.Point reference(BigInteger a, BigInteger b, Edwards25519.Point q) {
        Edwards25519.Point result = Edwards25519.Point.IDENTITY;
        for (int i = Math.max(a.bitLength(), b.bitLength()) - 1; i >= 0; i--) {
            result = result.twice();
            if (a.testBit(i)) {
                result = result.add(Edwards25519.BASE);
            }
            if (b.testBit(i)) {
                result = result.add(q);
            }
        }
        return result;
    }

    @Test
    void theWindowedInPlaceMultiplicationAgreesWithDoubleAndAdd() {
        Random random = new Random(SEED);
        byte[] key = new byte[32];
        for (int n = 0; n < 60; n++) {
            Edwards25519.Point q = null;
            while (q == null) {
                random.nextBytes(key);
                q = Edwards25519.decode(key, 0); // any point, small or mixed order included
            }
            BigInteger a = scalar(random);
            BigInteger b = scalar(random);
            Edwards25519.Point fast = Edwards25519.baseAndPointMultiply(a, b, q);
            Edwards25519.Point slow = reference(a, b, q);
            // Equal points: their difference is the neutral element.
            assertThat(fast.add(slow.negate()).isIdentity()).as("%s: a %s, b %s", replay(), a, b).isTrue();
        }
    }
}
