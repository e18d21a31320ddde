package io.appsigning.pluginmanager.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.appsigning.audit.AuditTrail;
import io.appsigning.cluster.ClusterLedger;
import io.appsigning.cluster.ClusterMode;
import io.appsigning.cluster.ClusterStatus;
import io.appsigning.cluster.NodeStatus;
import io.appsigning.gate.AppRecord;
import io.appsigning.gate.AppRecords;
import io.appsigning.gate.AppScope;
import io.appsigning.gate.BlockedBundles;
import io.appsigning.gate.InstallGate;
import io.appsigning.gate.InstallOutcome;
import io.appsigning.gate.InstallRequest;
import io.appsigning.gate.Origin;
import io.appsigning.gate.Policies;
import io.appsigning.gate.Policy;
import io.appsigning.gate.PolicyLockedException;
import io.appsigning.gate.PolicyService;
import io.appsigning.gate.PolicyView;
import io.appsigning.gate.SignatureStatus;
import io.appsigning.gate.UninstallOutcome;
import io.appsigning.health.CertificateReport;
import io.appsigning.health.CheckResult;
import io.appsigning.health.HealthReport;
import io.appsigning.health.Status;
import io.appsigning.truststore.TrustStore;
import io.appsigning.verifier.ReasonCode;
import io.appsigning.verifier.SignatureFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.servlet.AsyncContext;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.javax.JavaxServletRequestContext;
import javax.servlet.AsyncEvent;
import javax.servlet.AsyncListener;
import javax.servlet.ReadListener;
import javax.servlet.Servlet;
import javax.servlet.ServletInputStream;
import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.apache.felix.hc.api.execution.HealthCheckExecutionOptions;
import org.apache.felix.hc.api.execution.HealthCheckExecutionResult;
import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.apache.felix.hc.api.execution.HealthCheckSelector;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The plugin manager's REST API (DESIGN.md, "Sample host"); the web UI uses exactly this. Its
 * services are looked up per request, so that a bundle restarting behind it costs one
 * {@code 503}, never the admin's sessions (which live in {@link AdminAuth}).
 */
@Component(service = Servlet.class, property = {
    "osgi.http.whiteboard.servlet.name=appsigning-api",
    "osgi.http.whiteboard.servlet.pattern=/api/*",
    "osgi.http.whiteboard.servlet.asyncSupported=true"})
