package io.appsigning.gate.internal;

import io.appsigning.gate.AppRecord;
import io.appsigning.gate.AppRecords;
import io.appsigning.gate.SignatureStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Records, as {@code FILE_SYSTEM}, each bundle installed or updated from the plugins folder (by
 * Apache Felix FileInstall in the sample host), before anyone can start it: the listener is
 * synchronous, so strict mode already finds the record when FileInstall starts the bundle.
 *
 * <p>A stand-in (issue 13, item 3): the gate's own listener, which also writes the audit line with
 * origin {@code FILE_SYSTEM}, replaces it; delete this class then.
 */
@Component(immediate = true)
public final class PluginsFolderRecords {

    private static final System.Logger LOG = System.getLogger(PluginsFolderRecords.class.getName());

    @Reference
    private AppRecords records;

    private BundleContext context;
    private Path plugins;
    private final SynchronousBundleListener listener = this::bundleChanged;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        this.plugins = PluginsFolder.of(context);
        context.addBundleListener(listener);
        // Installed while this component was not active (FileInstall may scan before the gate starts).
        for (Bundle bundle : context.getBundles()) {
            if (PluginsFolder.contains(plugins, bundle.getLocation()) && !recorded(bundle)) {
                record(bundle);
            }
        }
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(listener);
    }

    private void bundleChanged(BundleEvent event) {
        if ((event.getType() == BundleEvent.INSTALLED || event.getType() == BundleEvent.UPDATED)
                && PluginsFolder.contains(plugins, event.getBundle().getLocation())) {
            record(event.getBundle());
        }
    }

    private boolean recorded(Bundle bundle) {
        Optional<AppRecord> record = bundle.getSymbolicName() == null ? Optional.empty() : records.find(bundle.getSymbolicName());
        return record.isPresent() && record.get().status() == SignatureStatus.FILE_SYSTEM
                && record.get().version().equals(bundle.getVersion().toString());
    }

    private void record(Bundle bundle) {
        if (bundle.getSymbolicName() == null) {
            return; // not an OSGi R4 bundle: never resolves, nothing to record
        }
        try {
            records.recordFileSystem(bundle.getSymbolicName(), bundle.getVersion().toString(),
                    sha256(Path.of(URI.create(bundle.getLocation()))));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.ERROR, "Could not record " + bundle.getSymbolicName() + " from the plugins folder ("
                    + bundle.getLocation() + ")", e);
        }
    }

    /** Streamed: a plugin may be large. */
    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
