package io.appsigning.verifier;

/**
 * A verification that consumes the app's bytes as they arrive, so that the app is read once and
 * never held in memory whole: feed every byte with {@link #update}, then call {@link #finish}.
 * Not thread-safe; one per app.
 */
public interface PendingVerification {

    void update(byte[] buffer, int offset, int length);

    /** The decision on the bytes fed so far; call once, after the last byte. */
    VerificationResult finish();
}
