package io.appsigning.verifier.internal;

import java.math.BigInteger;
import org.bouncycastle.math.ec.rfc7748.X25519Field;

/**
 * Arithmetic on the twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255 - 19), in
 * extended coordinates (RFC 8032, section 5.1.4), on BouncyCastle's public field arithmetic
 * ({@link X25519Field}: ten 25/26-bit limbs), which costs a few tens of nanoseconds a
 * multiplication where {@link BigInteger} costs several hundred.
 *
 * <p>Only public data passes through here (keys, signatures, hashes), so variable-time
 * arithmetic is acceptable. The addition formula is complete for this curve (d is not a square),
 * so it is also correct for doubling, the neutral element and points of small or mixed order,
 * which the cofactored verification equation must handle exactly. Every sum and difference is
 * carried before it is multiplied, so limbs never outgrow what {@code X25519Field.mul} accepts.
 */
final class Edwards25519 {

    static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    /** The order of the prime-order subgroup. */
    static final BigInteger L =
            BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));

    private static final BigInteger D_INTEGER = BigInteger.valueOf(-121665)
            .multiply(BigInteger.valueOf(121666).modInverse(P))
            .mod(P);
    private static final int[] D = field(D_INTEGER);
    private static final int[] D2 = field(D_INTEGER.shiftLeft(1).mod(P));

    /** Window of the signed digits: odd digits in [-15, 15], tables of 8 odd multiples. */
    private static final int WINDOW = 5;
    private static final int TABLE = 1 << (WINDOW - 2);

    /** A point in extended coordinates: x = X/Z, y = Y/Z, x*y = T/Z. Never modified once built. */
    static final class Point {
        private final int[] x;
        private final int[] y;
        private final int[] z;
        private final int[] t;

        private Point(int[] x, int[] y, int[] z, int[] t) {
            this.x = x;
            this.y = y;
            this.z = z;
            this.t = t;
        }

        static final Point IDENTITY = new Point(constant(0), constant(1), constant(1), constant(0));

        Point negate() {
            int[] nx = X25519Field.create();
            int[] nt = X25519Field.create();
            X25519Field.negate(x, nx);
            X25519Field.negate(t, nt);
            X25519Field.carry(nx);
            X25519Field.carry(nt);
            return new Point(nx, y, z, nt);
        }

        Point add(Point q) {
            int[] a = X25519Field.create();
            int[] b = X25519Field.create();
            int[] c = X25519Field.create();
            int[] d = X25519Field.create();
            int[] u = X25519Field.create();
            int[] v = X25519Field.create();
            fieldSub(y, x, u);
            fieldSub(q.y, q.x, v);
            X25519Field.mul(u, v, a);
            fieldAdd(y, x, u);
            fieldAdd(q.y, q.x, v);
            X25519Field.mul(u, v, b);
            X25519Field.mul(t, q.t, c);
            X25519Field.mul(c, D2, c);
            X25519Field.mul(z, q.z, d);
            fieldAdd(d, d, d);
            int[] e = X25519Field.create();
            int[] f = X25519Field.create();
            int[] g = X25519Field.create();
            int[] h = X25519Field.create();
            fieldSub(b, a, e);
            fieldSub(d, c, f);
            fieldAdd(d, c, g);
            fieldAdd(b, a, h);
            return product(e, f, g, h);
        }

        Point twice() {
            int[] a = X25519Field.create();
            int[] b = X25519Field.create();
            int[] c = X25519Field.create();
            X25519Field.sqr(x, a);
            X25519Field.sqr(y, b);
            X25519Field.sqr(z, c);
            fieldAdd(c, c, c);
            int[] h = X25519Field.create();
            fieldAdd(a, b, h);
            int[] xy = X25519Field.create();
            fieldAdd(x, y, xy);
            X25519Field.sqr(xy, xy);
            int[] e = X25519Field.create();
            fieldSub(h, xy, e);
            int[] g = X25519Field.create();
            fieldSub(a, b, g);
            int[] f = X25519Field.create();
            fieldAdd(c, g, f);
            return product(e, f, g, h);
        }

        /** (E F, G H, F G, E H): the common tail of addition and doubling. */
        private static Point product(int[] e, int[] f, int[] g, int[] h) {
            int[] x3 = X25519Field.create();
            int[] y3 = X25519Field.create();
            int[] z3 = X25519Field.create();
            int[] t3 = X25519Field.create();
            X25519Field.mul(e, f, x3);
            X25519Field.mul(g, h, y3);
            X25519Field.mul(f, g, z3);
            X25519Field.mul(e, h, t3);
            return new Point(x3, y3, z3, t3);
        }

        /** The affine x = X/Z, as an integer in [0, p). */
        BigInteger x() {
            return affine(x);
        }

        /** The affine y = Y/Z, as an integer in [0, p). */
        BigInteger y() {
            return affine(y);
        }

        private BigInteger affine(int[] coordinate) {
            int[] inverse = X25519Field.create();
            X25519Field.inv(z, inverse);
            int[] value = X25519Field.create();
            X25519Field.mul(coordinate, inverse, value);
            X25519Field.normalize(value);
            byte[] encoded = new byte[32];
            X25519Field.encode(value, encoded, 0);
            return littleEndian(encoded, 0, 32);
        }

        /** x = 0 and y = z: the neutral element (Z is never 0 under the complete formulas). */
        boolean isIdentity() {
            int[] nx = X25519Field.create();
            X25519Field.copy(x, 0, nx, 0);
            X25519Field.normalize(nx);
            int[] diff = X25519Field.create();
            fieldSub(y, z, diff);
            X25519Field.normalize(diff);
            return X25519Field.isZeroVar(nx) && X25519Field.isZeroVar(diff);
        }
    }

    /** The base point B: y = 4/5, x even. */
    static final Point BASE = decodeCoordinates(
            field(BigInteger.valueOf(4).multiply(BigInteger.valueOf(5).modInverse(P)).mod(P)), false);
    private static final Point[] BASE_TABLE = oddMultiples(BASE);

    private Edwards25519() {}

    private static void fieldAdd(int[] a, int[] b, int[] out) {
        X25519Field.add(a, b, out);
        X25519Field.carry(out);
    }

    private static void fieldSub(int[] a, int[] b, int[] out) {
        X25519Field.sub(a, b, out);
        X25519Field.carry(out);
    }

    private static int[] constant(int value) {
        int[] z = X25519Field.create();
        z[0] = value;
        return z;
    }

    /** A field element from an integer in [0, p). */
    private static int[] field(BigInteger value) {
        byte[] bigEndian = value.toByteArray();
        byte[] le = new byte[32];
        for (int i = 0; i < Math.min(32, bigEndian.length); i++) {
            le[i] = bigEndian[bigEndian.length - 1 - i];
        }
        int[] z = X25519Field.create();
        X25519Field.decode(le, 0, z);
        return z;
    }

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
        if (littleEndian(copy, 0, 32).compareTo(P) >= 0) {
            return null;
        }
        int[] y = X25519Field.create();
        X25519Field.decode(copy, 0, y);
        return decodeCoordinates(y, xOdd);
    }

    /** x from y: x^2 = (y^2 - 1) / (d y^2 + 1) (RFC 8032, 5.1.3), with the sign asked for. */
    private static Point decodeCoordinates(int[] y, boolean xOdd) {
        int[] yy = X25519Field.create();
        X25519Field.sqr(y, yy);
        int[] u = X25519Field.create();
        X25519Field.copy(yy, 0, u, 0);
        X25519Field.subOne(u);
        X25519Field.carry(u);
        int[] v = X25519Field.create();
        X25519Field.mul(yy, D, v);
        X25519Field.addOne(v);
        X25519Field.carry(v);
        int[] x = X25519Field.create();
        if (!X25519Field.sqrtRatioVar(u, v, x)) {
            return null;
        }
        X25519Field.normalize(x);
        if (xOdd && X25519Field.isZeroVar(x)) {
            return null;
        }
        if (xOdd != ((x[0] & 1) == 1)) {
            X25519Field.negate(x, x);
            X25519Field.normalize(x);
        }
        int[] t = X25519Field.create();
        X25519Field.mul(x, y, t);
        return new Point(x, y, constant(1), t);
    }

    /** P, 3P, 5P, ..., 15P. */
    private static Point[] oddMultiples(Point point) {
        Point[] table = new Point[TABLE];
        table[0] = point;
        Point twice = point.twice();
        for (int i = 1; i < TABLE; i++) {
            table[i] = table[i - 1].add(twice);
        }
        return table;
    }

    /**
     * Signed digits of a non-negative scalar below 2^253, least significant first: every digit is
     * 0 or odd in [-15, 15], and any two non-zero digits are at least {@value #WINDOW} apart
     * (width-5 NAF). At each set bit the next five bits are taken as a digit and cleared, a digit
     * of 16 or more becoming negative with a carry into the bit above the window.
     */
    static byte[] wnaf(BigInteger scalar) {
        byte[] bigEndian = scalar.toByteArray();
        int[] k = new int[10];
        for (int i = 0; i < bigEndian.length && i < 36; i++) {
            k[i >> 2] |= (bigEndian[bigEndian.length - 1 - i] & 0xFF) << (8 * (i & 3));
        }
        byte[] digits = new byte[257];
        for (int i = 0; i < digits.length; i++) {
            long pair = (k[i >> 5] & 0xFFFFFFFFL) | ((long) k[(i >> 5) + 1] << 32);
            int window = (int) (pair >>> (i & 31)) & ((1 << WINDOW) - 1);
            if ((window & 1) == 0) {
                continue;
            }
            int digit = window >= 1 << (WINDOW - 1) ? window - (1 << WINDOW) : window;
            digits[i] = (byte) digit;
            addAt(k, i, -window);
            if (digit < 0) {
                addAt(k, i + WINDOW, 1);
            }
        }
        return digits;
    }

    /** k += value * 2^bit, for |value| < 2^WINDOW, never going below zero. */
    private static void addAt(int[] k, int bit, int value) {
        int word = bit >> 5;
        long carry = (long) value << (bit & 31);
        while (carry != 0) {
            long sum = (k[word] & 0xFFFFFFFFL) + carry;
            k[word] = (int) sum;
            carry = sum >> 32;
            word++;
        }
    }

    /** [a]B + [b]Q for non-negative a and b below 2^253, sharing the doublings (Straus, width-5 NAF). */
    static Point baseAndPointMultiply(BigInteger a, BigInteger b, Point q) {
        byte[] da = wnaf(a);
        byte[] db = wnaf(b);
        Point[] tableQ = oddMultiples(q);
        int top = da.length - 1;
        while (top >= 0 && da[top] == 0 && db[top] == 0) {
            top--;
        }
        Accumulator result = new Accumulator();
        for (int i = top; i >= 0; i--) {
            result.twice();
            if (da[i] != 0) {
                result.add(BASE_TABLE[Math.abs(da[i]) >> 1], da[i] < 0);
            }
            if (db[i] != 0) {
                result.add(tableQ[Math.abs(db[i]) >> 1], db[i] < 0);
            }
        }
        return result.point();
    }

    /**
     * The running sum of a scalar multiplication, updated in place: the same formulas as
     * {@link Point#add} and {@link Point#twice}, without the allocations of ~400 new points.
     */
    private static final class Accumulator {
        private final int[] x = constant(0);
        private final int[] y = constant(1);
        private final int[] z = constant(1);
        private final int[] t = constant(0);
        private final int[] a = X25519Field.create();
        private final int[] b = X25519Field.create();
        private final int[] c = X25519Field.create();
        private final int[] d = X25519Field.create();
        private final int[] e = X25519Field.create();
        private final int[] f = X25519Field.create();
        private final int[] g = X25519Field.create();
        private final int[] h = X25519Field.create();

        /** this += q, or this -= q: -q is (-x, y, z, -t), so y - x and y + x trade places and C changes sign. */
        void add(Point q, boolean subtract) {
            fieldSub(y, x, e);
            fieldAdd(y, x, f);
            fieldSub(q.y, q.x, g);
            fieldAdd(q.y, q.x, h);
            X25519Field.mul(e, subtract ? h : g, a);
            X25519Field.mul(f, subtract ? g : h, b);
            X25519Field.mul(t, q.t, c);
            X25519Field.mul(c, D2, c);
            if (subtract) {
                X25519Field.negate(c, c);
                X25519Field.carry(c);
            }
            X25519Field.mul(z, q.z, d);
            fieldAdd(d, d, d);
            fieldSub(b, a, e);
            fieldSub(d, c, f);
            fieldAdd(d, c, g);
            fieldAdd(b, a, h);
            finish();
        }

        void twice() {
            X25519Field.sqr(x, a);
            X25519Field.sqr(y, b);
            X25519Field.sqr(z, c);
            fieldAdd(c, c, c);
            fieldAdd(a, b, h);
            fieldAdd(x, y, e);
            X25519Field.sqr(e, e);
            fieldSub(h, e, e);
            fieldSub(a, b, g);
            fieldAdd(c, g, f);
            finish();
        }

        /** (E F, G H, F G, E H), as Point.product. */
        private void finish() {
            X25519Field.mul(e, f, x);
            X25519Field.mul(g, h, y);
            X25519Field.mul(f, g, z);
            X25519Field.mul(e, h, t);
        }

        Point point() {
            return new Point(x.clone(), y.clone(), z.clone(), t.clone());
        }
    }
}
