package io.appsigning.pluginmanager.internal;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.felix.webconsole.spi.SecurityProvider;
import org.osgi.service.component.annotations.Reference;
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

    /** The admin account the plugin manager uses: one password, one lock-out count, one set of sessions. */
    @Reference
    private AdminAuth admin;

    @Override
    public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
        String client = request.getRemoteAddr();
        boolean changesState = !request.getMethod().equals("GET") && !request.getMethod().equals("HEAD");
        String authorization = request.getHeader("Authorization");
        try {
            if (authorization != null) {
                // Scripts use Basic; a browser's request that another site made must not ride on it.
                if (changesState && fromAnotherSite(request)) {
                    return refuse(response, 403, "A state-changing request from another site is refused.");
                }
                AdminAuth.Attempt attempt = admin.checkBasic(authorization, client);
                return switch (attempt.verdict()) {
                    case OK -> AdminAuth.USER;
                    case LOCKED -> lockedOut(response, attempt.retryAfterSeconds());
                    case WRONG -> challenge(response);
                    case UNAVAILABLE -> refuse(response, 503, AdminAuth.CLUSTER_UNAVAILABLE_MESSAGE);
                };
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
        } catch (AdminAuth.Unavailable e) {
            return refuseQuietly(response, 503, AdminAuth.CLUSTER_UNAVAILABLE_MESSAGE);
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
            try {
                admin.logout(session);
            } catch (AdminAuth.Unavailable e) {
                // The session outlives this sign-out until it expires; the browser forgets its cookie all the same.
                LOG.log(Level.WARNING, "A Web Console sign-out could not end its session: " + e.getMessage());
            }
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

    private static Object lockedOut(HttpServletResponse response, long retryAfterSeconds) throws IOException {
        response.setHeader("Retry-After", Long.toString(retryAfterSeconds));
        return refuse(response, 429, "Too many failed sign-ins; try again later.");
    }

    private static Object refuseQuietly(HttpServletResponse response, int status, String message) {
        try {
            return refuse(response, status, message);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Could not answer a refused Web Console request", e);
            return null;
        }
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
}
