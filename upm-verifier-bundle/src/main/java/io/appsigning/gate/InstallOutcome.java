package io.appsigning.gate;

import io.appsigning.verifier.VerificationResult;

/**
 * The gate's answer. Either the app is installed (possibly unverified, in WARN) with its record,
 * or nothing at all changed and {@code code} says why.
 *
 * @param installed       whether the app is now installed and started
 * @param code            a {@link io.appsigning.verifier.ReasonCode} name, {@code NOT_CHECKED}, or one
 *                        of the gate's own codes below
 * @param message         for an administrator: what happened and what to do
 * @param record          the app's record when installed, else null
 * @param verification    the verification result when a check ran, else null
 * @param previousVersion the version that this install replaced, or null for a new app
 */
public record InstallOutcome(
        boolean installed, String code, String message, AppRecord record, VerificationResult verification,
        String previousVersion) {

    /** Not a bundle, a bundle the framework reads differently, a product bundle's name, or one that cannot start. */
    public static final String INVALID_APP = "INVALID_APP";
    public static final String APP_TOO_LARGE = "APP_TOO_LARGE";
    public static final String UPLOAD_DISABLED = "UPLOAD_DISABLED";
    /** The product could not store or install the app (a full disk, say); nothing changed. */
    public static final String INSTALL_FAILED = "INSTALL_FAILED";
    /** The upload stopped arriving before its end. */
    public static final String UPLOAD_STALLED = "UPLOAD_STALLED";
    /** An older version than the one installed, in ENFORCE, without {@code allowDowngrade}. */
    public static final String DOWNGRADE = "DOWNGRADE";
    /** Signed by another signer than the installed version, in ENFORCE, without {@code allowSignerChange}. */
    public static final String SIGNER_CHANGED = "SIGNER_CHANGED";
    /** The decision could not be written to the audit log, so nothing was installed. */
    public static final String AUDIT_UNAVAILABLE = "AUDIT_UNAVAILABLE";
    /**
     * Data Center mode: the cluster's database could not be reached, or the change could not be
     * committed to it; nothing was installed on any node.
     */
    public static final String CLUSTER_UNAVAILABLE = "CLUSTER_UNAVAILABLE";
    /** The gate is stopping or lacks its trust store or policy service; nothing was installed. */
    public static final String GATE_UNAVAILABLE = "GATE_UNAVAILABLE";
    /** The app is installed without a signature check (mode OFF). */
    public static final String NOT_CHECKED = "NOT_CHECKED";
}
