package io.appsigning.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.Version;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * The sample product: Apache Felix with the product's bundles (carried inside this jar), the apps
 * in {@code <home>/plugins/} (trusted: placed by someone with file system access; Apache Felix
 * FileInstall installs them, the install gate records them), the plugin manager, which installs
 * uploaded apps only through the install gate, and the Apache Felix Web Console behind the same
 * admin credentials, with strict mode on so that the console's own install path cannot run an app.
 */
public final class Main {

    /** The location prefix of the product's own bundles (those carried inside this jar). */
    static final String PRODUCT = "product:";
    /** The framework property every bundle reads the product home from. */
    static final String HOME = "appsigning.home";
    /** The framework property of DESIGN.md's {@code strict}. */
    static final String STRICT = "appsigning.strict";
    /** The id our Web Console security provider registers with ({@code webconsole.security.provider.id}). */
    static final String WEB_CONSOLE_SECURITY_PROVIDER = "appsigning";
    static final int PRODUCT_START_LEVEL = 1;
    static final int APPS_START_LEVEL = 2;
    private static final String FILE_INSTALL = "org.apache.felix.fileinstall";
    /** The bundle of Data Center mode: started only when the product is one node of a cluster. */
    static final String CLUSTER_BUNDLE = "cluster-bundle";

    /**
     * @param sharedHome Data Center mode: the shared home (its {@code upmconfig/} and the accepted apps); else null
     * @param clusterDb  Data Center mode: the cluster database's JDBC URL; else null
     * @param nodeId     Data Center mode: this node's name
     */
    record Options(Path home, int port, String bind, Path sharedHome, String clusterDb, String nodeId) {

        Options(Path home, int port, String bind) {
            this(home, port, bind, null, null, null);
        }

        boolean clustered() {
            return clusterDb != null;
        }

