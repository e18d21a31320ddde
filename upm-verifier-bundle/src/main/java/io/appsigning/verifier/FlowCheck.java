package io.appsigning.verifier;

/** One flow's verification in progress: consumes the app's bytes, then decides. */
interface FlowCheck {

    void update(byte[] buffer, int offset, int length);

    /** The decision; {@code appSha256} is the digest of every byte passed to update. */
    VerificationResult finish(String appSha256);

    /** A decision already known before the app is read (the bytes are still counted). */
    static FlowCheck decided(ReasonCode reason, Flow flow, String message) {
        return new FlowCheck() {
            @Override
            public void update(byte[] buffer, int offset, int length) {}

            @Override
            public VerificationResult finish(String appSha256) {
                return new VerificationResult(reason, flow, null, message, appSha256);
            }
        };
    }
}
