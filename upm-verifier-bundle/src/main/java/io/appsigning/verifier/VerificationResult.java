package io.appsigning.verifier;

/**
 * The decision on one app. Expected failures are results, never exceptions.
 *
 * @param reason    the stable reason code; {@link ReasonCode#VERIFIED} exactly when verified
 * @param flow      the flow that applied, or null when the signature file could not be read
 * @param signer    the certificate that verified, or null when not verified
 * @param message   what happened and what to do, for an administrator
 * @param appSha256 lowercase hex SHA-256 of the app bytes, computed for the deny list: null when the
 *                  deny list is empty (nothing to compare it with, so not worth a pass over the app)
 */
public record VerificationResult(
        ReasonCode reason, Flow flow, Signer signer, String message, String appSha256) {

    public VerificationResult {
        if (reason == null || message == null) {
            throw new NullPointerException("reason and message are required");
        }
        if ((reason == ReasonCode.VERIFIED) != (signer != null)) {
            throw new IllegalArgumentException("a signer is named exactly when verified");
        }
    }

    public boolean verified() {
        return reason == ReasonCode.VERIFIED;
    }
}