        /** The operator's configuration folder: the shared home's in a cluster, else the home's. */
        Path upmconfig() {
            return (clustered() ? sharedHome : home).resolve("upmconfig");
        }
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = parse(args, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("sample-host: " + e.getMessage() + "\nRun with --help for usage.");
            System.exit(2);
            return;
        }
        if (options == null) {
            return;
        }
        Framework framework;
        try {
            framework = start(options);
        } catch (IllegalStateException e) {
            System.err.println("sample-host: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                framework.stop();
                framework.waitForStop(30_000);
            } catch (BundleException | InterruptedException e) {
                System.err.println("sample-host: clean stop failed: " + e.getMessage());
            }
        }, "sample-host-shutdown"));
        framework.waitForStop(0);
        System.out.println("sample-host stopped.");
    }

    static Options parse(String[] args, PrintStream out) {
        Path home = Path.of("upm-home");
        int port = 8080;
        String bind = "127.0.0.1";
        Path sharedHome = null;
        String clusterDb = null;
        String nodeId = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--shared-home" -> sharedHome = Path.of(value(args, ++i, "--shared-home"));
                case "--cluster-db" -> clusterDb = value(args, ++i, "--cluster-db");
                case "--node-id" -> nodeId = value(args, ++i, "--node-id");
                case "--home" -> home = Path.of(value(args, ++i, "--home"));
                case "--port" -> {
                    try {
                        port = Integer.parseInt(value(args, ++i, "--port"));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--port is not a number");
                    }
                    if (port < 1 || port > 65535) {
                        throw new IllegalArgumentException("--port must be between 1 and 65535");
                    }
                }
                case "--bind" -> bind = value(args, ++i, "--bind");
                case "--help", "-h" -> {
                    out.println("""
                            Usage: java -jar sample-host.jar [--home DIR] [--port N] [--bind ADDRESS]
                                   [--shared-home DIR --cluster-db jdbc:postgresql://HOST:PORT/DB [--node-id ID]]
                              --home DIR         the product home (default ./upm-home), created on first start
                              --port N           the plugin manager's HTTP port (default 8080)
                              --bind ADDRESS     the address to listen on (default 127.0.0.1, this machine only)
                              --shared-home DIR  Data Center: the cluster's shared home (upmconfig/, the accepted apps)
                              --cluster-db URL   Data Center: the cluster's PostgreSQL database; the user and password
                                                 come from APPSIGN_DB_USER and APPSIGN_DB_PASSWORD
                              --node-id ID       Data Center: this node's name (default: host name and port)
                            The admin password comes from APPSIGN_ADMIN_PASSWORD, or is generated and printed at first start.""");
                    return null;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if ((sharedHome == null) != (clusterDb == null)) {
            throw new IllegalArgumentException("Data Center mode needs both --shared-home and --cluster-db");
        }
        if (nodeId != null && clusterDb == null) {
            throw new IllegalArgumentException("--node-id is for Data Center mode (with --cluster-db)");
        }
        if (clusterDb != null && !clusterDb.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("--cluster-db must be a PostgreSQL JDBC URL: jdbc:postgresql://HOST:PORT/DB");
        }
        if (clusterDb != null && nodeId == null) {
            // Cut so that the default, too, keeps to the rule below (the port stays whole: it tells nodes of one host apart).
            String host = hostName();
            nodeId = host.substring(0, Math.min(host.length(), 58)) + ":" + port;
        }
        if (nodeId != null && !nodeId.matches("[A-Za-z0-9._:-]{1,64}")) {
            throw new IllegalArgumentException("--node-id may hold letters, digits and . _ : - (at most 64)");
        }
        return new Options(home.toAbsolutePath().normalize(), port, bind,
                sharedHome == null ? null : sharedHome.toAbsolutePath().normalize(), clusterDb, nodeId);
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "-");
        } catch (IOException e) {
            return "node";
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    static Framework start(Options options) throws Exception {
        Path home = options.home();
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(new InetSocketAddress(options.bind(), options.port()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + options.bind() + ":" + options.port() + " (" + e.getMessage()
                    + "); is another instance running? Choose another port with --port.");
        }
        prepareHome(options);
        Framework framework = ServiceLoader.load(FrameworkFactory.class).iterator().next()
                .newFramework(frameworkProperties(options, System.getProperties()));
        // init, not start: the product's bundles are installed or updated while nothing is resolved yet,
        // so an update needs no refresh, and no app can run before the product (and its strict mode) does.
        framework.init();
        BundleContext context = framework.getBundleContext();
        for (Bundle bundle : installProduct(context)) {
            if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
                continue;
            }
            if (isClusterBundle(bundle) && !options.clustered()) {
                // A node that was once part of a cluster and now runs alone must not keep talking to its database.
                bundle.stop();
                continue;
            }
            bundle.start(); // persistent: the bundle starts when the framework reaches its start level
        }
        placeAppsAfterProduct(context);
        // Returns once every start level up to APPS_START_LEVEL has been reached: the product first, then
        // FileInstall (which installs <home>/plugins/), then the apps.
        framework.start();
        waitForHttp(options);
        String host = options.bind().contains(":") ? "[" + options.bind() + "]" : options.bind();
        System.out.println("Plugin manager: http://" + host + ":" + options.port() + "/  (home " + home
                + (options.clustered() ? ", Data Center node " + options.nodeId() + ", shared home " + options.sharedHome() : "")
                + ")");
        return framework;
    }

    /**
     * The framework's configuration. {@code appsigning.home} is the one place the home is resolved;
     * every bundle reads it from here.
     */
    static Map<String, String> frameworkProperties(Options options, Properties system) {
        Path home = options.home();
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, home.resolve("data/felix-cache").toString());
        config.put(HOME, home.toString());
        config.put("appsigning.upmconfig", options.upmconfig().toString());
        if (options.clustered()) {
            config.put("appsigning.cluster.db", options.clusterDb());
            config.put("appsigning.cluster.nodeId", options.nodeId());
            config.put("appsigning.sharedHome", options.sharedHome().toString());
        }
        config.put("org.osgi.service.http.port", Integer.toString(options.port()));
        config.put("org.apache.felix.http.host", options.bind());
        config.put("org.apache.felix.http.jetty.sendServerHeader", "false");
        // A client that sends nothing for 30 s is let go (an upload stalled that long is UPLOAD_STALLED).
        config.put("org.apache.felix.http.timeout", "30000");
        config.put("felix.log.level", "1");

        // Product bundles run at level 1, everything else (apps, and FileInstall, which installs them) at
        // level 2: after a restart the strict mode's resolver hook is registered before any app resolves.
        config.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(APPS_START_LEVEL));
        config.put("felix.startlevel.bundle", Integer.toString(APPS_START_LEVEL));

        // DESIGN.md, strict: on in the sample host, which ships the Web Console; the operator's
        // -Dappsigning.strict or upmconfig/signing.properties (strict=...) overrides it.
        config.put(STRICT, system.getProperty(STRICT, "true"));

        // The plugins folder, through Apache Felix FileInstall: jars dropped there are installed and started,
        // changed ones updated, removed ones uninstalled. Only jars: a .cfg there must not become a
        // Configuration Admin configuration. Its scratch files stay out of the watched folder.
        config.put("felix.fileinstall.dir", home.resolve("plugins").toString());
        config.put("felix.fileinstall.filter", ".*\\.jar");
        config.put("felix.fileinstall.poll", "1000");
        config.put("felix.fileinstall.noInitialDelay", "true");
        config.put("felix.fileinstall.bundles.new.start", "true");
        config.put("felix.fileinstall.bundles.startTransient", "false");
        config.put("felix.fileinstall.start.level", Integer.toString(APPS_START_LEVEL));
        config.put("felix.fileinstall.active.level", Integer.toString(APPS_START_LEVEL));
        config.put("felix.fileinstall.enableConfigSave", "false");
        config.put("felix.fileinstall.tmpdir", home.resolve("data/fileinstall").toString());
        config.put("felix.fileinstall.log.level", "3"); // errors, warnings and each install or removal
        config.put("felix.fileinstall.log.default", "stdout");

        // The Web Console answers nobody until our security provider (the admin's credentials) is
        // registered, and goes away with it. Its built-in provider (admin/admin by default) is still
        // registered, at the lowest ranking: give it a password nobody knows, so it can never apply.
        config.put("felix.webconsole.security.providers", WEB_CONSOLE_SECURITY_PROVIDER);
        config.put("felix.webconsole.username", "admin");
        config.put("felix.webconsole.password", unguessablePassword());
        return config;
    }

    /** A {sha-256} hash of 32 random bytes: no password has it, so the console's own login never succeeds. */
    private static String unguessablePassword() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        try {
            return "{sha-256}" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(secret));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    static void prepareHome(Path home) throws IOException {
        prepareHome(new Options(home, 8080, "127.0.0.1"));
    }

    static void prepareHome(Options options) throws IOException {
        Path home = options.home();
        Path upmconfig = options.upmconfig();
        Path truststore = upmconfig.resolve("truststore");
        boolean createdHere = !Files.exists(upmconfig);
        if (!Files.exists(truststore)) {
            Files.createDirectories(truststore);
            Files.setPosixFilePermissions(truststore, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(truststore.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.createDirectories(home.resolve("plugins"));
        Files.createDirectories(home.resolve("data"));
        Path properties = upmconfig.resolve("signing.properties");
        if (!Files.exists(properties) && Files.isWritable(upmconfig)) {
            Files.writeString(properties, """
                    # The app signing policy (see the README). This file is the floor: the plugin manager's
                    # Settings may make it stricter, never laxer (unless policy.adminMayRelax=true below).
                    # mode: OFF (no check), WARN (check, report, install anyway) or ENFORCE (install only what verifies)
                    mode=WARN
                    # enforceAfter: the end of the grace period; from then on WARN acts as ENFORCE
                    #enforceAfter=2027-03-31
                    #mode.upload=WARN
                    #mode.marketplace=ENFORCE
                    #upload.enabled=true
                    #trustStore.looseCheck=false
                    #policy.adminMayRelax=false
                    # strict: bundles that reach the framework by another path than the plugin manager or the
                    # plugins folder (the Web Console's upload, a shell) never resolve. On unless this says false.
                    #strict=true
                    """);
        }
        // Root owns what it creates, so then the folder is protected already (a root product gets a warning of its own).
        if (createdHere && !"root".equals(System.getProperty("user.name"))) {
            developmentSetUp(upmconfig);
        }
    }

    private static boolean isClusterBundle(Bundle bundle) {
        return bundle.getLocation().startsWith(PRODUCT + CLUSTER_BUNDLE + "-");
    }

    /**
     * The home's configuration folder was created just now, by and for the user running the product:
     * a developer's set-up. That user can write the trust store, so it trusts nothing; say so once,
     * plainly, with the commands that protect it.
     */
    private static void developmentSetUp(Path upmconfig) {
        String user = System.getProperty("user.name");
        System.out.println("""
                ------------------------------------------------------------------------------------------
                Development set-up: %1$s was created by the user running the product (%2$s),
                who can therefore change the trust store. Until it is protected, the trust store trusts
                nothing and every signed upload is rejected with TRUST_STORE_UNSAFE (the Health page says why).
                In production, create and protect it as root before the first start (README, "Running it in
                production"); here, protect it with:
                    sudo chown -R root:root %1$s
                    sudo chmod 755 %1$s %1$s/truststore
                ------------------------------------------------------------------------------------------"""
                .formatted(upmconfig, user));
    }

    /**
     * Installs, or updates when this jar carries another version, the product's own bundles. Called
     * before the framework starts, when no bundle is resolved: an update or uninstall leaves no old
     * revision wired, so no refresh is needed.
     */
    private static List<Bundle> installProduct(BundleContext context) throws Exception {
        Map<String, Bundle> installed = new HashMap<>();
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getLocation().startsWith(PRODUCT)) {
                installed.put(bundle.getLocation(), bundle);
            }
        }
        List<Bundle> product = new ArrayList<>();
        for (String name : embeddedBundles()) {
            String location = PRODUCT + name;
            URL url = Main.class.getResource("/bundles/" + name);
            Bundle existing = installed.remove(location);
            if (existing == null) {
                try (InputStream in = url.openStream()) {
                    existing = context.installBundle(location, in);
                }
            } else if (!existing.getVersion().equals(versionOf(url))) {
                try (InputStream in = url.openStream()) {
                    existing.update(in);
                }
            }
            // FileInstall installs the apps of the plugins folder: it starts with them, after the product.
            existing.adapt(BundleStartLevel.class).setStartLevel(
                    name.startsWith(FILE_INSTALL) ? APPS_START_LEVEL : PRODUCT_START_LEVEL);
            product.add(existing);
        }
        for (Bundle stale : installed.values()) {
            stale.uninstall();
        }
        return product;
    }

    /** Bundles from an older cache (installed before start levels were used) move to the apps' level. */
    private static void placeAppsAfterProduct(BundleContext context) {
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getBundleId() != 0 && !bundle.getLocation().startsWith(PRODUCT)) {
                BundleStartLevel level = bundle.adapt(BundleStartLevel.class);
                if (level.getStartLevel() < APPS_START_LEVEL) {
                    level.setStartLevel(APPS_START_LEVEL);
                }
            }
        }
    }

    private static Version versionOf(URL url) throws IOException {
        try (JarInputStream jar = new JarInputStream(url.openStream())) {
            Manifest manifest = jar.getManifest();
            return Version.parseVersion(manifest == null ? null : manifest.getMainAttributes().getValue(Constants.BUNDLE_VERSION));
        }
    }

    /** The bundles inside this jar (or build folder), in name order. */
    private static List<String> embeddedBundles() throws Exception {
        URI uri = Main.class.getResource("/bundles/").toURI();
        List<String> names = new ArrayList<>();
        if (uri.getScheme().equals("jar")) {
            try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                try (var files = Files.list(jar.getPath("/bundles"))) {
                    files.forEach(p -> names.add(p.getFileName().toString()));
                }
            }
        } else {
            try (var files = Files.list(Path.of(uri))) {
                files.forEach(p -> names.add(p.getFileName().toString()));
            }
        }
        names.removeIf(name -> !name.endsWith(".jar"));
        names.sort(null);
        return names;
    }

    private static void waitForHttp(Options options) throws InterruptedException {
        String host = options.bind().equals("0.0.0.0") || options.bind().equals("::") ? "127.0.0.1" : options.bind();
        for (int i = 0; i < 300; i++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, options.port()), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        System.err.println("sample-host: the HTTP server did not come up on port " + options.port());
    }
}
