package io.appsigning.gate;

/**
 * The plugin manager's only way to install, update or remove an app. No OSGi hook can veto
 * {@code BundleContext.installBundle}, so the check must sit here, before it (strict mode then
 * refuses to resolve what came any other way).
 */
@org.osgi.annotation.versioning.ProviderType
public interface InstallGate {

    /**
     * Spools the app once, verifies it under the policy in force and installs exactly the bytes
     * verified (or updates the installed app with the same symbolic name), then starts it. On any
     * rejection or failure nothing is installed, no temporary file is left and an earlier
     * version keeps running. Every decision is written to the audit log; an install whose line
     * cannot be written is undone.
     */
    InstallOutcome install(InstallRequest request);

    /** Uninstalls an app installed through the gate; apps from the plugins folder are removed there. */
    UninstallOutcome uninstall(String key, String user);
}
