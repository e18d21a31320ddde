package io.appsigning.pluginmanager.internal;

import io.appsigning.audit.AuditTrail;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The admin account: user {@code admin}, whose password is kept only as a PBKDF2 hash under the
 * home; UI sessions with a CSRF token each; a lock-out of the account after repeated failures.
 * Its own component, so that sessions outlive a restart of the servlets (a configuration change,
 * a service coming and going). The failure count is taken before the password is checked, so
 * concurrent guesses cannot all be evaluated.
 */
@Component(service = AdminAuth.class)
public final class AdminAuth {

    static final String USER = "admin";
    static final Duration SESSION_IDLE = Duration.ofMinutes(30);
    static final int MAX_FAILURES = 10;
    static final Duration LOCKOUT = Duration.ofMinutes(1);
    private static final Duration VERIFIED_FOR = Duration.ofMinutes(1);
    private static final System.Logger LOG = System.getLogger(AdminAuth.class.getName());

    /** The outcome of one sign-in attempt. */
    public enum Verdict { OK, WRONG, LOCKED }

    /**
     * @param verdict           what happened
     * @param retryAfterSeconds while locked, how long until the next attempt is evaluated
     */
    public record Attempt(Verdict verdict, long retryAfterSeconds) {}

    record Session(String id, String user, String csrfToken, Instant lastUsed) {}

    private record Verified(byte[] sha256, Instant until) {}

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile AuditTrail audit;

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Object attempts = new Object();
    private Clock clock = Clock.systemUTC();
    private volatile String hash;
    private volatile Verified verified;
    private int failures;
    private Instant lockedUntil = Instant.MIN;

    @Activate
    void activate(BundleContext context) throws IOException {
        String home = context.getProperty("appsigning.home");
        if (home == null || home.isBlank()) {
            throw new IllegalStateException("The framework property appsigning.home is not set: the product must name its home.");
        }
        open(Path.of(home).resolve("data").resolve("admin.pwd"), System.getenv("APPSIGN_ADMIN_PASSWORD"));
    }

    /**
     * Loads the hash, or makes one at first start from {@code APPSIGN_ADMIN_PASSWORD} or a generated
     * password, which is printed once. A password in the environment that differs from the stored
     * one replaces it: the operator changed it (which is also how a lost password is reset).
     */
    void open(Path hashFile, String fromEnvironment) throws IOException {
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
        hash = stored;
    }

    /** For tests: a clock to move the lock-out and session expiry along. */
    void clock(Clock clock) {
        this.clock = clock;
    }

    private static void write(Path file, String hash) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = Files.createTempFile(file.getParent(), ".admin", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temp, hash + "\n", StandardCharsets.US_ASCII);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * One sign-in attempt, by HTTP Basic or the sign-in page alike. While the account is locked the
     * password is not even looked at, so the right one does not get through either.
     */
    public Attempt signIn(String user, String password, String client) {
        Instant now = clock.instant();
        synchronized (attempts) {
            if (now.isBefore(lockedUntil)) {
                return new Attempt(Verdict.LOCKED, retryAfter(now));
            }
            if (failures >= MAX_FAILURES) {
                lock(now, client);
                return new Attempt(Verdict.LOCKED, retryAfter(now));
            }
            // Counted before the check: a burst of concurrent guesses cannot outrun the count.
            failures++;
        }
        boolean ok = USER.equals(user) && password != null && matches(password);
        synchronized (attempts) {
            if (ok) {
                failures = 0;
                return new Attempt(Verdict.OK, 0);
            }
            if (failures >= MAX_FAILURES && !now.isBefore(lockedUntil)) {
                lock(now, client);
            }
            return new Attempt(Verdict.WRONG, 0);
        }
    }

    /** Must hold {@code attempts}. */
    private void lock(Instant now, String client) {
        lockedUntil = now.plus(LOCKOUT);
        failures = 0;
        LOG.log(Level.WARNING, "The admin account is locked for " + LOCKOUT.toSeconds() + " s after " + MAX_FAILURES
                + " failed sign-ins (the last from " + client + ").");
        AuditTrail trail = audit;
        if (trail != null) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("time", now.toString());
            line.put("user", USER);
            line.put("decision", "ACCOUNT_LOCKED");
            line.put("client", client);
            line.put("failures", MAX_FAILURES);
            line.put("until", lockedUntil.toString());
            try {
                trail.append(line);
            } catch (IOException e) {
                LOG.log(Level.ERROR, "Could not audit the lock-out: " + e.getMessage());
            }
        }
    }

    private long retryAfter(Instant now) {
        return Math.max(1, Duration.between(now, lockedUntil).toSeconds() + 1);
    }

    private boolean matches(String password) {
        Verified last = verified;
        byte[] digest = sha256(password);
        if (last != null && last.until().isAfter(clock.instant()) && MessageDigest.isEqual(last.sha256(), digest)) {
            return true;
        }
        boolean ok = PasswordHash.matches(password.toCharArray(), hash);
        if (ok) {
            // The slow hash guards the stored password; a script sending Basic auth on every call should not
            // pay it every time: the verified password is remembered (as a SHA-256) for a minute.
            verified = new Verified(digest, clock.instant().plus(VERIFIED_FOR));
        }
        return ok;
    }

    /** An HTTP Basic {@code Authorization} header's user, when the header is well formed. */
    static Optional<String[]> basic(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.of(new String[] {"", ""});
        }
        int colon = decoded.indexOf(':');
        return Optional.of(colon < 0 ? new String[] {decoded, ""} : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)});
    }

    /** Checks an HTTP Basic header (for the Web Console's security provider as for the API). */
    public Attempt checkBasic(String authorizationHeader, String client) {
        Optional<String[]> credentials = basic(authorizationHeader);
        if (credentials.isEmpty()) {
            return new Attempt(Verdict.WRONG, 0);
        }
        return signIn(credentials.get()[0], credentials.get()[1], client);
    }

    Session login(String user) {
        Session session = new Session(token(), user, token(), clock.instant());
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
        Instant now = clock.instant();
        if (session.lastUsed().plus(SESSION_IDLE).isBefore(now)) {
            sessions.remove(id);
            return Optional.empty();
        }
        Session touched = new Session(session.id(), session.user(), session.csrfToken(), now);
        sessions.put(id, touched);
        return Optional.of(touched);
    }

    /** The user of a live session, for the Web Console's security provider. */
    public Optional<String> sessionUser(String sessionId) {
        return session(sessionId).map(Session::user);
    }

    void logout(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    private String token() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] sha256(String password) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
