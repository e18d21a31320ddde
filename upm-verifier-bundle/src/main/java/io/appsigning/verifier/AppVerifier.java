package io.appsigning.verifier;

import io.appsigning.truststore.TrustStoreSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

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
        throw new UnsupportedOperationException("verification core: issue #2");
    }

    /** Verifies an app read from a stream, in one pass. The stream is not closed. */
    public VerificationResult verify(InputStream app, byte[] signatureFile) throws IOException {
        PendingVerification pending = begin(signatureFile);
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = app.read(buffer)) != -1; ) {
            pending.update(buffer, 0, n);
        }
        return pending.finish();
    }
}
