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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * The sample product: Apache Felix with the product's bundles (carried inside this jar), the apps
 * in {@code <home>/plugins/} (trusted: placed by someone with file system access), and the plugin
 * manager, which installs uploaded apps only through the install gate.
 */
public final class Main {

    private static final String PRODUCT = "product:";

    record Options(Path home, int port, String bind) {}

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
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                framework.stop();
                framework.waitForStop(30_000);
            } catch (BundleException | InterruptedException e) {
                System.err.println("sample-host: clean stop failed: " + e.getMessage());
            } finally {
                stopped.countDown();
            }
        }, "sample-host-shutdown"));
        framework.waitForStop(0);
        System.out.println("sample-host stopped.");
    }

    static Options parse(String[] args, PrintStream out) {
        Path home = Path.of("upm-home");
        int port = 8080;
        String bind = "127.0.0.1";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
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
                              --home DIR      the product home (default ./upm-home), created on first start
                              --port N        the plugin manager's HTTP port (default 8080)
                              --bind ADDRESS  the address to listen on (default 127.0.0.1, this machine only)
                            The admin password comes from APPSIGN_ADMIN_PASSWORD, or is generated and printed at first start.""");
                    return null;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        return new Options(home.toAbsolutePath().normalize(), port, bind);
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
        prepareHome(home);
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, home.resolve("data/felix-cache").toString());
        config.put("appsigning.home", home.toString());
        config.put("org.osgi.service.http.port", Integer.toString(options.port()));
        config.put("org.apache.felix.http.host", options.bind());
        config.put("org.apache.felix.http.jetty.sendServerHeader", "false");
        // A client that sends nothing for 30 s is let go (an upload stalled that long is UPLOAD_STALLED).
        config.put("org.apache.felix.http.timeout", "30000");
        config.put("felix.log.level", "1");
        Framework framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(config);
        framework.start();
        BundleContext context = framework.getBundleContext();
        List<Bundle> product = installProduct(context);
        startAll(product);
        List<Bundle> plugins = installPlugins(context, home.resolve("plugins"));
        startAll(plugins);
        waitForHttp(options);
        String host = options.bind().contains(":") ? "[" + options.bind() + "]" : options.bind();
        System.out.println("Plugin manager: http://" + host + ":" + options.port() + "/  (home " + home + ")");
        return framework;
    }

    static void prepareHome(Path home) throws IOException {
        Path truststore = home.resolve("upmconfig/truststore");
        if (!Files.exists(truststore)) {
            Files.createDirectories(truststore);
            Files.setPosixFilePermissions(truststore, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(truststore.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.createDirectories(home.resolve("plugins"));
        Files.createDirectories(home.resolve("data"));
        Path properties = home.resolve("upmconfig/signing.properties");
        if (!Files.exists(properties)) {
            Files.writeString(properties, """
                    # The app signing policy (see the README). Settings made in the plugin manager override these.
                    # mode: OFF (no check), WARN (check, report, install anyway) or ENFORCE (install only what verifies)
                    mode=WARN
                    # enforceAfter: the end of the grace period; from then on WARN acts as ENFORCE
                    #enforceAfter=2027-03-31
                    #mode.upload=WARN
                    #mode.marketplace=ENFORCE
                    #upload.enabled=true
                    #trustStore.looseCheck=false
                    """);
        }
    }

    /** Installs, or updates when this jar carries another version, the product's own bundles. */
    private static List<Bundle> installProduct(BundleContext context) throws Exception {
        Map<String, Bundle> installed = new HashMap<>();
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getLocation().startsWith(PRODUCT)) {
                installed.put(bundle.getLocation(), bundle);
            }
        }
        List<Bundle> product = new ArrayList<>();
        List<Bundle> updated = new ArrayList<>();
        for (String name : embeddedBundles()) {
            String location = PRODUCT + name;
            URL url = Main.class.getResource("/bundles/" + name);
            Bundle existing = installed.remove(location);
            if (existing == null) {
                try (InputStream in = url.openStream()) {
                    product.add(context.installBundle(location, in));
                }
            } else {
                if (!existing.getVersion().equals(versionOf(url))) {
                    try (InputStream in = url.openStream()) {
                        existing.update(in);
                    }
                    updated.add(existing);
                }
                product.add(existing);
            }
        }
        for (Bundle stale : installed.values()) {
            stale.uninstall();
            updated.add(stale);
        }
        if (!updated.isEmpty()) {
            refresh(context, updated);
        }
        return product;
    }

    private static void refresh(BundleContext context, List<Bundle> bundles) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(bundles, event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        done.await();
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

    /** The file-system install path: unchecked, since whoever can write there is trusted. */
    private static List<Bundle> installPlugins(BundleContext context, Path folder) throws IOException {
        List<Bundle> plugins = new ArrayList<>();
        List<Path> jars;
        try (var files = Files.list(folder)) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        }
        for (Path jar : jars) {
            String location = jar.toUri().toString();
            try {
                Bundle existing = context.getBundle(location);
                if (existing == null) {
                    plugins.add(context.installBundle(location));
                } else {
                    if (Files.getLastModifiedTime(jar).toMillis() > existing.getLastModified()) {
                        existing.update();
                    }
                    plugins.add(existing);
                }
            } catch (BundleException e) {
                System.err.println("sample-host: cannot install " + jar + " from the plugins folder: " + e.getMessage());
            }
        }
        return plugins;
    }

    private static void startAll(List<Bundle> bundles) {
        for (Bundle bundle : bundles) {
            if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
                continue;
            }
            try {
                bundle.start();
            } catch (BundleException e) {
                System.err.println("sample-host: cannot start " + bundle.getSymbolicName() + ": " + e.getMessage());
            }
        }
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
