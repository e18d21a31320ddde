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
        String boundary = "----appsign-test-" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> part : parts.entrySet()) {
            if (part.getValue() == null) {
                continue;
            }
            String fileName = part.getKey().equals("app") ? "app.jar" : "app.jar.sig";
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part.getKey() + "\"; filename=\""
                    + fileName + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(part.getValue());
            body.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send(HttpRequest.newBuilder(URI.create(host.url("/api/apps")))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())), basic("admin", HostProcess.PASSWORD));
    }

    Response upload(byte[] app, byte[] signature) throws Exception {
        Map<String, byte[]> parts = new LinkedHashMap<>();
        parts.put("signature", signature);
        parts.put("app", app);
        return upload(parts);
    }
}
