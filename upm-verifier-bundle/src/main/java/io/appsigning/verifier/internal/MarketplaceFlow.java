package io.appsigning.verifier.internal;

import io.appsigning.verifier.SignatureFile;

import io.appsigning.verifier.VerificationResult;

import io.appsigning.verifier.Signer;

import io.appsigning.verifier.ReasonCode;

import io.appsigning.verifier.Flow;

import io.appsigning.truststore.DenyList;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.truststore.TrustedCertificate;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The marketplace flow: the signature file carries a short-lived leaf, and the path is that leaf
 * and the trust store anchor that issued it (RFC 5280 section 6 below the anchor; the anchor's own
 * key usage is not checked, so an intermediate without keyCertSign still issues leaves).
 */
final class MarketplaceFlow {

    private static final String CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
    private static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";
    private static final int DIGITAL_SIGNATURE = 0;
    /** Critical extensions this flow processes; any other critical extension fails the path. */
    private static final Set<String> UNDERSTOOD_CRITICAL = Set.of(
            "2.5.29.15", // key usage
            "2.5.29.37", // extended key usage
            "2.5.29.19", // basic constraints
            "2.5.29.17", // subject alternative name
            "2.5.29.14", // subject key identifier
            "2.5.29.35"); // authority key identifier

    private MarketplaceFlow() {}

    static FlowCheck begin(SignatureFile file, TrustStoreSnapshot trust, Instant at) {
        X509Certificate leaf = file.certificate();
        TrustedCertificate leafInfo = TrustedCertificate.of(leaf, null);
        String leafName = leafInfo.subject();
        DenyList deny = trust.denyList();
        if (deny.denies(leafInfo.sha256()) || deny.denies(leafInfo.publicKeySha256())) {
            return reject(ReasonCode.REVOKED, "The app's signing certificate " + leafName
                    + " (SHA-256 " + leafInfo.sha256() + ") or its key is on the deny list. Do not install this app.");
        }
        byte[] key = Ed25519Keys.raw(leaf.getPublicKey());
        if (key == null) {
            return reject(ReasonCode.UNSUPPORTED_KEY_ALGORITHM, "The app's signing certificate " + leafName
                    + " has a " + leaf.getPublicKey().getAlgorithm()
                    + " key; apps must be signed with Ed25519. Ask the vendor for an Ed25519-signed build.");
        }
        ReasonCode leafValidity = Certificates.validity(leaf, at);
        if (leafValidity != ReasonCode.VERIFIED) {
            return reject(leafValidity, "The app's signing certificate " + leafName + " is valid from "
                    + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant()
                    + ", not at " + at + ". Get a freshly signed copy of the app, and check the product's clock.");
        }
        FlowCheck issuerProblem = findIssuer(leaf, leafName, trust, at);
        if (issuerProblem != null) {
            return issuerProblem;
        }
        for (String oid : criticalExtensions(leaf)) {
            if (!UNDERSTOOD_CRITICAL.contains(oid)) {
                return reject(ReasonCode.UNTRUSTED_CERTIFICATE, "The app's signing certificate " + leafName
                        + " has a critical extension " + oid + " that this product does not understand, so it"
                        + " cannot be trusted (RFC 5280).");
            }
        }
        boolean[] keyUsage = leaf.getKeyUsage();
        if (keyUsage != null && (keyUsage.length <= DIGITAL_SIGNATURE || !keyUsage[DIGITAL_SIGNATURE])) {
            return reject(ReasonCode.CERTIFICATE_NOT_FOR_CODE_SIGNING, "The app's signing certificate " + leafName
                    + " has a key usage without digitalSignature, so it may not sign apps.");
        }
        List<String> extendedKeyUsage;
        try {
            extendedKeyUsage = leaf.getExtendedKeyUsage();
        } catch (java.security.cert.CertificateParsingException e) {
            return reject(ReasonCode.UNTRUSTED_CERTIFICATE, "The app's signing certificate " + leafName
                    + " has an extended key usage that cannot be read.");
        }
        if (extendedKeyUsage != null
                && !extendedKeyUsage.contains(CODE_SIGNING)
                && !extendedKeyUsage.contains(ANY_EXTENDED_KEY_USAGE)) {
            return reject(ReasonCode.CERTIFICATE_NOT_FOR_CODE_SIGNING, "The app's signing certificate " + leafName
                    + " has an extended key usage without codeSigning, so it may not sign apps.");
        }
        Ed25519StreamingCheck check = Ed25519StreamingCheck.start(key, file.signature());
        Signer signer = Certificates.signer(leafInfo);
        return new FlowCheck() {
            @Override
            public List<MessageDigest> digests() {
                return check.digest() == null ? List.of() : List.of(check.digest());
            }

            @Override
            public VerificationResult finish(String appSha256, AppBytes again) {
                if (check.digest() != null && check.verifies(check.digest().digest())) {
                    return new VerificationResult(ReasonCode.VERIFIED, Flow.MARKETPLACE, signer,
                            "Verified: signed by " + leafName + ", issued by "
                                    + leaf.getIssuerX500Principal().getName() + " from the trust store.",
                            appSha256);
                }
                return new VerificationResult(ReasonCode.SIGNATURE_MISMATCH, Flow.MARKETPLACE, null,
                        "The signature does not match the app's bytes under the key of " + leafName
                                + ": the app was changed after signing, or the signature belongs to another"
                                + " file. Download the app and its signature again.",
                        appSha256);
            }
        };
    }

