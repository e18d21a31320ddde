package io.appsigning.verifier;

import java.security.cert.X509Certificate;

/**
 * A parsed signature file.
 *
 * @param signature   the 64-byte Ed25519 signature
 * @param certificate the leaf certificate (marketplace form), or null (custom form)
 * @param keySha256   the signer's hint: lowercase hex SHA-256 of the signing key's DER
 *                    SubjectPublicKeyInfo, or null when the file has none (or an unusable one).
 *                    Only an ordering hint, never a reason to trust anything.
 */
public record SignatureFile(byte[] signature, X509Certificate certificate, String keySha256) {

    public Flow flow() {
        return certificate != null ? Flow.MARKETPLACE : Flow.CUSTOM;
    }
}
