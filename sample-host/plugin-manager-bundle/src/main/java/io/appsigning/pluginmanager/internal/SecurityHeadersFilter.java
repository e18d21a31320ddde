package io.appsigning.pluginmanager.internal;

import java.io.IOException;
import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Component;

/**
 * Security headers on every answer of the plugin manager, errors included, and no TRACE (which
 * would echo a request's headers, cookies and all, back to a script).
 */
@Component(service = Filter.class, property = {
    "osgi.http.whiteboard.filter.name=appsigning-security-headers",
    "osgi.http.whiteboard.filter.pattern=/*",
    "osgi.http.whiteboard.filter.dispatcher=REQUEST",
    "osgi.http.whiteboard.filter.dispatcher=ERROR",
    "osgi.http.whiteboard.filter.asyncSupported=true"})
public final class SecurityHeadersFilter implements Filter {

    static final String CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletResponse http = (HttpServletResponse) response;
        apply(http);
        String method = ((HttpServletRequest) request).getMethod();
        if (method.equals("TRACE") || method.equals("TRACK")) {
            http.setHeader("Allow", "GET, HEAD, POST, PUT, DELETE");
            ApiServlet.error(http, 405, "METHOD_NOT_ALLOWED", "This method is not served.");
            return;
        }
        chain.doFilter(request, response);
    }

    static void apply(HttpServletResponse response) {
        response.setHeader("Content-Security-Policy", CSP);
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Referrer-Policy", "no-referrer");
    }
}
