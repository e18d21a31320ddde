package io.appsigning.verifier;

import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.truststore.TrustedCertificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The custom flow (private builds and custom apps): the signature file carries only the
 * signature, which must verify under the key of at least one valid trusted Ed25519 certificate.
 * Every candidate key is checked in the same single pass over the app.
 */
final class CustomFlow {

    private CustomFlow() {}

    private record Candidate(TrustedCertificate certificate, Ed25519StreamingCheck check) {}

    static FlowCheck begin(SignatureFile file, TrustStoreSnapshot trust, Instant at) {
        List<Candidate> candidates = new ArrayList<>();
        Set<String> keysSeen = new HashSet<>();
        int expired = 0;
        int notEd25519 = 0;
        for (TrustedCertificate trusted : trust.certificates()) {
            byte[] key = Ed25519Keys.raw(trusted.certificate().getPublicKey());
            if (key == null) {
                notEd25519++;
            } else if (Certificates.validity(trusted.certificate(), at) != ReasonCode.VERIFIED) {
                expired++;
            } else if (keysSeen.add(trusted.publicKeySha256())) {
                // One check per distinct key: a key certified twice is hashed once.
                candidates.add(new Candidate(trusted, Ed25519StreamingCheck.start(key, file.signature())));
            }
        }
        if (candidates.isEmpty()) {
            return FlowCheck.decided(ReasonCode.NO_TRUSTED_CERTIFICATES, Flow.CUSTOM,
                    "The trust store " + trust.folder() + " holds no certificate that can verify a custom app: of "
                            + trust.certificates().size() + " certificates, " + notEd25519
                            + " have no Ed25519 key and " + expired + " are not valid at " + at
                            + ". Add the vendor's or your own signing certificate to the trust store.");
        }
        int candidateCount = candidates.size();
        return new FlowCheck() {
            @Override
            public void update(byte[] buffer, int offset, int length) {
                for (Candidate candidate : candidates) {
                    candidate.check().update(buffer, offset, length);
                }
            }

            @Override
            public VerificationResult finish(String appSha256) {
                for (Candidate candidate : candidates) {
                    if (candidate.check().finish()) {
                        TrustedCertificate signer = candidate.certificate();
                        if (trust.denyList().denies(signer.sha256()) || trust.denyList().denies(signer.publicKeySha256())) {
                            return new VerificationResult(ReasonCode.REVOKED, Flow.CUSTOM, null,
                                    "The app was signed with the key of " + signer.subject() + " (SHA-256 "
                                            + signer.sha256() + "), which is on the deny list. Do not install this app.",
                                    appSha256);
                        }
                        return new VerificationResult(ReasonCode.VERIFIED, Flow.CUSTOM, Certificates.signer(signer),
                                "Verified: signed with the key of " + signer.subject() + " (" + signer.source() + ").",
                                appSha256);
                    }
                }
                return new VerificationResult(ReasonCode.SIGNATURE_MISMATCH, Flow.CUSTOM, null,
                        "The signature does not verify with any of the " + candidateCount
                                + " trusted Ed25519 certificates: the app was changed after signing, or it was signed"
                                + " with a key whose certificate is not in the trust store. Add the signer's"
                                + " certificate, or get a correctly signed build.",
                        appSha256);
            }
        };
    }
}
