package io.appsigning.pluginmanager.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import javax.servlet.RequestDispatcher;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Component;

/**
 * Every error the server answers by itself (an exception escaping a servlet, a body the server
 * could not parse, a 404 outside the API) as the API's JSON error: no HTML, no stack trace, no
 * class name.
 */
@Component(service = Servlet.class, property = {
    "osgi.http.whiteboard.servlet.name=appsigning-errors",
    "osgi.http.whiteboard.servlet.errorPage=4xx",
    "osgi.http.whiteboard.servlet.errorPage=5xx",
    "osgi.http.whiteboard.servlet.errorPage=java.lang.Throwable"})
public final class ErrorPageServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(ErrorPageServlet.class.getName());

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        Object thrown = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        int status = code instanceof Integer number && number >= 400 ? number : 500;
        if (thrown instanceof Throwable t) {
            // One short line: the client's fault (a broken body) is not worth a stack trace in the product log.
            LOG.log(status >= 500 ? Level.WARNING : Level.INFO, "Request " + Origins.printable(String.valueOf(
                    request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI))) + " failed: " + t.getClass().getSimpleName()
                    + ": " + Origins.printable(String.valueOf(t.getMessage())));
            if (status == 500 && isClientFault(t)) {
                status = 400;
            }
        }
        if (response.isCommitted()) {
            return;
        }
        response.resetBuffer();
        SecurityHeadersFilter.apply(response);
        response.setHeader("Cache-Control", "no-store");
        String error = switch (status) {
            case 400 -> "BAD_REQUEST";
            case 401 -> "UNAUTHORIZED";
            case 403 -> "FORBIDDEN";
            case 404 -> "NOT_FOUND";
            case 405 -> "METHOD_NOT_ALLOWED";
            case 408 -> "REQUEST_TIMEOUT";
            case 413 -> "TOO_LARGE";
            default -> status >= 500 ? "INTERNAL" : "BAD_REQUEST";
        };
        ApiServlet.error(response, status, error, status >= 500
                ? "An internal error occurred; the product log has the details." : "The request could not be served.");
    }

    private static boolean isClientFault(Throwable t) {
        for (Throwable cause = t; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException || cause.getClass().getName().endsWith("BadMessageException")) {
                return true;
            }
        }
        return false;
    }
}
