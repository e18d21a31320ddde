package io.appsigning.verifier;

import java.security.cert.X509Certificate;

/**
 * A parsed signature file.
 *
 * @param signature   the 64-byte Ed25519 signature
 * @param certificate the leaf certificate (marketplace form), or null (custom form)
 */
record SignatureFile(byte[] signature, X509Certificate certificate) {

    Flow flow() {
        return certificate != null ? Flow.MARKETPLACE : Flow.CUSTOM;
    }
}
