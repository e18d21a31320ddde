package io.appsigning.verifier.internal;

import java.security.PublicKey;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/** Raw Ed25519 public keys out of certificates, whichever provider parsed them. */
final class Ed25519Keys {

    private Ed25519Keys() {}

    /** The 32-byte key, or null when the key is not Ed25519. */
    static byte[] raw(PublicKey key) {
        try {
            SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(key.getEncoded());
            if (!EdECObjectIdentifiers.id_Ed25519.equals(info.getAlgorithm().getAlgorithm())) {
                return null;
            }
            byte[] raw = info.getPublicKeyData().getOctets();
            return raw.length == Ed25519StreamingCheck.PUBLIC_KEY_BYTES ? raw : null;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
