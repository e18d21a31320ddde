package io.appsigning.verifier.internal;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECFieldElement;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Pure Ed25519 (RFC 8032, section 5.1.6) signing of a message that is read twice from its source
 * and never held whole, so that an app of any size signs in bounded memory. The signature is
 * byte for byte what BouncyCastle's {@code Ed25519Signer} and {@code openssl pkeyutl -sign -rawin}
 * make from the same key and bytes.
 *
 * <p>Pure Ed25519 hashes the message twice: r = SHA-512(prefix || M) mod L, R = [r]B, then
 * k = SHA-512(R || A || M) mod L and S = (r + k a) mod L. If M changed between the two reads, the
 * nonce r of one message would be used with the challenge of another, and two such signatures
 * reveal the private key. So the second read hashes prefix || M again (on a second core) and the
 * signature is released only when both reads saw the same bytes.
 *
 * <p>[r]B, the only step that involves the secret nonce on the curve, runs in BouncyCastle's
 * fixed-point comb on its Weierstrass model of Curve25519 (regular, table lookups in constant
 * time), and the point is carried to the Edwards curve through the birational map of RFC 7748,
 * section 4.1. No public BouncyCastle API multiplies the Edwards base point by a chosen scalar.
 * The reductions mod L use {@code BigInteger}, whose timing varies with its (secret) operands;
 * this is a signing tool that the key's owner runs on their own machine, where no one times it.
 */
public final class Ed25519StreamingSigner {

    public static final int SEED_BYTES = 32;

    /** Where the message comes from: each call opens it from the start. */
    @FunctionalInterface
    public interface Message {
        InputStream open() throws IOException;
    }

    /** The message read differently the second time: no signature is made. */
    public static final class MessageChangedException extends IOException {
        MessageChangedException(String message) {
            super(message);
        }
    }

    private static final int BUFFER = 256 * 1024;
    private static final X9ECParameters CURVE25519 = CustomNamedCurves.getByName("curve25519");
    /** A/3 for A = 486662: the Weierstrass x is the Montgomery u plus this. */
    private static final ECFieldElement A_OVER_3 = field(BigInteger.valueOf(486662)
            .multiply(BigInteger.valueOf(3).modInverse(Edwards25519.P)).mod(Edwards25519.P));
    /** c with x = c u / v, fixed so that the Weierstrass generator maps onto the Edwards base point. */
    private static final ECFieldElement MAP_C = mapConstant();

    private final byte[] prefix;
    private final BigInteger scalar;
    private final byte[] publicKey;

    private Ed25519StreamingSigner(byte[] prefix, BigInteger scalar, byte[] publicKey) {
        this.prefix = prefix;
        this.scalar = scalar;
        this.publicKey = publicKey;
    }

    /** A signer for the 32-byte private key (the seed of RFC 8032, as PKCS#8 carries it). */
    public static Ed25519StreamingSigner fromSeed(byte[] seed) {
        if (seed == null || seed.length != SEED_BYTES) {
            throw new IllegalArgumentException("an Ed25519 private key has 32 bytes");
        }
        byte[] h = sha512().digest(seed);
        byte[] s = Arrays.copyOf(h, 32);
        s[0] &= (byte) 0xF8;
        s[31] &= 0x7F;
        s[31] |= 0x40;
        byte[] publicKey = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(seed, 0, publicKey, 0);
        BigInteger scalar = Edwards25519.littleEndian(s, 0, 32);
        Arrays.fill(s, (byte) 0);
        byte[] prefix = Arrays.copyOfRange(h, 32, 64);
        Arrays.fill(h, (byte) 0);
        return new Ed25519StreamingSigner(prefix, scalar, publicKey);
    }

    /** The 32-byte public key A. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /**
     * Signs the message, reading it twice.
     *
     * @return the 64-byte signature R || S
     * @throws MessageChangedException when the two reads differ (the file was being written)
     * @throws IOException             when the message cannot be read
     */
    public byte[] sign(Message message) throws IOException {
        MessageDigest nonceDigest = sha512();
        nonceDigest.update(prefix);
        long firstLength;
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = message.open()) {
            firstLength = feed(in, buffer, nonceDigest, null);
        }
        byte[] nonceHash = nonceDigest.digest();
        BigInteger r = Edwards25519.littleEndian(nonceHash, 0, 64).mod(Edwards25519.L);
        byte[] encodedR = baseMultiply(r);

