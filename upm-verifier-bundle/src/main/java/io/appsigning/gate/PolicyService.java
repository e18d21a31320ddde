package io.appsigning.gate;

import java.util.Map;

/**
 * The policy in force, from {@code signing.properties} overridden by Configuration Admin (PID
 * {@code io.appsigning.policy}); the admin UI writes through {@link #update}.
 */
@org.osgi.annotation.versioning.ProviderType
public interface PolicyService {

    String PID = "io.appsigning.policy";

    Policy current();

    /**
     * Changes some policy keys (DESIGN.md names: {@code mode}, {@code enforceAfter},
     * {@code mode.upload}, {@code mode.marketplace}, {@code upload.enabled},
     * {@code trustStore.looseCheck}); an empty value resets a key to its default. Applies to the
     * next install without restart.
     *
     * @throws IllegalArgumentException for an unknown key or a value that does not parse; nothing
     *                                  is changed then
     */
    Policy update(Map<String, String> changes);
}
