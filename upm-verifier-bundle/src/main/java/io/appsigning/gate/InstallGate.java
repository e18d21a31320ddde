package io.appsigning.gate;

/**
 * The plugin manager's only way to install, update or remove an app. No OSGi hook can veto
 * {@code BundleContext.installBundle}, so the check must sit here, before it.
 */
@org.osgi.annotation.versioning.ProviderType
public interface InstallGate {

    /**
     * Spools the app once, verifies it under the policy in force and installs exactly the bytes
     * verified (or updates the installed app with the same symbolic name), then starts it. On any
     * rejection or failure nothing is installed, no temporary file is left and an earlier
     * version keeps running.
     */
    InstallOutcome install(InstallRequest request);

    /**
     * Uninstalls an app installed through the gate or from the plugins folder.
     *
     * @return false when no app has that key
     */
    boolean uninstall(String key, String user);
}
