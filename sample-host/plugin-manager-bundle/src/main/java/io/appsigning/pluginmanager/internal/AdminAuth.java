package io.appsigning.pluginmanager.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The admin account: user {@code admin}, whose password is kept only as a PBKDF2 hash under the
 * home; UI sessions with a CSRF token each; a lock-out after repeated failures from one address.
 */
final class AdminAuth {

    static final String USER = "admin";
    private static final Duration SESSION_IDLE = Duration.ofMinutes(30);
    private static final int MAX_FAILURES = 10;
    private static final Duration LOCKOUT = Duration.ofMinutes(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    record Session(String id, String user, String csrfToken, Instant lastUsed) {}

    private record Failures(int count, Instant since) {}

    private static final Duration VERIFIED_FOR = Duration.ofMinutes(1);

    private record Verified(byte[] sha256, Instant until) {}

    private volatile Verified verified;
    private final Path hashFile;
    private volatile String hash;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Failures> failures = new ConcurrentHashMap<>();

    private AdminAuth(Path hashFile, String hash) {
        this.hashFile = hashFile;
        this.hash = hash;
    }

    /**
     * Loads the hash, or makes one at first start from {@code APPSIGN_ADMIN_PASSWORD} or a generated
     * password, which is printed once. A password in the environment that differs from the stored
     * one replaces it: the operator changed it.
     */
    static AdminAuth open(Path hashFile, String fromEnvironment) throws IOException {
        String stored = Files.exists(hashFile) ? Files.readString(hashFile, StandardCharsets.US_ASCII).trim() : null;
        if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
            if (stored == null || !PasswordHash.matches(fromEnvironment.toCharArray(), stored)) {
                stored = PasswordHash.hash(fromEnvironment.toCharArray());
                write(hashFile, stored);
                System.out.println("Admin password set from APPSIGN_ADMIN_PASSWORD.");
            }
        } else if (stored == null) {
            String generated = PasswordHash.generate();
            stored = PasswordHash.hash(generated.toCharArray());
            write(hashFile, stored);
            System.out.println("Admin user: " + USER + "   password (shown only now, stored only as a hash): " + generated);
        }
        return new AdminAuth(hashFile, stored);
    }

    private static void write(Path file, String hash) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = Files.createTempFile(file.getParent(), ".admin", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temp, hash + "\n", StandardCharsets.US_ASCII);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Whether the client is locked out after too many failures. */
    boolean lockedOut(String client) {
        Failures f = failures.get(client);
        return f != null && f.count() >= MAX_FAILURES && f.since().plus(LOCKOUT).isAfter(Instant.now());
    }

    boolean check(String client, String user, String password) {
        if (lockedOut(client)) {
            return false;
        }
        if (USER.equals(user) && password != null && recentlyVerified(password)) {
            return true;
        }
        boolean ok = USER.equals(user) && password != null && PasswordHash.matches(password.toCharArray(), hash);
        if (ok) {
            // The slow hash guards the stored password; a script sending Basic auth on every call should not
            // pay it every time: the verified password is remembered (as a SHA-256) for a minute.
            verified = new Verified(sha256(password), Instant.now().plus(VERIFIED_FOR));
        }
        if (ok) {
            failures.remove(client);
        } else {
            failures.merge(client, new Failures(1, Instant.now()), (old, one) ->
                    old.since().plus(LOCKOUT).isBefore(Instant.now()) ? one : new Failures(old.count() + 1, old.since()));
        }
        return ok;
    }

    private boolean recentlyVerified(String password) {
        Verified last = verified;
        return last != null && last.until().isAfter(Instant.now())
                && java.security.MessageDigest.isEqual(last.sha256(), sha256(password));
    }

    private static byte[] sha256(String password) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    Session login(String user) {
        Session session = new Session(token(), user, token(), Instant.now());
        sessions.put(session.id(), session);
        return session;
    }

    Optional<Session> session(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Session session = sessions.get(id);
        if (session == null) {
            return Optional.empty();
        }
        if (session.lastUsed().plus(SESSION_IDLE).isBefore(Instant.now())) {
            sessions.remove(id);
            return Optional.empty();
        }
        Session touched = new Session(session.id(), session.user(), session.csrfToken(), Instant.now());
        sessions.put(id, touched);
        return Optional.of(touched);
    }

    void logout(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    private static String token() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    Path hashFile() {
        return hashFile;
    }
}
