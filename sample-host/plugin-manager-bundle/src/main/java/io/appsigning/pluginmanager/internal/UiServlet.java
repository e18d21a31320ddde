package io.appsigning.pluginmanager.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Map;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The web UI: a few static files from this bundle. A servlet rather than a whiteboard resource so
 * that "/" serves the page and any other path is a JSON 404, not a directory listing; the
 * security headers come from {@link SecurityHeadersFilter}.
 */
@Component(service = Servlet.class, property = {
    "osgi.http.whiteboard.servlet.name=appsigning-ui",
    "osgi.http.whiteboard.servlet.pattern=/"})
public final class UiServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Map<String, String> FILES = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/app.js", "app.js",
            "/app.css", "app.css",
            "/favicon.svg", "favicon.svg");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=UTF-8",
            "js", "text/javascript; charset=UTF-8",
            "css", "text/css; charset=UTF-8",
            "svg", "image/svg+xml");

    private transient Bundle bundle;

    @Activate
    void activate(BundleContext context) {
        bundle = context.getBundle();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String file = FILES.get(request.getRequestURI());
        URL resource = file == null ? null : bundle.getEntry("ui/" + file);
        if (resource == null) {
            ApiServlet.error(response, 404, "NOT_FOUND", "No such page.");
            return;
        }
        response.setContentType(TYPES.get(file.substring(file.lastIndexOf('.') + 1)));
        response.setHeader("Cache-Control", "no-cache");
        try (InputStream in = resource.openStream()) {
            in.transferTo(response.getOutputStream());
        }
    }
}
