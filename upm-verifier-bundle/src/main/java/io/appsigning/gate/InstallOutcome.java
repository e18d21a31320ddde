package io.appsigning.gate;

import io.appsigning.verifier.VerificationResult;

/**
 * The gate's answer. Either the app is installed (possibly unverified, in WARN) with its record,
 * or nothing at all changed and {@code code} says why.
 *
 * @param installed    whether the app is now installed and started
 * @param code         a {@link io.appsigning.verifier.ReasonCode} name, or one of the gate's own
 *                     codes: {@code INVALID_APP}, {@code APP_TOO_LARGE}, {@code UPLOAD_DISABLED},
 *                     {@code INSTALL_FAILED}
 * @param message      for an administrator: what happened and what to do
 * @param record       the app's record when installed, else null
 * @param verification the verification result when a check ran, else null
 */
public record InstallOutcome(
        boolean installed, String code, String message, AppRecord record, VerificationResult verification) {

    public static final String INVALID_APP = "INVALID_APP";
    public static final String APP_TOO_LARGE = "APP_TOO_LARGE";
    public static final String UPLOAD_DISABLED = "UPLOAD_DISABLED";
    public static final String INSTALL_FAILED = "INSTALL_FAILED";
}
