package io.appsigning.pluginmanager.internal;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Base64;
import java.util.Optional;
import org.apache.felix.webconsole.spi.SecurityProvider;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The Apache Felix Web Console behind the product's own admin account (DESIGN.md, "Sample host"):
 * HTTP Basic with the admin password, or the plugin manager's session, and the same origin rule as
 * the REST API: a state-changing request that another site sent is refused. The host makes the
 * console wait for this provider ({@code felix.webconsole.security.providers}), so its built-in
 * {@code admin}/{@code admin} never answers.
 */
@Component(service = SecurityProvider.class,
        property = SecurityProvider.PROPERTY_ID + "=" + WebConsoleSecurity.PROVIDER_ID)
public final class WebConsoleSecurity implements SecurityProvider {

    /** The id the host lists in {@code felix.webconsole.security.providers}. */
    static final String PROVIDER_ID = "appsigning";
    /** The plugin manager UI's session cookie (ApiServlet.SESSION_COOKIE). */
    static final String SESSION_COOKIE = "APPSIGN_SESSION";
    private static final String REALM = "App signing: OSGi console";
    private static final System.Logger LOG = System.getLogger(WebConsoleSecurity.class.getName());

    /**
     * What this needs of the admin account: the methods {@code AdminAuth} is to offer as a shared
     * service, so that the console, the REST API and the UI share one lock-out count and one set of
     * sessions. Until then {@link AdminAuthAdapter} provides them over today's {@code AdminAuth}.
     */
    interface Credentials {
        /** Whether this client is locked out after too many failures. */
        boolean lockedOut(String client);

        /** The user an {@code Authorization: Basic} header signs in, counting a failure against the client. */
        Optional<String> checkBasic(String authorizationHeader, String client);

        /** The user of a live session (the value of the session cookie). */
        Optional<String> sessionUser(String sessionId);

        void logout(String sessionId);
    }

    private volatile Credentials credentials;

    @Activate
    void activate(BundleContext context) {
        String home = context.getProperty("appsigning.home");
        credentials = new AdminAuthAdapter(Path.of(home != null ? home : "upm-home").resolve("data").resolve("admin.pwd"));
    }

