package io.appsigning.pluginmanager.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.appsigning.gate.AppRecord;
import io.appsigning.gate.AppRecords;
import io.appsigning.gate.InstallGate;
import io.appsigning.gate.InstallOutcome;
import io.appsigning.gate.InstallRequest;
import io.appsigning.gate.Origin;
import io.appsigning.gate.Policies;
import io.appsigning.gate.Policy;
import io.appsigning.gate.PolicyService;
import io.appsigning.gate.SignatureStatus;
import io.appsigning.health.CheckResult;
import io.appsigning.health.HealthJson;
import io.appsigning.health.HealthReport;
import io.appsigning.health.Status;
import io.appsigning.verifier.ReasonCode;
import io.appsigning.verifier.SignatureFiles;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/** The plugin manager's REST API (DESIGN.md, "Sample host"); the web UI uses exactly this. */
final class ApiServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    static final String SESSION_COOKIE = "APPSIGN_SESSION";
    private static final System.Logger LOG = System.getLogger(ApiServlet.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CHECK_ORDER = List.of("trust-store-permissions", "certificate-expiry", "signing-status");

    private final transient BundleContext context;
    private final transient AdminAuth auth;
    private final transient InstallGate gate;
    private final transient AppRecords records;
    private final transient PolicyService policies;
    private final transient Supplier<List<Map.Entry<Map<String, Object>, HealthCheck>>> healthChecks;
    private final transient Path uploadScratch;

    private record Caller(String user, AdminAuth.Session session) {}

    ApiServlet(BundleContext context, AdminAuth auth, InstallGate gate, AppRecords records, PolicyService policies,
               Supplier<List<Map.Entry<Map<String, Object>, HealthCheck>>> healthChecks, Path uploadScratch) {
        this.context = context;
        this.auth = auth;
        this.gate = gate;
        this.records = records;
        this.policies = policies;
        this.healthChecks = healthChecks;
        this.uploadScratch = uploadScratch;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
        String method = request.getMethod();
        try {
            if (path.equals("/login") && method.equals("POST")) {
                login(request, response);
                return;
            }
            Optional<Caller> caller = authenticate(request);
            if (caller.isEmpty()) {
                if (request.getHeader("X-Requested-With") == null) {
                    response.setHeader("WWW-Authenticate", "Basic realm=\"App signing plugin manager\", charset=\"UTF-8\"");
                }
                error(response, 401, "UNAUTHORIZED", "Sign in as the administrator (HTTP Basic or the sign-in page).");
                return;
            }
            boolean changesState = !method.equals("GET") && !method.equals("HEAD");
            if (changesState && caller.get().session() != null
                    && !caller.get().session().csrfToken().equals(request.getHeader("X-CSRF-Token"))) {
                error(response, 403, "CSRF", "The request lacks the page's CSRF token; reload the page and try again.");
                return;
            }
            route(method, path, caller.get(), request, response);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Internal error on " + method + " " + path, e);
            if (!response.isCommitted()) {
                error(response, 500, "INTERNAL", "An internal error occurred; the product log has the details.");
            }
        }
    }

    private void route(String method, String path, Caller caller, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        switch (method + " " + (path.startsWith("/apps/") ? "/apps/{key}" : path)) {
            case "GET /session" -> session(caller, response);
            case "POST /logout" -> logout(caller, response);
            case "GET /apps" -> listApps(response);
            case "POST /apps" -> upload(caller, request, response);
            case "DELETE /apps/{key}" -> uninstall(caller, URLDecoder.decode(path.substring(6), StandardCharsets.UTF_8), response);
            case "GET /health" -> health(response);
            case "GET /settings" -> json(response, 200, settings(policies.current()));
            case "PUT /settings" -> updateSettings(request, response);
            default -> error(response, 404, "NOT_FOUND", "No such API: " + method + " /api" + path);
        }
    }

    private Optional<Caller> authenticate(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                return Optional.empty();
            }
            String user = decoded.substring(0, colon);
            return auth.check(request.getRemoteAddr(), user, decoded.substring(colon + 1))
                    ? Optional.of(new Caller(user, null)) : Optional.empty();
        }
        return auth.session(cookie(request)).map(session -> new Caller(session.user(), session));
    }

    private static String cookie(HttpServletRequest request) {
        if (request.getCookies() != null) {
            for (Cookie cookie : request.getCookies()) {
                if (SESSION_COOKIE.equals(cookie.getName())) {
                    return cookie.getValue();
                }
            }
        }
        return null;
    }

    private void login(HttpServletRequest request, HttpServletResponse response) throws IOException {
        JsonNode body = readJson(request, response);
        if (body == null) {
            return;
        }
        String client = request.getRemoteAddr();
        if (auth.lockedOut(client)) {
            error(response, 429, "TOO_MANY_ATTEMPTS", "Too many failed sign-ins; wait a minute and try again.");
            return;
        }
        if (!auth.check(client, body.path("user").asText(null), body.path("password").asText(null))) {
            error(response, 401, "UNAUTHORIZED", "Wrong user or password.");
            return;
        }
        AdminAuth.Session session = auth.login(body.path("user").asText());
        response.addHeader("Set-Cookie", SESSION_COOKIE + "=" + session.id() + "; Path=/; HttpOnly; SameSite=Strict");
        json(response, 200, JSON.createObjectNode().put("user", session.user()).put("csrfToken", session.csrfToken()));
    }

    private void session(Caller caller, HttpServletResponse response) throws IOException {
        ObjectNode node = JSON.createObjectNode().put("user", caller.user());
        node.put("csrfToken", caller.session() == null ? null : caller.session().csrfToken());
        json(response, 200, node);
    }

    private void logout(Caller caller, HttpServletResponse response) {
        if (caller.session() != null) {
            auth.logout(caller.session().id());
        }
        response.addHeader("Set-Cookie", SESSION_COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        response.setStatus(204);
    }

    private void listApps(HttpServletResponse response) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode apps = root.putArray("apps");
        List<Bundle> bundles = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            if (isApp(bundle)) {
                bundles.add(bundle);
            }
        }
        bundles.sort(Comparator.comparing(Bundle::getSymbolicName));
        bundles.forEach(bundle -> apps.add(app(bundle)));
        json(response, 200, root);
    }

    static boolean isApp(Bundle bundle) {
        return bundle.getBundleId() != 0 && !bundle.getLocation().startsWith("product:") && bundle.getSymbolicName() != null;
    }

    private ObjectNode app(Bundle bundle) {
        ObjectNode node = JSON.createObjectNode();
        node.put("key", bundle.getSymbolicName());
        node.put("version", bundle.getVersion().toString());
        node.put("state", switch (bundle.getState()) {
            case Bundle.ACTIVE, Bundle.STARTING -> "ACTIVE";
            case Bundle.RESOLVED, Bundle.STOPPING -> "RESOLVED";
            default -> "INSTALLED";
        });
        Optional<AppRecord> record = records.find(bundle.getSymbolicName());
        ObjectNode signature = node.putObject("signature");
        signature.put("status", record.map(r -> r.status().name()).orElse(SignatureStatus.INSTALLED_BEFORE_SIGNING.name()));
        signature.put("flow", record.map(AppRecord::flow).map(Enum::name).orElse(null));
        if (record.isPresent() && record.get().signer() != null) {
            signature.putObject("signer").put("subject", record.get().signer().subject()).put("sha256", record.get().signer().sha256());
        } else {
            signature.putNull("signer");
        }
        if (record.isPresent() && record.get().status() == SignatureStatus.UNSIGNED) {
            signature.put("reason", record.get().reason() == null ? null : record.get().reason().name());
        }
        return node;
    }

    private void upload(Caller caller, HttpServletRequest request, HttpServletResponse response) throws IOException {
        MultipartReader reader;
        try {
            reader = new MultipartReader(request.getInputStream(), request.getContentType());
        } catch (IOException e) {
            error(response, 400, "BAD_REQUEST", "Send the app as multipart/form-data: a part 'app' and, optionally, a part 'signature'.");
            return;
        }
        byte[] signature = null;
        Path scratch = null;
        String fileName = null;
        try {
            for (MultipartReader.Part part = reader.next(); part != null; part = reader.next()) {
                if ("signature".equals(part.name())) {
                    signature = part.body().readNBytes(SignatureFiles.MAX_BYTES + 1);
                    if (signature.length == 0 && part.fileName() != null && part.fileName().isEmpty()) {
                        signature = null; // a file input left empty by a browser
                    }
                } else if ("app".equals(part.name()) && fileName == null) {
                    fileName = part.fileName() == null ? "app" : part.fileName();
                    if (signature != null) {
                        // The signature came first (the UI's order): stream the app straight into the gate.
                        finish(caller, response, gate.install(new InstallRequest(part.body(), fileName, signature, Origin.UPLOAD, caller.user())));
                        return;
                    }
                    // The app came before its signature: keep it aside until the signature has been read.
                    scratch = Files.createTempFile(uploadScratch, "app-", ".part");
                    Files.copy(part.body(), scratch, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            error(response, 400, "BAD_REQUEST", "The upload could not be read (" + e.getMessage() + "); nothing was installed.");
            deleteQuietly(scratch);
            return;
        }
        try {
            if (scratch == null) {
                error(response, 400, InstallOutcome.INVALID_APP, "The upload has no part named 'app'.");
                return;
            }
            try (InputStream in = Files.newInputStream(scratch)) {
                finish(caller, response, gate.install(new InstallRequest(in, fileName, signature, Origin.UPLOAD, caller.user())));
            }
        } finally {
            deleteQuietly(scratch);
        }
    }

    private void finish(Caller caller, HttpServletResponse response, InstallOutcome outcome) throws IOException {
        if (outcome.installed()) {
            Bundle installed = null;
            for (Bundle bundle : context.getBundles()) {
                if (outcome.record().key().equals(bundle.getSymbolicName())) {
                    installed = bundle;
                }
            }
            ObjectNode body = installed != null ? app(installed) : JSON.createObjectNode().put("key", outcome.record().key());
            body.put("code", outcome.code());
            body.put("message", outcome.message());
            json(response, 201, body);
            return;
        }
        int status = switch (outcome.code()) {
            case InstallOutcome.INVALID_APP -> 400;
            case InstallOutcome.UPLOAD_DISABLED -> 403;
            case InstallOutcome.APP_TOO_LARGE -> 413;
            case InstallOutcome.INSTALL_FAILED -> 500;
            default -> isReasonCode(outcome.code()) ? 422 : 400;
        };
        error(response, status, outcome.code(), outcome.message());
    }

    private static boolean isReasonCode(String code) {
        for (ReasonCode reason : ReasonCode.values()) {
            if (reason.name().equals(code)) {
                return true;
            }
        }
        return false;
    }

    private void uninstall(Caller caller, String key, HttpServletResponse response) throws IOException {
        if (gate.uninstall(key, caller.user())) {
            response.setStatus(204);
        } else {
            error(response, 404, "NOT_FOUND", "No app with the key " + key + " is installed.");
        }
    }

    private void health(HttpServletResponse response) throws IOException {
        List<CheckResult> results = new ArrayList<>();
        for (Map.Entry<Map<String, Object>, HealthCheck> check : healthChecks.get()) {
            String name = String.valueOf(check.getKey().get(HealthCheck.NAME));
            Result result = check.getValue().execute();
            Status status = switch (result.getStatus()) {
                case OK -> Status.OK;
                case WARN -> Status.WARN;
                default -> Status.CRITICAL;
            };
            List<String> messages = new ArrayList<>();
            for (Iterator<ResultLog.Entry> entries = result.iterator(); entries.hasNext(); ) {
                messages.add(entries.next().getMessage());
            }
            results.add(new CheckResult(name, status, messages));
        }
        results.sort(Comparator.comparingInt(r -> CHECK_ORDER.indexOf(r.name()) < 0 ? 99 : CHECK_ORDER.indexOf(r.name())));
        response.setStatus(200);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(HealthJson.toJson(new HealthReport(results)));
    }

    static ObjectNode settings(Policy policy) {
        ObjectNode node = JSON.createObjectNode();
        Policies.format(policy).forEach((key, value) -> {
            if (value == null) {
                node.putNull(key);
            } else if (key.equals(Policies.UPLOAD_ENABLED) || key.equals(Policies.LOOSE_CHECK)) {
                node.put(key, Boolean.parseBoolean(value));
            } else {
                node.put(key, value);
            }
        });
        return node;
    }

    private void updateSettings(HttpServletRequest request, HttpServletResponse response) throws IOException {
        JsonNode body = readJson(request, response);
        if (body == null) {
            return;
        }
        if (!body.isObject()) {
            error(response, 400, "INVALID_SETTING", "Send a JSON object with some of the keys " + Policies.KEYS + ".");
            return;
        }
        Map<String, String> changes = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = body.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            if (!value.isNull() && !value.isTextual() && !value.isBoolean()) {
                error(response, 400, "INVALID_SETTING", field.getKey() + " must be a string, a boolean or null.");
                return;
            }
            changes.put(field.getKey(), value.isNull() ? "" : value.asText());
        }
        try {
            json(response, 200, settings(policies.update(changes)));
        } catch (IllegalArgumentException e) {
            error(response, 400, "INVALID_SETTING", e.getMessage());
        }
    }

    private JsonNode readJson(HttpServletRequest request, HttpServletResponse response) throws IOException {
        byte[] body = request.getInputStream().readNBytes(64 * 1024 + 1);
        if (body.length > 64 * 1024) {
            error(response, 413, "TOO_LARGE", "The request body is too large.");
            return null;
        }
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || node.isMissingNode()) {
                error(response, 400, "BAD_REQUEST", "The request body must be JSON.");
                return null;
            }
            return node;
        } catch (IOException e) {
            error(response, 400, "BAD_REQUEST", "The request body is not valid JSON.");
            return null;
        }
    }

    static void error(HttpServletResponse response, int status, String code, String message) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("code", code).put("message", message);
        json(response, status, body);
    }

    static void json(HttpServletResponse response, int status, JsonNode body) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(JSON.writeValueAsString(body));
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.log(Level.ERROR, "Could not delete " + file, e);
            }
        }
    }
}