        MessageDigest challenge = sha512();
        challenge.update(encodedR);
        challenge.update(publicKey);
        MessageDigest recheck = sha512();
        recheck.update(prefix);
        OffloadedDigest again = new OffloadedDigest(recheck);
        long secondLength;
        try (InputStream in = message.open()) {
            secondLength = feed(in, buffer, challenge, again);
        }
        byte[] recheckHash = again.digest();
        if (secondLength != firstLength || !MessageDigest.isEqual(recheckHash, nonceHash)) {
            throw new MessageChangedException("the file changed while it was being signed (" + firstLength
                    + " bytes on the first read, " + secondLength + " on the second, or different content);"
                    + " sign it once it is complete");
        }
        BigInteger k = Edwards25519.littleEndian(challenge.digest(), 0, 64).mod(Edwards25519.L);
        BigInteger s = r.add(k.multiply(scalar)).mod(Edwards25519.L);
        byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
        System.arraycopy(encodedR, 0, signature, 0, 32);
        toLittleEndian(s, signature, 32);
        return signature;
    }

    private static long feed(InputStream in, byte[] buffer, MessageDigest digest, OffloadedDigest alsoTo) throws IOException {
        long total = 0;
        for (int n; (n = in.read(buffer)) != -1; ) {
            digest.update(buffer, 0, n);
            if (alsoTo != null) {
                alsoTo.update(buffer, 0, n);
            }
            total += n;
        }
        return total;
    }

    /** The RFC 8032 encoding of [r]B. */
    static byte[] baseMultiply(BigInteger r) {
        byte[] encoded = new byte[32];
        ECPoint point = new FixedPointCombMultiplier().multiply(CURVE25519.getG(), r).normalize();
        if (point.isInfinity()) {
            encoded[0] = 1; // the neutral element (0, 1), for r = 0 mod L
            return encoded;
        }
        ECFieldElement u = point.getAffineXCoord().subtract(A_OVER_3);
        ECFieldElement v = point.getAffineYCoord();
        ECFieldElement y = u.subtract(field(BigInteger.ONE)).divide(u.addOne());
        ECFieldElement x = MAP_C.multiply(u).divide(v);
        toLittleEndian(y.toBigInteger(), encoded, 0);
        if (x.testBitZero()) {
            encoded[31] |= (byte) 0x80;
        }
        return encoded;
    }

    private static ECFieldElement mapConstant() {
        ECPoint g = CURVE25519.getG().normalize();
        ECFieldElement u = g.getAffineXCoord().subtract(A_OVER_3);
        ECFieldElement baseX = field(Edwards25519.BASE.x());
        ECFieldElement baseY = field(Edwards25519.BASE.y());
        ECFieldElement c = baseX.multiply(g.getAffineYCoord()).divide(u);
        // The generator must be the image of B (u = 9, y = 4/5) and c a square root of -486664:
        // then the map is a group isomorphism and [r]G maps onto [r]B.
        if (!u.toBigInteger().equals(BigInteger.valueOf(9))
                || !u.subtract(field(BigInteger.ONE)).divide(u.addOne()).equals(baseY)
                || !c.square().equals(field(BigInteger.valueOf(-486664).mod(Edwards25519.P)))) {
            throw new IllegalStateException("BouncyCastle's curve25519 generator is not the Ed25519 base point");
        }
        return c;
    }

    private static ECFieldElement field(BigInteger value) {
        return CURVE25519.getCurve().fromBigInteger(value);
    }

    private static void toLittleEndian(BigInteger value, byte[] out, int offset) {
        byte[] bigEndian = value.toByteArray();
        for (int i = 0; i < 32; i++) {
            int from = bigEndian.length - 1 - i;
            out[offset + i] = from >= 0 ? bigEndian[from] : 0;
        }
    }

    private static MessageDigest sha512() {
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-512", e);
        }
    }
}