    @Override
    public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
        Credentials admin = credentials;
        String client = request.getRemoteAddr();
        boolean changesState = !request.getMethod().equals("GET") && !request.getMethod().equals("HEAD");
        String authorization = request.getHeader("Authorization");
        try {
            if (authorization != null) {
                // Scripts use Basic; a browser's request that another site made must not ride on it.
                if (changesState && fromAnotherSite(request)) {
                    return refuse(response, 403, "A state-changing request from another site is refused.");
                }
                if (admin.lockedOut(client)) {
                    return lockedOut(response);
                }
                Optional<String> user = admin.checkBasic(authorization, client);
                if (user.isEmpty()) {
                    return admin.lockedOut(client) ? lockedOut(response) : challenge(response);
                }
                return user.get();
            }
            Optional<String> user = Optional.ofNullable(sessionCookie(request)).flatMap(admin::sessionUser);
            if (user.isEmpty()) {
                return challenge(response);
            }
            // A session is a browser's: the console has no CSRF token of ours, so it must prove where it came from.
            if (changesState && !fromThisOrigin(request)) {
                return refuse(response, 403, "A state-changing request must come from this console's own pages.");
            }
            return user.get();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Could not answer a refused Web Console request", e);
            return null;
        }
    }

    @Override
    public boolean authorize(Object user, String role) {
        return AdminAuth.USER.equals(user);
    }

    @Override
    public void logout(HttpServletRequest request, HttpServletResponse response) {
        String session = sessionCookie(request);
        if (session != null) {
            credentials.logout(session);
        }
    }

    /** The request names another site: an Origin that is not this one, or a fetch that is not same-origin. */
    static boolean fromAnotherSite(HttpServletRequest request) {
        String origin = request.getHeader("Origin");
        if (origin != null && !origin.equals(ownOrigin(request))) {
            return true;
        }
        String site = request.getHeader("Sec-Fetch-Site");
        return site != null && !site.equals("same-origin") && !site.equals("none");
    }

    /** The request says it came from this origin, and nothing says otherwise. */
    static boolean fromThisOrigin(HttpServletRequest request) {
        if (fromAnotherSite(request)) {
            return false;
        }
        return "same-origin".equals(request.getHeader("Sec-Fetch-Site")) || ownOrigin(request).equals(request.getHeader("Origin"));
    }

    private static String ownOrigin(HttpServletRequest request) {
        return request.getScheme() + "://" + request.getHeader("Host");
    }

    private static String sessionCookie(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies != null) {
            for (Cookie cookie : cookies) {
                if (SESSION_COOKIE.equals(cookie.getName())) {
                    return cookie.getValue();
                }
            }
        }
        return null;
    }

    private static Object challenge(HttpServletResponse response) throws IOException {
        response.setHeader("WWW-Authenticate", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
        return refuse(response, 401, "Sign in as the product's administrator.");
    }

    private static Object lockedOut(HttpServletResponse response) throws IOException {
        response.setHeader("Retry-After", "60");
        return refuse(response, 429, "Too many failed sign-ins; try again later.");
    }

    /** Answers and commits, so that nothing after the security check can change the answer. */
    private static Object refuse(HttpServletResponse response, int status, String message) throws IOException {
        response.setStatus(status);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("text/plain;charset=UTF-8");
        response.getOutputStream().write((message + "\n").getBytes(StandardCharsets.UTF_8));
        response.flushBuffer();
        return null;
    }

    /**
     * {@link Credentials} over today's {@code AdminAuth}, which the plugin manager's component keeps
     * to itself: this opens the same password hash file (never creating one: the plugin manager
     * does, and prints a generated password once) and follows its changes. Its lock-out count and
     * sessions are its own until {@code AdminAuth} is a shared service; then this class goes.
     */
    static final class AdminAuthAdapter implements Credentials {

        private final Path hashFile;
        private record Opened(FileTime modified, AdminAuth auth) {}
        private volatile Opened opened;

        AdminAuthAdapter(Path hashFile) {
            this.hashFile = hashFile;
        }

        /** The account as the hash file says now; empty (nobody signs in) until the file exists. */
        private Optional<AdminAuth> auth() {
            try {
                FileTime modified = Files.getLastModifiedTime(hashFile);
                Opened current = opened;
                if (current == null || !current.modified().equals(modified)) {
                    current = new Opened(modified, AdminAuth.open(hashFile, null));
                    opened = current;
                }
                return Optional.of(current.auth());
            } catch (NoSuchFileException e) {
                return Optional.empty();
            } catch (IOException e) {
                LOG.log(Level.ERROR, "Cannot read the admin password hash " + hashFile + "; the Web Console refuses everyone", e);
                return Optional.empty();
            }
        }

        @Override
        public boolean lockedOut(String client) {
            return auth().map(auth -> auth.lockedOut(client)).orElse(false);
        }

        @Override
        public Optional<String> checkBasic(String authorizationHeader, String client) {
            if (!authorizationHeader.regionMatches(true, 0, "Basic ", 0, 6)) {
                return Optional.empty();
            }
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(authorizationHeader.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                return Optional.empty();
            }
            String user = decoded.substring(0, colon);
            String password = decoded.substring(colon + 1);
            return auth().filter(auth -> auth.check(client, user, password)).map(auth -> user);
        }

        @Override
        public Optional<String> sessionUser(String sessionId) {
            return auth().flatMap(auth -> auth.session(sessionId)).map(AdminAuth.Session::user);
        }

        @Override
        public void logout(String sessionId) {
            auth().ifPresent(auth -> auth.logout(sessionId));
        }
    }
}