    /** Null when a valid, trusted CA anchor issued the leaf; otherwise the rejection. */
    private static FlowCheck findIssuer(X509Certificate leaf, String leafName, TrustStoreSnapshot trust, Instant at) {
        String issuerName = leaf.getIssuerX500Principal().getName();
        FlowCheck bestProblem = null;
        for (TrustedCertificate anchor : trust.certificates()) {
            X509Certificate ca = anchor.certificate();
            if (!ca.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) {
                continue;
            }
            try {
                leaf.verify(ca.getPublicKey());
            } catch (GeneralSecurityException | RuntimeException e) {
                // Same name, other key (a renewed or an impostor CA): not this leaf's issuer.
                continue;
            }
            if (trust.denyList().denies(anchor.sha256()) || trust.denyList().denies(anchor.publicKeySha256())) {
                return reject(ReasonCode.REVOKED, "The app's certificate was issued by " + anchor.subject()
                        + " (SHA-256 " + anchor.sha256() + "), which is on the deny list. Do not install this app.");
            }
            if (ca.getBasicConstraints() < 0) {
                bestProblem = reject(ReasonCode.UNTRUSTED_CERTIFICATE, "The app's certificate " + leafName
                        + " was issued by " + anchor.subject() + " (" + anchor.source()
                        + "), but that certificate is not a CA (basic constraints), so it may not issue"
                        + " certificates. Trust the vendor's CA certificate instead.");
                continue;
            }
            ReasonCode anchorValidity = Certificates.validity(ca, at);
            if (anchorValidity != ReasonCode.VERIFIED) {
                bestProblem = reject(anchorValidity, "The app's certificate was issued by " + anchor.subject()
                        + " (" + anchor.source() + "), whose certificate is valid from "
                        + ca.getNotBefore().toInstant() + " to " + ca.getNotAfter().toInstant()
                        + " and so does not count at " + at + ". Replace it in the trust store with the"
                        + " current CA certificate.");
                continue;
            }
            return null;
        }
        if (bestProblem != null) {
            return bestProblem;
        }
        return reject(ReasonCode.UNTRUSTED_CERTIFICATE, "The app's certificate " + leafName + " was issued by "
                + issuerName + ", and no CA certificate in the trust store " + trust.folder()
                + " with that name signed it. If you trust this publisher, add its CA certificate to the trust store.");
    }

    private static Set<String> criticalExtensions(X509Certificate certificate) {
        Set<String> oids = certificate.getCriticalExtensionOIDs();
        return oids != null ? oids : Set.of();
    }

    private static FlowCheck reject(ReasonCode reason, String message) {
        return FlowCheck.decided(reason, Flow.MARKETPLACE, message);
    }
}
