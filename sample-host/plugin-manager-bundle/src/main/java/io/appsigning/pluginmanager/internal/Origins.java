package io.appsigning.pluginmanager.internal;

import java.net.URI;
import java.util.Locale;
import javax.servlet.http.HttpServletRequest;

/** Which site a browser request comes from, and text made safe for one log line. */
final class Origins {

    private Origins() {}

    /**
     * Whether a browser sent this request from another site: its {@code Sec-Fetch-Site} says so,
     * or its {@code Origin} names another host than the one it was sent to. Scripts send neither.
     */
    static boolean crossSite(HttpServletRequest request) {
        return crossSite(request.getHeader("Sec-Fetch-Site"), request.getHeader("Origin"), request.getHeader("Host"));
    }

    static boolean crossSite(String secFetchSite, String origin, String host) {
        if (secFetchSite != null) {
            String site = secFetchSite.strip().toLowerCase(Locale.ROOT);
            if (!site.equals("same-origin") && !site.equals("none")) {
                return true;
            }
        }
        if (origin == null) {
            return false;
        }
        if (host == null) {
            return true;
        }
        try {
            URI uri = URI.create(origin.strip());
            if (uri.getHost() == null || uri.getScheme() == null) {
                return true; // "null" and other opaque origins
            }
            return !authority(uri.getScheme(), uri.getHost(), uri.getPort()).equals(hostAuthority(host, uri.getScheme()));
        } catch (IllegalArgumentException e) {
            return true;
        }
    }

    private static String hostAuthority(String host, String scheme) {
        URI uri = URI.create(scheme + "://" + host.strip());
        return authority(scheme, uri.getHost() == null ? host.strip() : uri.getHost(), uri.getPort());
    }

    /** Host and port, the scheme's default port made explicit, so that "x" and "x:80" compare equal. */
    private static String authority(String scheme, String host, int port) {
        int effective = port >= 0 ? port : scheme.equalsIgnoreCase("https") ? 443 : 80;
        return host.toLowerCase(Locale.ROOT) + ":" + effective;
    }

    /** Control characters escaped, so that text from a request can never forge a log line. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), 300));
        text.codePoints().limit(300).forEach(c -> {
            if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
                    || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
