package io.appsigning.verifier.internal;

import io.appsigning.verifier.SignatureFile;

import io.appsigning.verifier.VerificationResult;

import io.appsigning.verifier.ReasonCode;

import io.appsigning.verifier.Flow;

import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.truststore.TrustedCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The custom flow (private builds and custom apps): the signature file carries only the
 * signature, which must verify under the key of at least one valid trusted Ed25519 certificate.
 *
 * <p>Pure Ed25519 hashes R || A || M, so every candidate key A costs a SHA-512 over the whole app.
 * The signature file's key hint only orders that work and is never trusted: the hinted candidate
 * is one of the trust store's own, checked by the same rules as the others, and whatever the hint
 * says the decision is the one the trust store gives without it (two different keys cannot both
 * verify one signature short of a SHA-512 collision), only sooner. When the app can be read a
 * second time, the first reading hashes the hinted candidate alone and the others follow only if
 * it fails; otherwise, and without a usable hint, every candidate is hashed in the one reading,
 * spread across the cores.
 */
final class CustomFlow {

    private CustomFlow() {}

    private record Candidate(TrustedCertificate certificate, byte[] key) {}

    private record Started(Candidate candidate, Ed25519StreamingCheck check) {}

    static FlowCheck begin(SignatureFile file, TrustStoreSnapshot trust, Instant at, boolean rereadable) {
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
                candidates.add(new Candidate(trusted, key));
            }
        }
        if (candidates.isEmpty()) {
            return FlowCheck.decided(ReasonCode.NO_TRUSTED_CERTIFICATES, Flow.CUSTOM,
                    "The trust store " + trust.folder() + " holds no certificate that can verify a custom app: of "
                            + trust.certificates().size() + " certificates, " + notEd25519
                            + " have no Ed25519 key and " + expired + " are not valid at " + at
                            + ". Add the vendor's or your own signing certificate to the trust store.");
        }
        Started hinted = null;
        for (Candidate candidate : candidates) {
            if (candidate.certificate().publicKeySha256().equals(file.keySha256())) {
                Started started = start(candidate, file);
                // A hinted key that fails before any hashing (a signature it can never verify) orders nothing.
                hinted = started.check().digest() != null ? started : null;
                break;
            }
        }
        List<Started> first = new ArrayList<>();
        if (hinted != null) {
            first.add(hinted);
        }
        if (hinted == null || !rereadable) {
            for (Candidate candidate : candidates) {
                if (hinted == null || candidate != hinted.candidate()) {
                    first.add(start(candidate, file));
                }
            }
        }
        return new Check(file, trust, candidates, first, hinted);
    }

    private static Started start(Candidate candidate, SignatureFile file) {
        return new Started(candidate, Ed25519StreamingCheck.start(candidate.key(), file.signature()));
    }

    private static final class Check implements FlowCheck {
        private final SignatureFile file;
        private final TrustStoreSnapshot trust;
        private final List<Candidate> candidates;
        private final List<Started> first;
        private final Started hinted;

        Check(SignatureFile file, TrustStoreSnapshot trust, List<Candidate> candidates, List<Started> first, Started hinted) {
            this.file = file;
            this.trust = trust;
            this.candidates = candidates;
            this.first = first;
            this.hinted = hinted;
        }

        @Override
        public List<MessageDigest> digests() {
            return first.stream().map(started -> started.check().digest()).filter(Objects::nonNull).toList();
        }

        @Override
        public VerificationResult finish(String appSha256, AppBytes again) throws IOException {
            byte[] hintedHash = null;
            for (Started started : first) {
                MessageDigest digest = started.check().digest();
                if (digest == null) {
                    continue;
                }
                byte[] hash = digest.digest();
                if (started == hinted) {
                    hintedHash = hash;
                }
                if (started.check().verifies(hash)) {
                    return decide(started.candidate(), appSha256);
                }
            }
            if (first.size() == candidates.size()) {
                return mismatch(appSha256);
            }
            if (again == null) {
                throw new IllegalStateException("this verification needs a second reading of the app: finish it with finish(Path)");
            }
            return secondReading(appSha256, again, hintedHash);
        }

        /**
         * The candidates the hint put off, in trust store order, and the hinted one once more: its
         * hash must come out as before, which proves that the second reading saw the same bytes.
         */
        private VerificationResult secondReading(String appSha256, AppBytes again, byte[] hintedHash) throws IOException {
            Ed25519StreamingCheck recheck = Ed25519StreamingCheck.start(hinted.candidate().key(), file.signature());
            List<Started> rest = new ArrayList<>();
            List<MessageDigest> digests = new ArrayList<>();
            digests.add(recheck.digest());
            for (Candidate candidate : candidates) {
                if (candidate != hinted.candidate()) {
                    Started started = start(candidate, file);
                    rest.add(started);
                    if (started.check().digest() != null) {
                        digests.add(started.check().digest());
                    }
                }
            }
            DigestFanOut fan = new DigestFanOut(digests);
            byte[] buffer = new byte[AppVerifier.READ_BUFFER];
            try (InputStream in = again.open()) {
                for (int n; (n = in.readNBytes(buffer, 0, buffer.length)) > 0; ) {
                    fan.update(buffer, 0, n);
                }
            } finally {
                fan.finish();
            }
            if (!MessageDigest.isEqual(recheck.digest().digest(), hintedHash)) {
                throw new IOException("the app's bytes changed between its two readings, so it was not verified");
            }
            for (Started started : rest) {
                if (started.check().digest() != null && started.check().verifies(started.check().digest().digest())) {
                    return decide(started.candidate(), appSha256);
                }
            }
            return mismatch(appSha256);
        }

        private VerificationResult decide(Candidate candidate, String appSha256) {
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

        private VerificationResult mismatch(String appSha256) {
            return new VerificationResult(ReasonCode.SIGNATURE_MISMATCH, Flow.CUSTOM, null,
                    "The signature does not verify with any of the " + candidates.size()
                            + " trusted Ed25519 certificates: the app was changed after signing, or it was signed"
                            + " with a key whose certificate is not in the trust store. Add the signer's"
                            + " certificate, or get a correctly signed build.",
                    appSha256);
        }
    }
}
