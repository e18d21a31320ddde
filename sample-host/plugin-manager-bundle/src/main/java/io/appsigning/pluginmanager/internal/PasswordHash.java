package io.appsigning.pluginmanager.internal;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/** Salted, slow password hashes (PBKDF2-HMAC-SHA256): {@code pbkdf2-sha256$ITERATIONS$SALT$HASH}. */
final class PasswordHash {

    static final int ITERATIONS = 310_000;
    /**
     * The count is read from the stored hash, which in Data Center mode is a file whoever can write the shared home can replace:
     * an absurd one would make every sign-in spend minutes of CPU. Ten times what is written leaves
     * room for an operator's stronger hash; fewer than written would be a weakened one.
     */
    static final int MAX_ITERATIONS = 10 * ITERATIONS;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHash() {}

    static String hash(char[] password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return "pbkdf2-sha256$" + ITERATIONS + "$" + Base64.getEncoder().encodeToString(salt) + "$"
                + Base64.getEncoder().encodeToString(derive(password, salt, ITERATIONS));
    }

    /**
     * Why {@code stored} is not a hash a password may be checked against, in words for the log
     * (never quoting it), or null when it is one.
     */
    static String problem(String stored) {
        String[] parts = stored.split("\\$", -1);
        if (parts.length != 4 || !parts[0].equals("pbkdf2-sha256")) {
            return "it is not of the form pbkdf2-sha256$ITERATIONS$SALT$HASH";
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            return "its iteration count is not a number";
        }
        if (iterations < ITERATIONS || iterations > MAX_ITERATIONS) {
            return "its iteration count " + iterations + " is outside " + ITERATIONS + " to " + MAX_ITERATIONS;
        }
        try {
            if (Base64.getDecoder().decode(parts[2]).length < SALT_BYTES || Base64.getDecoder().decode(parts[3]).length != HASH_BYTES) {
                return "its salt is shorter than " + SALT_BYTES + " bytes or its hash is not " + HASH_BYTES + " bytes";
            }
        } catch (IllegalArgumentException e) {
            return "its salt or hash is not Base64";
        }
        return null;
    }

    static boolean matches(char[] password, String stored) {
        String trimmed = stored.trim();
        if (problem(trimmed) != null) {
            return false;
        }
        String[] parts = trimmed.split("\\$");
        byte[] expected = Base64.getDecoder().decode(parts[3]);
        return MessageDigest.isEqual(derive(password, Base64.getDecoder().decode(parts[2]), Integer.parseInt(parts[1])), expected);
    }

    /** A password for the first start: 20 characters, about 119 bits. */
    static String generate() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        StringBuilder password = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            password.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return password.toString();
    }

    private static byte[] derive(char[] password, byte[] salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, 256);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every Java platform", e);
        }
    }
}
