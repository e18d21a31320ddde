package io.appsigning.verifier;

/** Stable reason codes of a verification decision (CLI {@code --json}, REST errors, audit log). */
public enum ReasonCode {
    VERIFIED,
    MISSING_SIGNATURE,
    MALFORMED_SIGNATURE_FILE,
    UNSUPPORTED_KEY_ALGORITHM,
    SIGNATURE_MISMATCH,
    UNTRUSTED_CERTIFICATE,
    CERTIFICATE_EXPIRED,
    CERTIFICATE_NOT_YET_VALID,
    CERTIFICATE_NOT_FOR_CODE_SIGNING,
    REVOKED,
    NO_TRUSTED_CERTIFICATES,
    TRUST_STORE_UNSAFE
}
