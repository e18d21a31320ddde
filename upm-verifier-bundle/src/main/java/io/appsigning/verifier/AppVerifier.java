package io.appsigning.verifier;

import io.appsigning.truststore.TrustStoreSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

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

    /**
     * Starts a streaming verification.
     *
     * @param signatureFile the raw bytes of the {@code .sig} file, or null when there is none
     */
    public PendingVerification begin(byte[] signatureFile) {
        FlowCheck flow = chooseFlow(signatureFile);
        OffloadedDigest sha256 = new OffloadedDigest(newSha256());
        return new PendingVerification() {
            private boolean finished;

            @Override
            public void update(byte[] buffer, int offset, int length) {
                if (finished) {
                    throw new IllegalStateException("this verification has finished");
                }
                sha256.update(buffer, offset, length);
                flow.update(buffer, offset, length);
            }

            @Override
            public VerificationResult finish() {
                if (finished) {
                    throw new IllegalStateException("finish() is called once");
                }
                finished = true;
                String appSha256 = HexFormat.of().formatHex(sha256.digest());
                VerificationResult result = flow.finish(appSha256);
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
    private FlowCheck chooseFlow(byte[] signatureFile) {
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
                : CustomFlow.begin(parsed.file(), trust, options.at());
    }

    /**
     * Verifies an app file against its signature file.
     *
     * @param signatureFile the {@code .sig} file; null or a file that does not exist means none
     * @throws IOException when the app cannot be read
     */
    public VerificationResult verify(Path app, Path signatureFile) throws IOException {
        byte[] signature = signatureFile == null ? null : SignatureFiles.readBounded(signatureFile);
        try (InputStream in = Files.newInputStream(app)) {
            return verify(in, signature);
        }
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
        byte[] buffer = new byte[256 * 1024];
        for (int n; (n = app.readNBytes(buffer, 0, buffer.length)) > 0; ) {
            pending.update(buffer, 0, n);
        }
        return pending.finish();
    }
}
