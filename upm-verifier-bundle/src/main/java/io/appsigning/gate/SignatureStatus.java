package io.appsigning.gate;

/** The signature status of an installed app, as the plugin manager shows it (DESIGN.md's table). */
public enum SignatureStatus {
    /** Verified when installed. */
    VERIFIED("Verified"),
    /** Installed in WARN with no signature file. */
    UNSIGNED("Unsigned"),
    /** Installed in WARN although its signature failed; the record keeps the reason code. */
    NOT_VERIFIED("Signature failed"),
    /** Installed while the mode was OFF. */
    NOT_CHECKED("Not checked"),
    /** Present before the gate first ran; keeps running. */
    INSTALLED_BEFORE_SIGNING("Installed before signing"),
    /** Installed from the product's plugins folder by someone with file system access. */
    FILE_SYSTEM("From file system"),
    /** Reached the framework by another install path while strict mode is on; never resolves. */
    BLOCKED("Blocked (strict mode)");

    private final String label;

    SignatureStatus(String label) {
        this.label = label;
    }

    /** The words the UI shows for this status. */
    public String label() {
        return label;
    }

    /** What an administrator should do about an app in this status, or null when nothing. */
    public String advice() {
        return switch (this) {
            case VERIFIED, FILE_SYSTEM -> null;
            case UNSIGNED -> "Ask the vendor for the signature file and upload the app again with it.";
            case NOT_VERIFIED -> "Its signature did not verify: find out why (the reason code says) before enforcing,"
                    + " then upload a build whose signature verifies.";
            case NOT_CHECKED -> "Upload it again while the check is on, with its signature file.";
            case INSTALLED_BEFORE_SIGNING -> "Upload a signed build of it before the grace period ends.";
            case BLOCKED -> "Uninstall it, or install it through the plugin manager with its signature file.";
        };
    }
}
