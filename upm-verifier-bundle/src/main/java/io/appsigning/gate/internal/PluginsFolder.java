package io.appsigning.gate.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Path;
import org.osgi.framework.BundleContext;

/**
 * The product's plugins folder, {@code <home>/plugins/}, and whether a bundle location names a file
 * in it. Apache Felix FileInstall installs each file there with the file's URI as the location,
 * {@code file:/<home>/plugins/<name>.jar} ({@code File.toURI().normalize()}: one slash after
 * {@code file:}).
 */
final class PluginsFolder {

    private PluginsFolder() {}

    /** {@code <appsigning.home>/plugins}, absolute and normalized. */
    static Path of(BundleContext context) {
        String home = context.getProperty(HomeStore.HOME_PROPERTY);
        if (home == null || home.isBlank()) {
            throw new IllegalStateException("The framework property " + HomeStore.HOME_PROPERTY + " is not set: the product"
                    + " must name its home folder.");
        }
        return Path.of(home).toAbsolutePath().normalize().resolve("plugins");
    }

    /**
     * Whether {@code location} is a {@code file:} URI of a file inside {@code folder}. Anything that
     * could point elsewhere while looking inside (dot segments, a host, a query) is outside.
     */
    static boolean contains(Path folder, String location) {
        if (location == null || !location.startsWith("file:")) {
            return false;
        }
        try {
            URI uri = new URI(location);
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                return false;
            }
            Path path = Path.of(uri);
            if (!path.isAbsolute() || !path.equals(path.normalize())) {
                return false;
            }
            return path.startsWith(folder) && !path.equals(folder);
        } catch (URISyntaxException | IllegalArgumentException | FileSystemNotFoundException e) {
            return false;
        }
    }
}
