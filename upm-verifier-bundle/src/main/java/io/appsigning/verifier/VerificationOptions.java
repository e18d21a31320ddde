package io.appsigning.verifier;

import java.time.Instant;

/**
 * How to verify.
 *
 * @param at                the verification time: certificates must be valid at this instant
 * @param looseTrustStore   accept an unsafe trust store ({@code trustStore.looseCheck=true})
 */
public record VerificationOptions(Instant at, boolean looseTrustStore) {

    public VerificationOptions {
        if (at == null) {
            throw new NullPointerException("at");
        }
    }

    /** Now, strict trust store check: the safe default. */
    public static VerificationOptions defaults() {
        return new VerificationOptions(Instant.now(), false);
    }

    public VerificationOptions at(Instant instant) {
        return new VerificationOptions(instant, looseTrustStore);
    }
}
