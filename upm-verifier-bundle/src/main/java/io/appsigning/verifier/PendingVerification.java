package io.appsigning.verifier;

import io.appsigning.verifier.internal.AppVerifier;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A verification that consumes the app's bytes as they arrive, so that the app is read once and
 * never held in memory whole: feed every byte with {@link #update}, then call {@link #finish}.
 * Not thread-safe; one per app.
 */
public interface PendingVerification {

    void update(byte[] buffer, int offset, int length);

    /**
     * The decision on the bytes fed so far; call once, after the last byte. A verification begun
     * with {@link AppVerifier#beginRereadable} throws {@link IllegalStateException} here when it
     * needs the second reading: finish those with {@link #finish(Path)}.
     */
    VerificationResult finish();

    /**
     * The decision, reading the app once more from {@code sameBytes} if the first reading did not
     * decide it (in the custom flow, when the signature file's key hint did not name the signer).
     * The file must hold exactly the bytes fed to {@link #update}; other bytes are detected and
     * fail with an {@link IOException}, never with a result. Call once, after the last byte.
     *
     * @throws IOException when the file cannot be read or holds other bytes
     */
    default VerificationResult finish(Path sameBytes) throws IOException {
        return finish();
    }
}
