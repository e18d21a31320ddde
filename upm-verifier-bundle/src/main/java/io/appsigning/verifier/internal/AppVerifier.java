package io.appsigning.verifier.internal;

import io.appsigning.verifier.SignatureFiles;

import io.appsigning.verifier.PendingVerification;

import io.appsigning.verifier.VerificationOptions;

import io.appsigning.verifier.VerificationResult;

import io.appsigning.verifier.ReasonCode;

import io.appsigning.verifier.Flow;

import io.appsigning.truststore.TrustStoreSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The entry point of verification: one trust store snapshot, one set of options, any number of
 * apps. Immutable and thread-safe. The signature file decides the flow: with a {@code certificate}
 * it is the marketplace flow, without one the custom flow.
 */
public final class AppVerifier {

    private final TrustStoreSnapshot trust;
    private final VerificationOptions options;

    private AppVerifier(TrustStoreSnapshot trust, VerificationOptions options) {
        this.trust = trust;
        this.options = options;
    }

    public static AppVerifier of(TrustStoreSnapshot trust, VerificationOptions options) {
        if (trust == null || options == null) {
            throw new NullPointerException("trust store snapshot and options are required");
        }
        return new AppVerifier(trust, options);
    }

    /** Reads of the app: large enough that a read costs little beside the hashing of it. */
    static final int READ_BUFFER = 1024 * 1024;

    /**
     * Starts a streaming verification that decides on one reading of the app. In the custom flow
     * this hashes every trusted key's candidate in that reading (across the cores), since a wrong
     * key hint could not be made up for later.
     *
     * @param signatureFile the raw bytes of the {@code .sig} file, or null when there is none
     */
    public PendingVerification begin(byte[] signatureFile) {
        return start(signatureFile, false);
    }

    /**
     * Starts a streaming verification for an app that can be read again from a file (a spooled
     * upload, an app on disk): finish it with {@link PendingVerification#finish(Path)}. In the
     * custom flow, when the signature file's key hint names a trusted key, this reading hashes
     * that key's candidate alone; the other keys are hashed in a second reading of the file only
     * if it does not verify. The decision is the same as {@link #begin}'s.
     */
    public PendingVerification beginRereadable(byte[] signatureFile) {
        return start(signatureFile, true);
    }

    private PendingVerification start(byte[] signatureFile, boolean rereadable) {
        FlowCheck flow = chooseFlow(signatureFile, rereadable);
        // The app's own digest serves the deny list alone; with nothing on it, it is not worth a pass.
        MessageDigest sha256 = trust.denyList().sha256().isEmpty() ? null : newSha256();
        List<MessageDigest> digests = new ArrayList<>(flow.digests());
        if (sha256 != null) {
            digests.add(sha256);
        }
        DigestFanOut fan = new DigestFanOut(digests);
        return new PendingVerification() {
            private boolean finished;

            @Override
            public void update(byte[] buffer, int offset, int length) {
                if (finished) {
                    throw new IllegalStateException("this verification has finished");
                }
                fan.update(buffer, offset, length);
            }

            @Override
            public void update(ByteBuffer bytes) {
                if (finished) {
                    throw new IllegalStateException("this verification has finished");
                }
                fan.update(bytes);
            }

            @Override
            public VerificationResult finish() {
                try {
                    return decide(null);
                } catch (IOException e) {
                    // Only a second reading throws, and without a file there is none.
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public VerificationResult finish(Path sameBytes) throws IOException {
                return decide(() -> Files.newInputStream(sameBytes));
            }

            private VerificationResult decide(AppBytes again) throws IOException {
                if (finished) {
                    throw new IllegalStateException("finish() is called once");
                }
                finished = true;
                fan.finish();
                String appSha256 = sha256 == null ? null : HexFormat.of().formatHex(sha256.digest());
                VerificationResult result = flow.finish(appSha256, again);
                // A deny-listed app is rejected whatever else holds, including a missing signature.
                if (trust.denyList().denies(appSha256)) {
                    return new VerificationResult(ReasonCode.REVOKED, result.flow(), null,
                            "This app (SHA-256 " + appSha256 + ") is on the deny list. Do not install it.", appSha256);
                }
                return result;
            }
        };
    }

    /**
     * Everything that can be decided before the app is read, in the order an administrator
     * should fix it: the signature file, the trust store's safety, its contents, then the flow.
     */
    private FlowCheck chooseFlow(byte[] signatureFile, boolean rereadable) {
        if (signatureFile == null) {
            return FlowCheck.decided(ReasonCode.MISSING_SIGNATURE, null,
                    "No signature file came with the app. Upload the app together with its .sig file"
                            + " (sign it with: appsign sign --key KEY --in APP).");
        }
        SignatureFiles.Parsed parsed = SignatureFiles.parse(signatureFile);
        if (parsed.file() == null) {
            return FlowCheck.decided(ReasonCode.MALFORMED_SIGNATURE_FILE, null, parsed.problem());
        }
        Flow flow = parsed.file().flow();
        if (!trust.safety().safe() && !options.looseTrustStore()) {
            return FlowCheck.decided(ReasonCode.TRUST_STORE_UNSAFE, flow,
                    "The trust store " + trust.folder() + " can be changed by the user " + trust.safety().user()
                            + " that runs the product, so it trusts nothing: "
                            + trust.safety().findings().get(0).problem() + " (fix: "
                            + trust.safety().findings().get(0).fix() + "). See the health check for every finding.");
        }
        if (trust.certificates().isEmpty()) {
            return FlowCheck.decided(ReasonCode.NO_TRUSTED_CERTIFICATES, flow,
                    "The trust store " + trust.folder() + " holds no certificate"
                            + (trust.problems().isEmpty() ? "" : " that could be read (" + trust.problems().size()
                                    + " files were skipped; see the health check)")
                            + ". Add the certificates you trust to it.");
        }
        return flow == Flow.MARKETPLACE
                ? MarketplaceFlow.begin(parsed.file(), trust, options.at())
                : CustomFlow.begin(parsed.file(), trust, options.at(), rereadable);
    }

    /**
     * Verifies an app file against its signature file.
     *
     * @param signatureFile the {@code .sig} file; null or a file that does not exist means none
     * @throws IOException when the app cannot be read
     */
    public VerificationResult verify(Path app, Path signatureFile) throws IOException {
        return verify(app, signatureFile == null ? null : SignatureFiles.readBounded(signatureFile));
    }

    /**
     * Verifies an app file: one reading, or two in the custom flow when the key hint does not
     * name the signer (see {@link #beginRereadable}).
     *
     * @param signatureFile the raw bytes of the {@code .sig} file, or null when there is none
     * @throws IOException when the app cannot be read, or changes between two readings
     */
    public VerificationResult verify(Path app, byte[] signatureFile) throws IOException {
        PendingVerification pending = beginRereadable(signatureFile);
        try (InputStream in = Files.newInputStream(app)) {
            feed(in, pending);
        }
        return pending.finish(app);
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** Verifies an app read from a stream, in one pass. The stream is not closed. */
    public VerificationResult verify(InputStream app, byte[] signatureFile) throws IOException {
        PendingVerification pending = begin(signatureFile);
        feed(app, pending);
        return pending.finish();
    }

    private static void feed(InputStream app, PendingVerification pending) throws IOException {
        byte[] buffer = new byte[READ_BUFFER];
        for (int n; (n = app.readNBytes(buffer, 0, buffer.length)) > 0; ) {
            pending.update(buffer, 0, n);
        }
    }
}