public final class ApiServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    static final String SESSION_COOKIE = "APPSIGN_SESSION";
    private static final System.Logger LOG = System.getLogger(ApiServlet.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CHECK_ORDER = List.of("trust-store-permissions", "certificate-expiry", "signing-status", "cluster");
    /** A sign-in body must arrive within this time, or its connection is let go. */
    static final long LOGIN_BODY_MILLIS = 5_000;
    /** How many sign-in bodies may be arriving at once; the rest are told to come back. */
    static final int LOGIN_SLOTS = 32;
    private static final int MAX_JSON = 64 * 1024;
    /** {@code PUT /settings} that the cluster's database did not take: plain words, the detail is in the log. */
    static final String SETTINGS_NOT_STORED = "The cluster's database cannot be reached, so the policy was not changed on any"
            + " node; try again when it is back.";
    /** How many audit lines one call to the cluster's ledger returns. */
    static final int AUDIT_PAGE = 1_000;

    @Reference
    transient AdminAuth auth;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile InstallGate gate;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile AppRecords records;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile AppScope scope;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    transient volatile PolicyService policies;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    transient volatile AuditTrail audit;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile TrustStore trustStore;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile BlockedBundles blockedBundles;

    /** Felix Health Checks' executor: on-demand runs with its timeouts, as any other product health check. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile HealthCheckExecutor healthChecks;

    /** Data Center mode: this node's place in the cluster; registered by the gate only in that mode. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    transient volatile ClusterStatus clusterStatus;

    /** Data Center mode: the cluster's audit chain, in its database. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    transient volatile ClusterLedger clusterLedger;

    /** Data Center mode, from the framework property: fixed for the framework's life, and never guessed from which services exist. */
    private transient boolean clustered;
    private transient Path uploadScratch;
    private final transient Semaphore loginSlots = new Semaphore(LOGIN_SLOTS);

    private record Caller(String user, AdminAuth.Session session) {}

    /** A dependency that is away (restarting); answered 503. */
    private static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(String what) {
            super(what);
        }
    }

    @Activate
    void activate(BundleContext context) throws IOException {
        String home = context.getProperty("appsigning.home");
        if (home == null || home.isBlank()) {
            throw new IllegalStateException("The framework property appsigning.home is not set: the product must name its home.");
        }
        clustered = ClusterMode.on(context.getProperty(ClusterMode.DATABASE));
        uploadScratch = Path.of(home).resolve("data").resolve("upload-scratch");
        Files.createDirectories(uploadScratch);
        Files.setPosixFilePermissions(uploadScratch, PosixFilePermissions.fromString("rwx------"));
        try (var leftovers = Files.list(uploadScratch)) {
            for (Path leftover : leftovers.toList()) {
                Files.deleteIfExists(leftover);
            }
        }
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Cache-Control", "no-store");
        String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
        String method = request.getMethod();
        try {
            boolean changesState = !method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS");
            // A browser on another site may ride on whatever credentials it holds: refuse before looking at them.
            if (changesState && Origins.crossSite(request)) {
                error(response, 403, "CROSS_SITE", "State-changing requests must come from the plugin manager's own pages.");
                return;
            }
            if (path.equals("/login") && method.equals("POST")) {
                login(request, response);
                return;
            }
            Optional<Caller> caller = authenticate(request, response);
            if (response.getStatus() == 429) {
                return; // locked out: answered already
            }
            if (caller.isEmpty()) {
                if (path.equals("/health") && method.equals("GET")) {
                    bareHealth(response);
                    return;
                }
                // Never a WWW-Authenticate challenge: a browser would cache Basic credentials that any site could then use.
                error(response, 401, "UNAUTHORIZED", "Sign in as the administrator (HTTP Basic or the sign-in page).");
                return;
            }
            if (changesState && caller.get().session() != null
                    && !caller.get().session().csrfToken().equals(request.getHeader("X-CSRF-Token"))) {
                error(response, 403, "CSRF", "The request lacks the page's CSRF token; reload the page and try again.");
                return;
            }
            route(method, path, caller.get(), request, response);
        } catch (AdminAuth.Unavailable e) {
            // Data Center mode without its database: a session cookie is neither honoured nor treated as signed out.
            clusterUnavailable(response, AdminAuth.CLUSTER_UNAVAILABLE_MESSAGE);
        } catch (Unavailable e) {
            error(response, 503, "UNAVAILABLE", "The " + e.getMessage() + " is restarting; try again in a few seconds.");
        } catch (IOException e) {
            // The client went away or sent a broken body: one short line, no stack trace.
            LOG.log(Level.INFO, "Dropped " + method + " /api" + Origins.printable(path) + " from " + request.getRemoteAddr()
                    + ": " + Origins.printable(String.valueOf(e.getMessage())));
            if (!response.isCommitted()) {
                error(response, 400, "BAD_REQUEST", "The request could not be read.");
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Internal error on " + method + " /api" + Origins.printable(path), e);
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
            case "DELETE /apps/{key}" -> uninstall(caller, path.substring("/apps/".length()), response);
            case "GET /health" -> health(response);
            case "GET /certificates" -> certificates(response);
            case "GET /audit" -> audit(request, response);
            case "GET /cluster" -> cluster(response);
            case "GET /settings" -> json(response, 200, settings(need(policies, "signing policy").view()));
            case "PUT /settings" -> updateSettings(caller, request, response);
            default -> error(response, 404, "NOT_FOUND", "No such API: " + method + " /api" + Origins.printable(path));
        }
    }

    private static <T> T need(T service, String what) {
        if (service == null) {
            throw new Unavailable(what);
        }
        return service;
    }

    /** The caller, or empty; answers 429 itself (and commits) while the account is locked. */
    private Optional<Caller> authenticate(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String header = request.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            Optional<String[]> credentials = AdminAuth.basic(header);
            AdminAuth.Attempt attempt = auth.signIn(credentials.get()[0], credentials.get()[1], request.getRemoteAddr());
            return switch (attempt.verdict()) {
                case OK -> Optional.of(new Caller(credentials.get()[0], null));
                case LOCKED -> {
                    locked(response, attempt);
                    yield Optional.empty();
                }
                case WRONG -> Optional.empty();
                case UNAVAILABLE -> throw new AdminAuth.Unavailable(null);
            };
        }
        return auth.session(cookie(request)).map(session -> new Caller(session.user(), session));
    }

    private static void locked(HttpServletResponse response, AdminAuth.Attempt attempt) throws IOException {
        response.setHeader("Retry-After", Long.toString(attempt.retryAfterSeconds()));
        error(response, 429, "TOO_MANY_ATTEMPTS", "Too many failed sign-ins: the admin account is locked for "
                + attempt.retryAfterSeconds() + " more seconds.");
    }

    static void clusterUnavailable(HttpServletResponse response, String message) throws IOException {
        response.setHeader("Retry-After", "10");
        error(response, 503, AdminAuth.CLUSTER_UNAVAILABLE, message);
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

    /**
     * The sign-in page's request. Its body is read without holding a server thread, and must
     * arrive within {@value #LOGIN_BODY_MILLIS} ms: a client that drips it only holds a connection.
     */
    private void login(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String type = request.getContentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            error(response, 415, "UNSUPPORTED_MEDIA_TYPE", "Sign in with a JSON body {\"user\", \"password\"}.");
            return;
        }
        if (request.getContentLengthLong() > MAX_JSON) {
            error(response, 413, "TOO_LARGE", "The request body is too large.");
            return;
        }
        if (!loginSlots.tryAcquire()) {
            response.setHeader("Retry-After", "1");
            error(response, 503, "BUSY", "Too many sign-ins are in progress; try again in a moment.");
            return;
        }
        AtomicBoolean done = new AtomicBoolean();
        AsyncContext async = request.startAsync();
        async.setTimeout(LOGIN_BODY_MILLIS);
        Runnable release = () -> {
            if (done.compareAndSet(false, true)) {
                loginSlots.release();
            }
        };
        async.addListener(new AsyncListener() {
            @Override
            public void onTimeout(AsyncEvent event) throws IOException {
                if (done.get()) {
                    return;
                }
                release.run();
                LOG.log(Level.INFO, "Dropped a sign-in from " + request.getRemoteAddr() + ": its body did not arrive within "
                        + LOGIN_BODY_MILLIS + " ms");
                HttpServletResponse timedOut = (HttpServletResponse) event.getAsyncContext().getResponse();
                error(timedOut, 408, "REQUEST_TIMEOUT", "The sign-in request did not arrive in time.");
                event.getAsyncContext().complete();
            }

            @Override
            public void onError(AsyncEvent event) {
                release.run();
            }

            @Override
            public void onComplete(AsyncEvent event) {
                release.run();
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
                // Nothing to do.
            }
        });
        ServletInputStream in = request.getInputStream();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        in.setReadListener(new ReadListener() {
            private final byte[] chunk = new byte[4096];

            @Override
            public void onDataAvailable() throws IOException {
                while (in.isReady() && !in.isFinished()) {
                    int n = in.read(chunk);
                    if (n < 0) {
                        return;
                    }
                    body.write(chunk, 0, n);
                    if (body.size() > MAX_JSON) {
                        finishLogin(async, release, () -> error(response, 413, "TOO_LARGE", "The request body is too large."));
                        return;
                    }
                }
            }

            @Override
            public void onAllDataRead() {
                finishLogin(async, release, () -> signIn(request, response, body.toByteArray()));
            }

            @Override
            public void onError(Throwable t) {
                LOG.log(Level.INFO, "Dropped a sign-in from " + request.getRemoteAddr() + ": "
                        + Origins.printable(String.valueOf(t.getMessage())));
                finishLogin(async, release, () -> error(response, 400, "BAD_REQUEST", "The request could not be read."));
            }
        });
    }

    private interface Answer {
        void write() throws IOException;
    }

    private static void finishLogin(AsyncContext async, Runnable release, Answer answer) {
        try {
            answer.write();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.INFO, "Could not answer a sign-in: " + Origins.printable(String.valueOf(e.getMessage())));
        } finally {
            release.run();
            try {
                async.complete();
            } catch (IllegalStateException e) {
                // Already completed by a timeout.
            }
        }
    }

    private void signIn(HttpServletRequest request, HttpServletResponse response, byte[] bytes) throws IOException {
        JsonNode body = parseJson(bytes, response);
        if (body == null) {
            return;
        }
        String user = body.path("user").asText(null);
        AdminAuth.Attempt attempt = auth.signIn(user, body.path("password").asText(null), request.getRemoteAddr());
        switch (attempt.verdict()) {
            case LOCKED -> locked(response, attempt);
            case WRONG -> error(response, 401, "UNAUTHORIZED", "Wrong user or password.");
            case UNAVAILABLE -> clusterUnavailable(response, AdminAuth.CLUSTER_UNAVAILABLE_MESSAGE);
            case OK -> {
                AdminAuth.Session session;
                try {
                    session = auth.login(user);
                } catch (AdminAuth.Unavailable e) {
                    clusterUnavailable(response, AdminAuth.CLUSTER_UNAVAILABLE_MESSAGE);
                    return;
                }
                response.addHeader("Set-Cookie", SESSION_COOKIE + "=" + session.id() + "; Path=/; HttpOnly; SameSite=Strict");
                json(response, 200, JSON.createObjectNode().put("user", session.user()).put("csrfToken", session.csrfToken()));
            }
        }
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
        AppScope apps = need(scope, "install gate");
        Policy policy = need(policies, "signing policy").current();
        AppRecords known = need(records, "install gate");
        BlockedBundles strictMode = blockedBundles;
        java.util.Set<Bundle> blocked = strictMode == null ? java.util.Set.of() : java.util.Set.copyOf(strictMode.blocked());
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("apps");
        for (Bundle bundle : apps.apps()) {
            list.add(app(bundle, known.find(bundle.getSymbolicName()), blocked.contains(bundle)));
        }
        json(response, 200, root);
    }

    /** An app as the API shows it; {@code blocked}: strict mode refuses to resolve it (it has no usable record). */
    static ObjectNode app(Bundle bundle, Optional<AppRecord> record, boolean blocked) {
        ObjectNode node = JSON.createObjectNode();
        node.put("key", bundle.getSymbolicName());
        node.put("version", bundle.getVersion().toString());
        String name = bundle.getHeaders("").get("Bundle-Name");
        node.put("name", name == null || name.isBlank() ? bundle.getSymbolicName() : name);
        node.put("vendor", bundle.getHeaders("").get("Bundle-Vendor"));
        node.put("state", switch (bundle.getState()) {
            case Bundle.ACTIVE, Bundle.STARTING -> "ACTIVE";
            case Bundle.RESOLVED, Bundle.STOPPING -> "RESOLVED";
            default -> "INSTALLED";
        });
        node.put("sha256", record.map(AppRecord::appSha256).orElse(null));
        node.put("installedAt", record.map(r -> r.recordedAt().toString()).orElse(null));
        node.put("installedBy", record.map(AppRecord::installedBy).orElse(null));
        SignatureStatus status = blocked ? SignatureStatus.BLOCKED : record.map(AppRecord::status).orElse(SignatureStatus.NOT_CHECKED);
        ObjectNode signature = node.putObject("signature");
        signature.put("status", status.name());
        signature.put("label", status.label());
        signature.put("advice", status.advice());
        signature.put("flow", record.map(AppRecord::flow).map(Enum::name).orElse(null));
        if (record.isPresent() && record.get().signer() != null) {
            signature.putObject("signer").put("subject", record.get().signer().subject()).put("sha256", record.get().signer().sha256());
        } else {
            signature.putNull("signer");
        }
        signature.put("reason", record.map(AppRecord::reason).map(Enum::name).orElse(null));
        return node;
    }

    private void upload(Caller caller, HttpServletRequest request, HttpServletResponse response) throws IOException {
        InstallGate installGate = need(gate, "install gate");
        JavaxServletRequestContext form = new JavaxServletRequestContext(request);
        if (!UploadForm.isMultipart(form)) {
            error(response, 400, "BAD_REQUEST", "Send the app as multipart/form-data: a part 'app' and, optionally, a part 'signature'.");
            return;
        }
        byte[] signature = null;
        Map<String, Boolean> flags = new HashMap<>();
        Path scratch = null;
        String fileName = null;
        try {
            UploadForm.Parts parts = UploadForm.parts(form);
            while (parts.hasNext()) {
                FileItemInput part = parts.next();
                String name = part.getFieldName();
                if ("signature".equals(name)) {
                    try (InputStream body = part.getInputStream()) {
                        signature = body.readNBytes(SignatureFiles.MAX_BYTES + 1);
                    }
                    if (signature.length == 0 && part.getName() != null && part.getName().isEmpty()) {
                        signature = null; // a file input left empty by a browser
                    }
                } else if ("allowDowngrade".equals(name) || "allowSignerChange".equals(name)) {
                    try (InputStream body = part.getInputStream()) {
                        flags.put(name, "true".equalsIgnoreCase(new String(body.readNBytes(16), StandardCharsets.US_ASCII).strip()));
                    }
                } else if ("app".equals(name) && fileName == null) {
                    fileName = part.getName() == null ? "app" : part.getName();
                    if (signature != null) {
                        // The signature came first (the UI's order): stream the app straight into the gate.
                        try (InputStream body = part.getInputStream()) {
                            finish(response, installGate.install(request(body, fileName, signature, caller, flags)));
                        }
                        return;
                    }
                    // The app came before its signature: keep it aside until the signature has been read.
                    scratch = Files.createTempFile(uploadScratch, "app-", ".part");
                    try (InputStream body = part.getInputStream()) {
                        Files.copy(body, scratch, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } catch (IOException e) {
            deleteQuietly(scratch);
            LOG.log(Level.INFO, "Dropped an upload from " + request.getRemoteAddr() + ": " + Origins.printable(String.valueOf(e.getMessage())));
            auditStall(caller, fileName);
            error(response, 400, InstallOutcome.UPLOAD_STALLED, "The upload could not be read to its end; nothing was installed.");
            return;
        }
        try {
            if (scratch == null) {
                error(response, 400, InstallOutcome.INVALID_APP, "The upload has no part named 'app'.");
                return;
            }
            try (InputStream in = Files.newInputStream(scratch)) {
                finish(response, installGate.install(request(in, fileName, signature, caller, flags)));
            }
        } finally {
            deleteQuietly(scratch);
        }
    }

    /** An upload that broke off before it reached the gate is a decision too. */
    private void auditStall(Caller caller, String fileName) {
        AuditTrail trail = audit;
        if (trail == null) {
            return;
        }
        Map<String, Object> line = new java.util.LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("user", caller.user());
        line.put("file", fileName == null ? null : Origins.printable(fileName));
        line.put("origin", Origin.UPLOAD.name());
        line.put("decision", "REJECTED");
        line.put("reason", InstallOutcome.UPLOAD_STALLED);
        try {
            trail.append(line);
        } catch (IOException e) {
            LOG.log(Level.ERROR, "Could not audit a stalled upload: " + e.getMessage());
        }
    }

    private static InstallRequest request(InputStream app, String fileName, byte[] signature, Caller caller,
                                          Map<String, Boolean> flags) {
        return new InstallRequest(app, fileName, signature, Origin.UPLOAD, caller.user(),
                flags.getOrDefault("allowDowngrade", false), flags.getOrDefault("allowSignerChange", false));
    }

    private void finish(HttpServletResponse response, InstallOutcome outcome) throws IOException {
        if (outcome.installed()) {
            AppScope apps = need(scope, "install gate");
            Optional<Bundle> installed = apps.app(outcome.record().key());
            ObjectNode body = installed.isPresent()
                    ? app(installed.get(), Optional.of(outcome.record()), false)
                    : JSON.createObjectNode().put("key", outcome.record().key());
            body.put("code", outcome.code());
            body.put("message", outcome.message());
            body.put("previousVersion", outcome.previousVersion());
            json(response, 201, body);
            return;
        }
        int status = switch (outcome.code()) {
            case InstallOutcome.INVALID_APP, InstallOutcome.UPLOAD_STALLED -> 400;
            case InstallOutcome.UPLOAD_DISABLED -> 403;
            case InstallOutcome.DOWNGRADE, InstallOutcome.SIGNER_CHANGED -> 409;
            case InstallOutcome.APP_TOO_LARGE -> 413;
            case InstallOutcome.AUDIT_UNAVAILABLE, InstallOutcome.GATE_UNAVAILABLE, InstallOutcome.CLUSTER_UNAVAILABLE -> 503;
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

    /** The key arrives decoded once by the server; it is never decoded again. */
    private void uninstall(Caller caller, String key, HttpServletResponse response) throws IOException {
        if (!key.matches("[A-Za-z0-9_.\\-]{1,200}")) {
            error(response, 404, "NOT_FOUND", "No app with that key is installed.");
            return;
        }
        UninstallOutcome outcome = need(gate, "install gate").uninstall(key, caller.user());
        switch (outcome.code()) {
            case UninstallOutcome.UNINSTALLED -> response.setStatus(204);
            case UninstallOutcome.NOT_FOUND -> error(response, 404, outcome.code(), outcome.message());
            case UninstallOutcome.FILE_SYSTEM_APP -> error(response, 409, outcome.code(), outcome.message());
            case InstallOutcome.AUDIT_UNAVAILABLE, InstallOutcome.CLUSTER_UNAVAILABLE -> error(response, 503, outcome.code(),
                    outcome.message());
            default -> error(response, 500, outcome.code(), outcome.message());
        }
    }

    private List<CheckResult> runHealthChecks() {
        HealthCheckExecutor executor = need(healthChecks, "health check executor");
        List<CheckResult> results = new ArrayList<>();
        for (HealthCheckExecutionResult execution : executor.execute(HealthCheckSelector.tags("appsigning"),
                new HealthCheckExecutionOptions().setForceInstantExecution(true))) {
            Result result = execution.getHealthCheckResult();
            Status status = switch (result.getStatus()) {
                case OK -> Status.OK;
                case WARN -> Status.WARN;
                default -> Status.CRITICAL; // CRITICAL, and a check that failed or timed out
            };
            List<String> messages = new ArrayList<>();
            for (ResultLog.Entry entry : result) {
                messages.add(entry.getMessage());
            }
            results.add(new CheckResult(execution.getHealthCheckMetadata().getName(), status, messages));
        }
        results.sort(Comparator.comparingInt(r -> CHECK_ORDER.indexOf(r.name()) < 0 ? 99 : CHECK_ORDER.indexOf(r.name())));
        return results;
    }

    /** The trust store as the product sees it; read-only (the product never writes the trust store). */
    private void certificates(HttpServletResponse response) throws IOException {
        TrustStore store = need(trustStore, "trust store");
        response.setStatus(200);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(CertificateReport.of(store.snapshot(), Instant.now()).toJson());
    }

    /**
     * The audit log, newest first, a page at a time, filtered by app key and decision: the same
     * file that {@code appsign audit-verify} checks, read here, never written.
     */
    private void audit(HttpServletRequest request, HttpServletResponse response) throws IOException {
        int page = boundedInt(request.getParameter("page"), 0, 0, 1_000_000);
        int size = boundedInt(request.getParameter("size"), 50, 1, 500);
        String app = request.getParameter("app");
        String decision = request.getParameter("decision");
        List<String> lines;
        String head;
        long count;
        if (clustered) {
            // The cluster has one chain, in its database; this node's file is not it, so there is no falling back to it.
            ClusterLedger ledger = clusterLedger;
            if (ledger == null) {
                clusterUnavailable(response, "The cluster's audit chain cannot be read: the cluster service is not running on this node.");
                return;
            }
            try {
                lines = clusterAuditLines(ledger);
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "Could not read the cluster's audit chain: " + Origins.printable(String.valueOf(e.getMessage())));
                clusterUnavailable(response, "The cluster's database cannot be reached, so its audit chain cannot be read;"
                        + " try again when it is back.");
                return;
            }
            head = ledger.head();
            count = ledger.lines();
        } else {
            AuditTrail trail = need(audit, "audit log");
            lines = Files.readAllLines(Path.of(trail.location()), StandardCharsets.UTF_8);
            head = trail.head();
            count = trail.lines();
        }
        List<JsonNode> matching = new ArrayList<>();
        for (int i = lines.size() - 1; i >= 0; i--) {
            JsonNode line;
            try {
                line = JSON.readTree(lines.get(i));
            } catch (IOException e) {
                continue; // a line cut off by a crash: audit-verify names it
            }
            if (line == null || !line.isObject()) {
                continue;
            }
            if ((app == null || app.isBlank() || app.equals(line.path("key").asText(null)))
                    && (decision == null || decision.isBlank() || decision.equals(line.path("decision").asText(null)))) {
                ((ObjectNode) line).put("line", i + 1);
                matching.add(line);
            }
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("total", matching.size()).put("page", page).put("size", size).put("head", head).put("lines", count);
        ArrayNode entries = root.putArray("entries");
        matching.stream().skip((long) page * size).limit(size).forEach(entries::add);
        json(response, 200, root);
    }

    /** The whole chain, oldest first, a page of {@value #AUDIT_PAGE} lines a query. */
    static List<String> clusterAuditLines(ClusterLedger ledger) throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            List<String> chunk = ledger.auditLines(lines.size() + 1L, AUDIT_PAGE);
            lines.addAll(chunk);
            if (chunk.size() < AUDIT_PAGE) {
                return lines;
            }
        }
    }

    /**
     * {@code GET /api/cluster} (DESIGN.md): this node's place in the cluster, or only
     * {@code "clustered": false} on a single node. In Data Center mode without the gate's
     * {@link ClusterStatus} it is 503, never an answer that looks like a healthy single node.
     */
    private void cluster(HttpServletResponse response) throws IOException {
        if (!clustered) {
            json(response, 200, JSON.createObjectNode().put("clustered", false));
            return;
        }
        ClusterStatus status = clusterStatus;
        if (status == null) {
            clusterUnavailable(response, "The cluster's status is not available on this node: its install gate is not running"
                    + " in Data Center mode. The product log says why.");
            return;
        }
        json(response, 200, cluster(status));
    }

    static ObjectNode cluster(ClusterStatus status) {
        NodeStatus local = status.local();
        ObjectNode root = JSON.createObjectNode();
        root.put("clustered", true);
        root.put("nodeId", local == null ? null : local.nodeId());
        root.put("inSync", local != null && local.inSync());
        root.put("databaseReachable", status.databaseReachable());
        problems(root.putArray("problems"), local == null ? List.of() : local.problems());
        ArrayNode nodes = root.putArray("nodes");
        for (NodeStatus node : status.nodes()) {
            ObjectNode entry = nodes.addObject();
            entry.put("nodeId", node.nodeId());
            entry.put("lastSeen", node.lastSeen() == null ? null : node.lastSeen().toString());
            entry.put("inSync", node.inSync());
            entry.put("appliedSeq", node.appliedSeq());
            problems(entry.putArray("problems"), node.problems());
            entry.put("trustStore", node.trustStore());
        }
        return root;
    }

    private static void problems(ArrayNode into, List<NodeStatus.Problem> problems) {
        for (NodeStatus.Problem problem : problems) {
            into.addObject().put("key", problem.key()).put("version", problem.version()).put("reason", problem.reason())
                    .put("message", problem.message());
        }
    }

    private static int boundedInt(String value, int fallback, int min, int max) {
        try {
            return value == null ? fallback : Math.max(min, Math.min(max, Integer.parseInt(value.strip())));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** For monitoring without credentials: the worst status only. */
    private void bareHealth(HttpServletResponse response) throws IOException {
        HealthReport report = new HealthReport(runHealthChecks());
        json(response, report.status() == Status.CRITICAL ? 503 : 200, JSON.createObjectNode().put("status", report.status().name()));
    }

    private void health(HttpServletResponse response) throws IOException {
        HealthReport report = new HealthReport(runHealthChecks());
        ObjectNode root = JSON.createObjectNode();
        root.put("status", report.status().name());
        ArrayNode checks = root.putArray("checks");
        for (CheckResult check : report.checks()) {
            ObjectNode node = checks.addObject().put("name", check.name()).put("status", check.status().name());
            ArrayNode messages = node.putArray("messages");
            check.messages().forEach(messages::add);
        }
        AuditTrail trail = audit;
        if (trail != null) {
            root.putObject("audit").put("head", trail.head()).put("lines", trail.lines()).put("log", trail.location())
                    .put("clustered", clustered);
        }
        json(response, report.status() == Status.CRITICAL ? 503 : 200, root);
    }

    static ObjectNode settings(PolicyView view) {
        Policy policy = view.policy();
        ObjectNode node = JSON.createObjectNode();
        Policies.format(policy).forEach((key, value) -> {
            if (value == null) {
                node.putNull(key);
            } else if (key.equals(Policies.UPLOAD_ENABLED) || Policies.OPERATOR_ONLY.contains(key)) {
                node.put(key, Boolean.parseBoolean(value));
            } else {
                node.put(key, value);
            }
        });
        ObjectNode sources = node.putObject("sources");
        view.sources().forEach(sources::put);
        Instant now = Instant.now();
        ObjectNode effective = node.putObject("effective");
        effective.put("upload", policy.effectiveMode(Origin.UPLOAD, now).name());
        effective.put("marketplace", policy.effectiveMode(Origin.MARKETPLACE, now).name());
        effective.put("uploadsAccepted", policy.uploadsAccepted(now));
        node.put("operatorFile", view.operatorFile());
        return node;
    }

    private void updateSettings(Caller caller, HttpServletRequest request, HttpServletResponse response) throws IOException {
        PolicyService service = need(policies, "signing policy");
        byte[] bytes = request.getInputStream().readNBytes(MAX_JSON + 1);
        JsonNode body = parseJson(bytes, response);
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
                error(response, 400, "INVALID_SETTING", Origins.printable(field.getKey()) + " must be a string, a boolean or null.");
                return;
            }
            changes.put(field.getKey(), value.isNull() ? "" : value.asText());
        }
        try {
            service.update(changes, caller.user());
            json(response, 200, settings(service.view()));
        } catch (java.io.UncheckedIOException e) {
            // Data Center mode: the cluster's database did not take the change; nothing changed anywhere. Its
            // message may name the database's host and name, which are the operator's to read, not a client's.
            LOG.log(Level.WARNING, "A settings change by " + Origins.printable(caller.user()) + " was not stored: "
                    + Origins.printable(String.valueOf(e.getMessage())));
            clusterUnavailable(response, SETTINGS_NOT_STORED);
        } catch (PolicyLockedException e) {
            ObjectNode error = JSON.createObjectNode();
            ObjectNode inner = error.putObject("error").put("code", "POLICY_LOCKED").put("message", e.getMessage())
                    .put("file", e.operatorFile());
            ArrayNode keys = inner.putArray("keys");
            e.keys().forEach(keys::add);
            json(response, 403, error);
        } catch (IllegalArgumentException e) {
            error(response, 400, "INVALID_SETTING", e.getMessage());
        }
    }

    private static JsonNode parseJson(byte[] body, HttpServletResponse response) throws IOException {
        if (body.length > MAX_JSON) {
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
                LOG.log(Level.ERROR, "Could not delete " + file + ": " + e.getMessage());
            }
        }
    }
}
