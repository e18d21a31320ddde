package io.appsigning.verifier;

/** Which verification flow applied: decided by the signature file, which carries a leaf or not. */
public enum Flow {
    /** The signature file carries a leaf certificate that must chain to a trust store anchor. */
    MARKETPLACE,
    /** The signature file carries only the signature, checked against trusted Ed25519 certificates. */
    CUSTOM
}
