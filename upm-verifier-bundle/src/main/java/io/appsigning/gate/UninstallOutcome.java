package io.appsigning.gate;

/**
 * The gate's answer to an uninstall.
 *
 * @param removed whether the app is gone
 * @param code    {@code UNINSTALLED}, {@code NOT_FOUND}, {@code FILE_SYSTEM_APP} (remove its file from
 *                the plugins folder instead), {@code AUDIT_UNAVAILABLE} or {@code UNINSTALL_FAILED}
 * @param message for an administrator
 * @param version the version that was removed, or null
 */
public record UninstallOutcome(boolean removed, String code, String message, String version) {

    public static final String UNINSTALLED = "UNINSTALLED";
    public static final String NOT_FOUND = "NOT_FOUND";
    public static final String FILE_SYSTEM_APP = "FILE_SYSTEM_APP";
    public static final String UNINSTALL_FAILED = "UNINSTALL_FAILED";
}
