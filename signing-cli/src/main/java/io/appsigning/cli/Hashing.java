package io.appsigning.cli;

import java.security.Provider;

/**
 * Which SHA-512 hashes apps in this process, and why: OpenSSL's libcrypto (a provider to put first)
 * or the JDK's own (no provider). {@code appsign --version} prints the description.
 *
 * @param provider the provider to install ahead of the JDK's, or null for the JDK's SHA-512
 * @param description what hashes, in a few words an administrator can act on
 */
record Hashing(Provider provider, String description) {

    static Hashing jdk(String why) {
        return new Hashing(null, "the JDK's (" + why + ")");
    }

    /** Whether the SHA-512 reads direct buffers where they lie, so that apps are best read into them. */
    boolean readsInPlace() {
        return provider != null;
    }
}
