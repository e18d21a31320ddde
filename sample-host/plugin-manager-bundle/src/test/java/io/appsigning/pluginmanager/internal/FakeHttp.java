package io.appsigning.pluginmanager.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import javax.servlet.ReadListener;
import javax.servlet.ServletInputStream;
import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * One request through {@link ApiServlet#service}, without a web server: the servlet reads only
 * the method, path, headers, cookies, parameters, client address and body, and writes status,
 * headers and a body. Anything else it asks for answers nothing.
 */
final class FakeHttp {

    /** What the servlet answered. */
    record Answer(int status, Map<String, String> headers, JsonNode body) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private FakeHttp() {}

    static Answer call(ApiServlet servlet, String method, String path, Map<String, String> headers, String sessionCookie,
                       Map<String, String> parameters) throws IOException {
        return call(servlet, method, path, headers, sessionCookie, parameters, new byte[0]);
    }

    /** As above, with a request body. */
    static Answer call(ApiServlet servlet, String method, String path, Map<String, String> headers, String sessionCookie,
                       Map<String, String> parameters, byte[] requestBody) throws IOException {
        ByteArrayInputStream bytes = new ByteArrayInputStream(requestBody);
        ServletInputStream input = new ServletInputStream() {
            @Override
            public int read() {
                return bytes.read();
            }

            @Override
            public boolean isFinished() {
                return bytes.available() == 0;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setReadListener(ReadListener listener) {
                throw new UnsupportedOperationException();
            }
        };
        HttpServletRequest request = (HttpServletRequest) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, invoked, args) -> switch (invoked.getName()) {
                    case "getMethod" -> method;
                    case "getPathInfo" -> path;
                    case "getHeader" -> headers.get((String) args[0]);
                    case "getCookies" -> sessionCookie == null ? null
                            : new Cookie[] {new Cookie(ApiServlet.SESSION_COOKIE, sessionCookie)};
                    case "getParameter" -> parameters.get((String) args[0]);
                    case "getRemoteAddr" -> "10.0.0.7";
                    case "getContentLengthLong" -> -1L;
                    case "getInputStream" -> input;
                    default -> defaultValue(invoked.getReturnType());
                });
        int[] status = {200};
        Map<String, String> answered = new HashMap<>();
        StringWriter body = new StringWriter();
        PrintWriter writer = new PrintWriter(body);
        HttpServletResponse response = (HttpServletResponse) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (proxy, invoked, args) -> {
                    switch (invoked.getName()) {
                        case "setStatus" -> status[0] = (Integer) args[0];
                        case "getStatus" -> {
                            return status[0];
                        }
                        case "setHeader", "addHeader" -> answered.put((String) args[0], (String) args[1]);
                        case "setContentType" -> answered.put("Content-Type", (String) args[0]);
                        case "getWriter" -> {
                            return writer;
                        }
                        default -> {
                            return defaultValue(invoked.getReturnType());
                        }
                    }
                    return null;
                });
        servlet.service(request, response);
        writer.flush();
        return new Answer(status[0], answered, body.toString().isEmpty() ? null : JSON.readTree(body.toString()));
    }

    private static Object defaultValue(Class<?> type) {
        if (type == boolean.class) {
            return false;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        return null;
    }
}
