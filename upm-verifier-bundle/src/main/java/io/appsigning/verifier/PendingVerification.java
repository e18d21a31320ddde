package io.appsigning.verifier;

import io.appsigning.verifier.internal.AppVerifier;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A verification that consumes the app's bytes as they arrive, so that the app is read once and
 * never held in memory whole: feed every byte with {@link #update}, then call {@link #finish}.
 * Not thread-safe; one per app. Implemented by the core alone ({@link AppVerifier}).
 */
@org.osgi.annotation.versioning.ProviderType
public interface PendingVerification {

    void update(byte[] buffer, int offset, int length);

    /**
     * Feeds the buffer's remaining bytes, leaving its position at its limit. A direct buffer reaches
     * the digests as it is, so a digest provider that reads native memory in place (the CLI's
     * OpenSSL one) hashes it without a copy; the JDK's own digests copy it in small pieces.
     */
    void update(ByteBuffer bytes);

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
