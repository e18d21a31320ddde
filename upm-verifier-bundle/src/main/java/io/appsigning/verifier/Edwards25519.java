package io.appsigning.verifier;

import java.math.BigInteger;

/**
 * Arithmetic on the twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255 - 19), in
 * extended coordinates (RFC 8032, section 5.1.4).
 *
 * <p>Only public data passes through here (keys, signatures, hashes), so variable-time
 * arithmetic is acceptable. The addition formula is complete for this curve (d is not a square),
 * so it is also correct for doubling, the neutral element and points of small or mixed order,
 * which the cofactored verification equation must handle exactly.
 */
final class Edwards25519 {

    static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    /** The order of the prime-order subgroup. */
    static final BigInteger L =
            BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));

    private static final BigInteger D = BigInteger.valueOf(-121665)
            .multiply(BigInteger.valueOf(121666).modInverse(P))
            .mod(P);
    private static final BigInteger D2 = D.add(D).mod(P);
    private static final BigInteger SQRT_M1 = BigInteger.TWO.modPow(P.subtract(BigInteger.ONE).shiftRight(2), P);
    private static final BigInteger P_MINUS_5_OVER_8 = P.subtract(BigInteger.valueOf(5)).shiftRight(3);

    /** A point in extended coordinates: x = X/Z, y = Y/Z, x*y = T/Z. */
    record Point(BigInteger x, BigInteger y, BigInteger z, BigInteger t) {

        static final Point IDENTITY = new Point(BigInteger.ZERO, BigInteger.ONE, BigInteger.ONE, BigInteger.ZERO);

        Point negate() {
            return new Point(P.subtract(x).mod(P), y, z, P.subtract(t).mod(P));
        }

        Point add(Point q) {
            BigInteger a = y.subtract(x).multiply(q.y.subtract(q.x)).mod(P);
            BigInteger b = y.add(x).multiply(q.y.add(q.x)).mod(P);
            BigInteger c = t.multiply(D2).mod(P).multiply(q.t).mod(P);
            BigInteger d = z.multiply(q.z).shiftLeft(1).mod(P);
            BigInteger e = b.subtract(a);
            BigInteger f = d.subtract(c);
            BigInteger g = d.add(c);
            BigInteger h = b.add(a);
            return new Point(e.multiply(f).mod(P), g.multiply(h).mod(P), f.multiply(g).mod(P), e.multiply(h).mod(P));
        }

        Point twice() {
            BigInteger a = x.multiply(x).mod(P);
            BigInteger b = y.multiply(y).mod(P);
            BigInteger c = z.multiply(z).shiftLeft(1).mod(P);
            BigInteger h = a.add(b);
            BigInteger xy = x.add(y);
            BigInteger e = h.subtract(xy.multiply(xy)).mod(P);
            BigInteger g = a.subtract(b);
            BigInteger f = c.add(g);
            return new Point(e.multiply(f).mod(P), g.multiply(h).mod(P), f.multiply(g).mod(P), e.multiply(h).mod(P));
        }

        boolean isIdentity() {
            return x.signum() == 0 && y.subtract(z).mod(P).signum() == 0;
        }
    }

    /** The base point B: y = 4/5, x even. */
    static final Point BASE = decodeCoordinates(
            BigInteger.valueOf(4).multiply(BigInteger.valueOf(5).modInverse(P)).mod(P), false);

    private Edwards25519() {}

    /** Little-endian bytes as an unsigned integer. */
    static BigInteger littleEndian(byte[] bytes, int offset, int length) {
        byte[] bigEndian = new byte[length];
        for (int i = 0; i < length; i++) {
            bigEndian[i] = bytes[offset + length - 1 - i];
        }
        return new BigInteger(1, bigEndian);
    }

    /**
     * Decodes a 32-byte point encoding, rejecting exactly what RFC 8032 decoding rejects:
     * y >= p, no square root for x, and x = 0 with the sign bit set.
     *
     * @return the point, or null when the encoding is invalid
     */
    static Point decode(byte[] encoded, int offset) {
        boolean xOdd = (encoded[offset + 31] & 0x80) != 0;
        byte[] copy = new byte[32];
        System.arraycopy(encoded, offset, copy, 0, 32);
        copy[31] &= 0x7F;
        BigInteger y = littleEndian(copy, 0, 32);
        if (y.compareTo(P) >= 0) {
            return null;
        }
        return decodeCoordinates(y, xOdd);
    }

    private static Point decodeCoordinates(BigInteger y, boolean xOdd) {
        BigInteger yy = y.multiply(y).mod(P);
        BigInteger u = yy.subtract(BigInteger.ONE).mod(P);
        BigInteger v = D.multiply(yy).add(BigInteger.ONE).mod(P);
        // x = u v^3 (u v^7)^((p-5)/8), then fix up by sqrt(-1) if needed (RFC 8032, 5.1.3).
        BigInteger v3 = v.multiply(v).mod(P).multiply(v).mod(P);
        BigInteger v7 = v3.multiply(v3).mod(P).multiply(v).mod(P);
        BigInteger x = u.multiply(v3).mod(P)
                .multiply(u.multiply(v7).mod(P).modPow(P_MINUS_5_OVER_8, P)).mod(P);
        BigInteger vxx = v.multiply(x).mod(P).multiply(x).mod(P);
        if (!vxx.equals(u)) {
            if (vxx.equals(P.subtract(u).mod(P))) {
                x = x.multiply(SQRT_M1).mod(P);
            } else {
                return null;
            }
        }
        if (x.signum() == 0 && xOdd) {
            return null;
        }
        if (x.testBit(0) != xOdd) {
            x = P.subtract(x);
        }
        return new Point(x, y, BigInteger.ONE, x.multiply(y).mod(P));
    }

    /** [a]A + [b]B for non-negative a and b, sharing the doublings (Straus). */
    static Point doubleScalarMultiply(BigInteger a, Point pointA, BigInteger b, Point pointB) {
        Point both = pointA.add(pointB);
        Point result = Point.IDENTITY;
        for (int i = Math.max(a.bitLength(), b.bitLength()) - 1; i >= 0; i--) {
            result = result.twice();
            boolean ai = a.testBit(i);
            boolean bi = b.testBit(i);
            if (ai && bi) {
                result = result.add(both);
            } else if (ai) {
                result = result.add(pointA);
            } else if (bi) {
                result = result.add(pointB);
            }
        }
        return result;
    }
}
