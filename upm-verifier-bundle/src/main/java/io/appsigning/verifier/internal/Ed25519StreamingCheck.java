package io.appsigning.verifier.internal;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Pure Ed25519 (RFC 8032) verification of one signature under one public key, over a message
 * that arrives in pieces and is never held whole.
 *
 * <p>Pure Ed25519 hashes R || A || M once, so the message can stream through SHA-512; only the
 * final equation needs the curve. The acceptance rules are BouncyCastle 1.87's
 * {@code Ed25519.verify}, in its order: R's y (low 255 bits) below p; S below L over all 256
 * bits; A canonical and not of small order ({@code Ed25519.validatePublicKeyPartial}, which
 * applies exactly those rules); R and A decode; then the cofactored equation
 * [8]([S]B - R - [k]A) = O, under which points with a small-order component may verify.
 */
final class Ed25519StreamingCheck {

    static final int PUBLIC_KEY_BYTES = 32;
    static final int SIGNATURE_BYTES = 64;

    private final Edwards25519.Point r;
    private final Edwards25519.Point a;
    private final BigInteger s;
    /** Null when the key or signature is already known to fail: no need to hash then. */
    private final MessageDigest sha512;

    private Ed25519StreamingCheck(Edwards25519.Point r, Edwards25519.Point a, BigInteger s, MessageDigest sha512) {
        this.r = r;
        this.a = a;
        this.s = s;
        this.sha512 = sha512;
    }

    /** Starts a check; the signature and key are copied, not kept. */
    static Ed25519StreamingCheck start(byte[] publicKey, byte[] signature) {
        if (publicKey == null || signature == null
                || publicKey.length != PUBLIC_KEY_BYTES || signature.length != SIGNATURE_BYTES) {
            return failed();
        }
        byte[] rBytes = java.util.Arrays.copyOfRange(signature, 0, 32);
        byte[] rY = rBytes.clone();
        rY[31] &= 0x7F;
        if (Edwards25519.littleEndian(rY, 0, 32).compareTo(Edwards25519.P) >= 0) {
            return failed();
        }
        BigInteger s = Edwards25519.littleEndian(signature, 32, 32);
        if (s.compareTo(Edwards25519.L) >= 0) {
            return failed();
        }
        if (!Ed25519.validatePublicKeyPartial(publicKey, 0)) {
            return failed();
        }
        Edwards25519.Point r = Edwards25519.decode(rBytes, 0);
        Edwards25519.Point a = Edwards25519.decode(publicKey, 0);
        if (r == null || a == null) {
            return failed();
        }
        MessageDigest sha512 = newSha512();
        sha512.update(rBytes);
        sha512.update(publicKey);
        return new Ed25519StreamingCheck(r, a, s, sha512);
    }

    private static Ed25519StreamingCheck failed() {
        return new Ed25519StreamingCheck(null, null, null, null);
    }

    /**
     * The SHA-512 to feed with the message (already holding R || A), or null when the key or
     * signature is already known to fail and nothing needs hashing.
     */
    MessageDigest digest() {
        return sha512;
    }

    void update(byte[] buffer, int offset, int length) {
        if (sha512 != null) {
            sha512.update(buffer, offset, length);
        }
    }

    /** Whether the signature verifies over every byte passed to {@link #update}. Call once. */
    boolean finish() {
        return sha512 != null && verifies(sha512.digest());
    }

    /** The final equation, given SHA-512(R || A || M) from the digest of {@link #digest()}. */
    boolean verifies(byte[] hash) {
        if (sha512 == null) {
            return false;
        }
        BigInteger k = Edwards25519.littleEndian(hash, 0, 64).mod(Edwards25519.L);
        Edwards25519.Point sum = Edwards25519.baseAndPointMultiply(s, k, a.negate()).add(r.negate());
        return sum.twice().twice().twice().isIdentity();
    }

    private static MessageDigest newSha512() {
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-512", e);
        }
    }
}
