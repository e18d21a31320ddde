package io.appsigning.cli;

import java.security.Provider;
import java.util.List;

/** A JCA provider of one service, SHA-512, by OpenSSL's libcrypto ({@link LibcryptoSha512}). */
final class LibcryptoProvider extends Provider {

    private static final long serialVersionUID = 1L;

    LibcryptoProvider(Libcrypto library) {
        super("AppsignLibcrypto", "1.0", "SHA-512 by " + library.version + " (" + library.file + ")");
        putService(new Service(this, "MessageDigest", "SHA-512", LibcryptoSha512.class.getName(),
                List.of("SHA512", "2.16.840.1.101.3.4.2.3", "OID.2.16.840.1.101.3.4.2.3"), null) {
            @Override
            public Object newInstance(Object constructorParameter) {
                return new LibcryptoSha512(library);
            }
        });
    }
}
