package io.appsigning.verifier.internal;

import io.appsigning.verifier.VerificationResult;

import io.appsigning.verifier.ReasonCode;

import io.appsigning.verifier.Flow;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.List;

/** One flow's verification in progress: names the digests the app's bytes feed, then decides. */
interface FlowCheck {

    /** The digests that the app's bytes feed on their first reading; possibly none. */
    List<MessageDigest> digests();

    /**
     * The decision, once every byte has fed {@link #digests()}.
     *
     * @param appSha256 the app's SHA-256 in hex, or null when it was not computed (empty deny list)
     * @param again     the same bytes once more, for a second reading a flow may need; null when
     *                  the app cannot be read again (then the first reading must have sufficed)
     * @throws IOException when the second reading fails, or finds other bytes than the first
     */
    VerificationResult finish(String appSha256, AppBytes again) throws IOException;

    /** A decision already known before the app is read. */
    static FlowCheck decided(ReasonCode reason, Flow flow, String message) {
        return new FlowCheck() {
            @Override
            public List<MessageDigest> digests() {
                return List.of();
            }

            @Override
            public VerificationResult finish(String appSha256, AppBytes again) {
                return new VerificationResult(reason, flow, null, message, appSha256);
            }
        };
    }
}
