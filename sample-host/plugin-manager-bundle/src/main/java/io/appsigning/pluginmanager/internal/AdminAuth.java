package io.appsigning.pluginmanager.internal;

import io.appsigning.audit.AuditTrail;
import io.appsigning.cluster.ClusterMode;
import io.appsigning.cluster.ClusterSessions;
import io.appsigning.cluster.ClusterSessions.Admission;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
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
 *
 * <p>In Data Center mode ({@link ClusterMode#DATABASE} set) the sessions and the count live in the
 * cluster's database ({@link ClusterSessions}) and the hash in the shared home, so that every node
 * knows one password and any node may answer any request. Without the database nobody signs in
 * and no session is honoured: {@link Verdict#UNAVAILABLE}, {@link Unavailable}.
 */
@Component(service = AdminAuth.class)
public final class AdminAuth {

    static final String USER = "admin";
    static final Duration SESSION_IDLE = Duration.ofMinutes(30);
    static final int MAX_FAILURES = 10;
    static final Duration LOCKOUT = Duration.ofMinutes(1);
    private static final Duration VERIFIED_FOR = Duration.ofMinutes(1);
    private static final System.Logger LOG = System.getLogger(AdminAuth.class.getName());
    /** Only the product reads its own home's hash. */
    private static final String LOCAL_HASH_MODE = "rw-------";
    /**
     * The nodes of a cluster may run as different users of one product group (the shared home is
     * that group's): each must read the one hash.
     */
    private static final String SHARED_HASH_MODE = "rw-r-----";
    /** A hash line is about 100 bytes; whoever can write the shared home can replace it, so no more than this is read. */
    static final int MAX_HASH_FILE = 4096;

    /** The stable error code of a sign-in or session check that the cluster's database could not answer. */
    public static final String CLUSTER_UNAVAILABLE = "CLUSTER_UNAVAILABLE";
    /** What a person is told then. */
    public static final String CLUSTER_UNAVAILABLE_MESSAGE = "The cluster's database cannot be reached, so nobody can sign in"
            + " and sessions cannot be checked on any node; try again when it is back. Installed apps keep running.";

    /** The outcome of one sign-in attempt; {@code UNAVAILABLE}: in Data Center mode, the database could not be asked. */
    public enum Verdict { OK, WRONG, LOCKED, UNAVAILABLE }

    /**
     * Data Center mode only: a session could not be made, checked or ended because the cluster's
     * database could not be reached. Unchecked, so that no caller can mistake it for "no session".
     */
    public static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(IOException cause) {
            super(CLUSTER_UNAVAILABLE_MESSAGE, cause);
        }
    }

    /**
     * @param verdict           what happened
     * @param retryAfterSeconds while locked, how long until the next attempt is evaluated
     */
    public record Attempt(Verdict verdict, long retryAfterSeconds) {}

    /**
     * @param hashTag {@link #hashTag} of the password hash the session was made under: a reset of the
     *                password ends it, on every node, even where sessions outlive a restart (the database)
     */
    record Session(String id, String user, String csrfToken, Instant lastUsed, String hashTag) {}

    /**
     * A hash file that was read but holds nothing this product would check a password against (too
     * large, malformed, an iteration count out of range). Never used: nobody signs in until it is
     * fixed or replaced through APPSIGN_ADMIN_PASSWORD, as a weakened or costly hash must not count.
     */
    static final class RefusedHash extends Exception {
        private static final long serialVersionUID = 1L;

        RefusedHash(Path file, String reason) {
            super("The admin password hash " + file + " is refused: " + reason + ". Nobody can sign in until it is"
                    + " replaced: start the host (in Data Center mode, any node) once with APPSIGN_ADMIN_PASSWORD set.");
        }
    }

    /** A password that matched {@code hash} recently (as its SHA-256). */
    private record Verified(byte[] sha256, String hash, Instant until) {}

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile AuditTrail audit;

    /** Data Center mode's sessions; looked up on every call, and never used on a single node. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ClusterSessions clusterSessions;

    private final SecureRandom random = new SecureRandom();
    private volatile SessionStore store = new MemorySessions();
    private Clock clock = Clock.systemUTC();
    /** Null while the hash file is refused ({@link RefusedHash}): no password matches, no session holds. */
    private volatile String hash;
    private volatile Verified verified;
    /** Data Center mode: the shared hash file, re-read when another node changes it; null on a single node. */
    private volatile Path sharedHashFile;
    private volatile List<Object> sharedHashStamp;

    @Activate
    void activate(BundleContext context) throws IOException {
        if (ClusterMode.on(context.getProperty(ClusterMode.DATABASE))) {
            String shared = context.getProperty(ClusterMode.SHARED_HOME);
            if (shared == null || shared.isBlank()) {
                throw new IllegalStateException("Data Center mode (" + ClusterMode.DATABASE + ") needs the framework property "
                        + ClusterMode.SHARED_HOME + ": every node keeps the admin password's hash in the shared home.");
            }
            cluster(() -> clusterSessions, Path.of(shared).resolve("data").resolve("admin.pwd"),
                    System.getenv("APPSIGN_ADMIN_PASSWORD"));
            return;
        }
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
        String stored = null;
        boolean refused = false;
        try {
            stored = read(hashFile);
        } catch (RefusedHash e) {
            refused = true;
            LOG.log(Level.ERROR, e.getMessage());
        }
        if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
            if (stored == null || !PasswordHash.matches(fromEnvironment.toCharArray(), stored)) {
                stored = PasswordHash.hash(fromEnvironment.toCharArray());
                write(hashFile, stored, LOCAL_HASH_MODE);
                System.out.println("Admin password set from APPSIGN_ADMIN_PASSWORD.");
            }
        } else if (stored == null && !refused) {
            String generated = PasswordHash.generate();
            stored = PasswordHash.hash(generated.toCharArray());
            write(hashFile, stored, LOCAL_HASH_MODE);
            System.out.println("Admin user: " + USER + "   password (shown only now, stored only as a hash): " + generated);
        }
        hash = stored;
    }

    /**
     * Data Center mode: sessions and the lock-out through {@code sessions}, and the one hash every
     * node shares. Nodes may start at the same moment: the first to put its hash in place wins and
     * the others read it, so a generated password is printed by exactly one node. A password in the
     * environment that differs from the shared hash still replaces it, as on a single node.
     */
    void cluster(Supplier<ClusterSessions> sessions, Path hashFile, String fromEnvironment) throws IOException {
        store = new ClusterSessionStore(sessions);
        boolean fromEnv = fromEnvironment != null && !fromEnvironment.isEmpty();
        String stored = null;
        boolean refused = false;
        try {
            stored = read(hashFile);
        } catch (RefusedHash e) {
            refused = true;
            LOG.log(Level.ERROR, e.getMessage());
        }
        if (stored == null && !refused) {
            String generated = fromEnv ? null : PasswordHash.generate();
            String made = PasswordHash.hash((fromEnv ? fromEnvironment : generated).toCharArray());
            if (createIfAbsent(hashFile, made, SHARED_HASH_MODE)) {
                stored = made;
                System.out.println(fromEnv ? "Admin password set from APPSIGN_ADMIN_PASSWORD (shared by every node)."
                        : "Admin user: " + USER + "   password (shown only now, stored only as a hash, shared by every node): "
                        + generated);
            } else {
                try {
                    stored = read(hashFile);
                } catch (RefusedHash e) {
                    refused = true;
                    LOG.log(Level.ERROR, e.getMessage());
                }
                if (stored == null && !refused) {
                    throw new IOException("Another node made " + hashFile + " but it cannot be read.");
                }
                if (!fromEnv) {
                    System.out.println("Admin password: another node made it at the same moment and printed it.");
                }
            }
        }
        if (fromEnv && (stored == null || !PasswordHash.matches(fromEnvironment.toCharArray(), stored))) {
            stored = PasswordHash.hash(fromEnvironment.toCharArray());
            write(hashFile, stored, SHARED_HASH_MODE);
            System.out.println("Admin password set from APPSIGN_ADMIN_PASSWORD (shared by every node).");
        }
        hash = stored;
        sharedHashFile = hashFile;
        sharedHashStamp = stamp(hashFile);
    }

    /** The stored hash, or null when there is no file. */
    private static String read(Path hashFile) throws IOException, RefusedHash {
        if (!Files.exists(hashFile)) {
            return null;
        }
        if (!Files.isRegularFile(hashFile)) {
            throw new RefusedHash(hashFile, "it is not a regular file"); // a FIFO would hang every sign-in
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(hashFile)) {
            bytes = in.readNBytes(MAX_HASH_FILE + 1);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (bytes.length > MAX_HASH_FILE) {
            throw new RefusedHash(hashFile, "it is larger than " + MAX_HASH_FILE + " bytes");
        }
        String stored = new String(bytes, StandardCharsets.US_ASCII).trim();
        String problem = PasswordHash.problem(stored);
        if (problem != null) {
            throw new RefusedHash(hashFile, problem);
        }
        return stored;
    }

    /**
     * Puts a new hash file in place unless one is there already: a hard link does not replace its
     * target (a rename would), so of two nodes only one wins. False when another node was first.
     */
    private static boolean createIfAbsent(Path file, String hash, String mode) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = Files.createTempFile(file.getParent(), ".admin", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
        try {
            Files.writeString(temp, hash + "\n", StandardCharsets.US_ASCII);
            try {
                Files.createLink(file, temp);
            } catch (UnsupportedOperationException e) {
                Files.move(temp, file); // a file system without hard links: refuses an existing target too
            }
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static List<Object> stamp(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(attributes.lastModifiedTime(), attributes.size(), String.valueOf(attributes.fileKey()));
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * The hash to check against. In Data Center mode another node may have replaced the shared one
     * (an operator's reset through APPSIGN_ADMIN_PASSWORD): the old password must stop working on
     * every node, so the file is read again when it changed. If it cannot be read, the last hash
     * stands: an unreachable shared home says nothing about the password. If it was read but is
     * refused ({@link RefusedHash}), nothing stands and this is null: the old password must not
     * outlive a reset whose new hash is unusable.
     */
    private String currentHash() {
        Path file = sharedHashFile;
        if (file == null) {
            return hash;
        }
        List<Object> now = stamp(file);
        if (!now.isEmpty() && !now.equals(sharedHashStamp)) {
            try {
                String reread = read(file);
                if (reread != null) {
                    hash = reread;
                    sharedHashStamp = now;
                }
            } catch (RefusedHash e) {
                LOG.log(Level.ERROR, e.getMessage());
                hash = null;
                sharedHashStamp = now;
            } catch (IOException e) {
                LOG.log(Level.WARNING, "Could not read the shared admin password hash " + file + ": " + e.getMessage());
            }
        }
        return hash;
    }

    /** For tests: a clock to move the lock-out and session expiry along. */
    void clock(Clock clock) {
        this.clock = clock;
    }

    private static void write(Path file, String hash, String mode) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = Files.createTempFile(file.getParent(), ".admin", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
        Files.writeString(temp, hash + "\n", StandardCharsets.US_ASCII);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * One sign-in attempt, by HTTP Basic or the sign-in page alike. While the account is locked the
     * password is not even looked at, so the right one does not get through either.
     */
    public Attempt signIn(String user, String password, String client) {
        Instant now = clock.instant();
        SessionStore accounts = store;
        try {
            Admission admission = accounts.admit(now);
            if (!admission.admitted()) {
                if (admission.lockedNow()) {
                    lockedNow(now, admission.lockedUntil(), client);
                }
                return new Attempt(Verdict.LOCKED, retryAfter(now, admission.lockedUntil()));
            }
            boolean ok = USER.equals(user) && password != null && matches(password);
            if (accounts.settle(ok, now)) {
                lockedNow(now, now.plus(LOCKOUT), client);
            }
            return new Attempt(ok ? Verdict.OK : Verdict.WRONG, 0);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "A sign-in from " + client + " was refused: " + e.getMessage());
            return new Attempt(Verdict.UNAVAILABLE, 0);
        }
    }

    /** The store says this attempt locked the account: said and audited once, by the node that locked it. */
    private void lockedNow(Instant now, Instant lockedUntil, String client) {
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

    private static long retryAfter(Instant now, Instant lockedUntil) {
        return Math.max(1, Duration.between(now, lockedUntil).toSeconds() + 1);
    }

    private boolean matches(String password) {
        String current = currentHash();
        if (current == null) {
            LOG.log(Level.WARNING, "A sign-in was refused: the admin password hash was refused when read (the reason is logged above).");
            return false;
        }
        Verified last = verified;
        byte[] digest = sha256(password);
        if (last != null && last.hash().equals(current) && last.until().isAfter(clock.instant())
                && MessageDigest.isEqual(last.sha256(), digest)) {
            return true;
        }
        boolean ok = PasswordHash.matches(password.toCharArray(), current);
        if (ok) {
            // The slow hash guards the stored password; a script sending Basic auth on every call should not
            // pay it every time: the verified password is remembered (as a SHA-256) for a minute.
            verified = new Verified(digest, current, clock.instant().plus(VERIFIED_FOR));
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

    /** A new session; throws {@link Unavailable} in Data Center mode without the database. */
    Session login(String user) {
        Session session = new Session(token(), user, token(), clock.instant(), hashTag(currentHash()));
        try {
            store.put(session);
        } catch (IOException e) {
            throw new Unavailable(e);
        }
        return session;
    }

    /**
     * The live session of that id, or empty. Throws {@link Unavailable} in Data Center mode when the
     * database cannot say: a cookie is then neither honoured nor declared invalid.
     */
    Optional<Session> session(String id) {
        if (id == null) {
            return Optional.empty();
        }
        try {
            Optional<Session> live = store.touch(id, clock.instant());
            String current = currentHash();
            if (live.isPresent() && (current == null || !live.get().hashTag().equals(hashTag(current)))) {
                // The password was reset since (on any node): a cookie taken before must not outlive the reset.
                // Removed rather than left to expire, as each refused use would otherwise keep it fresh.
                store.remove(id);
                return Optional.empty();
            }
            return live;
        } catch (IOException e) {
            throw new Unavailable(e);
        }
    }

    /** The user of a live session, for the Web Console's security provider; throws {@link Unavailable} as {@link #session}. */
    public Optional<String> sessionUser(String sessionId) {
        return session(sessionId).map(Session::user);
    }

    void logout(String id) {
        if (id != null) {
            try {
                store.remove(id);
            } catch (IOException e) {
                throw new Unavailable(e);
            }
        }
    }

    private String token() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * A short fingerprint of a password hash, to tell which hash a session was made under. Not a
     * secret: it is kept beside the session in the cluster's database, and without the salt, which
     * only the shared home holds, it says nothing of the password. A new hash always has a new salt,
     * so a reset changes it even when the password is set to the same value again.
     */
    static String hashTag(String hash) {
        if (hash == null) {
            return ""; // a refused hash file: such a session is refused now, and by every hash that follows
        }
        return HexFormat.of().formatHex(sha256(hash), 0, 8);
    }

    private static byte[] sha256(String password) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
