package io.appsigning.gate;

import java.util.List;
import java.util.Optional;

/** The per-app signature records (a service). */
@org.osgi.annotation.versioning.ProviderType
public interface AppRecords {

    List<AppRecord> all();

    Optional<AppRecord> find(String key);

    /**
     * Records an app that the product installed from its plugins folder, outside the gate.
     * The host calls this; an operator with file system access is trusted.
     */
    void recordFileSystem(String key, String version, String appSha256);
}
