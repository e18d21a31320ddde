package io.appsigning.gate;

/** The signature status of an installed app, as the plugin manager shows it. */
public enum SignatureStatus {
    VERIFIED,
    /** Installed while the check did not enforce; the record keeps the reason code. */
    UNSIGNED,
    /** Present before the gate first ran; keeps running. */
    INSTALLED_BEFORE_SIGNING,
    /** Installed from the product's plugins folder by someone with file system access. */
    FILE_SYSTEM
}
