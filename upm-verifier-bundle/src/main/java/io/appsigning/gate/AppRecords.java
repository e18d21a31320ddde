package io.appsigning.gate;

import java.util.List;
import java.util.Optional;

/** The per-app signature records (a service); the gate is their only writer. */
@org.osgi.annotation.versioning.ProviderType
public interface AppRecords {

    List<AppRecord> all();

    Optional<AppRecord> find(String key);
}
