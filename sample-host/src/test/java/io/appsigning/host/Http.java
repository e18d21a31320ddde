package io.appsigning.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** A small REST client for the tests: Basic auth, JSON, and multipart uploads in a chosen part order. */
final class Http {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newHttpClient();
    private final HostProcess host;

    record Response(int status, JsonNode json, String text) {
        String code() {
            return json == null ? null : json.path("error").path("code").asText(null);
        }
    }

    Http(HostProcess host) {
        this.host = host;
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    Response send(HttpRequest.Builder request, String authorization) throws IOException, InterruptedException {
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        try {
            json = response.body().isEmpty() ? null : JSON.readTree(response.body());
        } catch (IOException e) {
            // not JSON
        }
        return new Response(response.statusCode(), json, response.body());
    }

    Response get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(host.url(path))).GET(), basic("admin", HostProcess.PASSWORD));
    }

    Response delete(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(host.url(path))).DELETE(), basic("admin", HostProcess.PASSWORD));
    }

    Response put(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(host.url(path))).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)), basic("admin", HostProcess.PASSWORD));
    }

    /** Uploads parts in the given order; a null value leaves the part out. */
    Response upload(Map<String, byte[]> parts) throws Exception {
        return upload(parts, "app.jar", Map.of(), Map.of());
    }

    Response upload(Map<String, byte[]> parts, String appFileName) throws Exception {
        return upload(parts, appFileName, Map.of(), Map.of());
    }

    /**
     * Uploads: the form fields first (as the UI sends them), then the parts in the given order, with
     * extra request headers (a browser's Origin, say).
     */
    Response upload(Map<String, byte[]> parts, String appFileName, Map<String, String> fields, Map<String, String> headers)
            throws Exception {
        String boundary = "----appsign-test-" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Map.Entry<String, String> field : fields.entrySet()) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey() + "\"\r\n\r\n"
                    + field.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        for (Map.Entry<String, byte[]> part : parts.entrySet()) {
            if (part.getValue() == null) {
                continue;
            }
            String fileName = part.getKey().equals("app") ? appFileName : "app.jar.sig";
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part.getKey() + "\"; filename=\""
                    + fileName + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(part.getValue());
            body.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(host.url("/api/apps")))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        headers.forEach(request::header);
        return send(request, basic("admin", HostProcess.PASSWORD));
    }

    Response upload(byte[] app, byte[] signature) throws Exception {
        return upload(app, signature, Map.of());
    }

    Response upload(byte[] app, byte[] signature, Map<String, String> fields) throws Exception {
        Map<String, byte[]> parts = new LinkedHashMap<>();
        parts.put("signature", signature);
        parts.put("app", app);
        return upload(parts, "app.jar", fields, Map.of());
    }

    Response uploadWithHeaders(byte[] app, byte[] signature, Map<String, String> headers) throws Exception {
        Map<String, byte[]> parts = new LinkedHashMap<>();
        parts.put("signature", signature);
        parts.put("app", app);
        return upload(parts, "app.jar", Map.of(), headers);
    }
}
