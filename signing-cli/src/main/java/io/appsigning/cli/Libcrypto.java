package io.appsigning.cli;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import jdk.incubator.foreign.CLinker;
import jdk.incubator.foreign.FunctionDescriptor;
import jdk.incubator.foreign.MemoryAddress;
import jdk.incubator.foreign.SymbolLookup;

/**
 * OpenSSL's libcrypto, bound through Java 17's incubating foreign-function API: just the SHA-512
 * functions and the version string. Only {@link NativeHashing} creates one, after checking that
 * this JVM resolved {@code jdk.incubator.foreign} and that the library file is root's alone.
 *
 * <p>The low-level {@code SHA512_*} functions are used rather than {@code EVP_*}: their context is
 * a plain structure that lives in memory this side allocates and the garbage collector frees, so a
 * digest that is dropped without being finished leaks nothing, and a clone is a copy of bytes.
 * OpenSSL 1.1 and 3 export them (3 marks them deprecated, not removed).
 */
final class Libcrypto {

    /** sizeof(SHA512_CTX) is 216 in OpenSSL 1.1 and 3; the rest is room to spare. */
    static final long CONTEXT_BYTES = 512;

    final Path file;
    final String version;
    final MethodHandle init;
    final MethodHandle update;
    final MethodHandle finish;

    private Libcrypto(Path file, String version, MethodHandle init, MethodHandle update, MethodHandle finish) {
        this.file = file;
        this.version = version;
        this.init = init;
        this.update = update;
        this.finish = finish;
    }

    /**
     * Loads the library and binds its functions.
     *
     * @throws UnsatisfiedLinkError when the file is not a loadable library or lacks a function
     */
    static Libcrypto bind(Path file) {
        System.load(file.toString());
        SymbolLookup symbols = SymbolLookup.loaderLookup();
        CLinker linker = CLinker.getInstance();
        MethodHandle init = linker.downcallHandle(symbol(symbols, "SHA512_Init"),
                MethodType.methodType(int.class, MemoryAddress.class),
                FunctionDescriptor.of(CLinker.C_INT, CLinker.C_POINTER));
        // size_t is an unsigned long on the 64-bit Linux systems this binds on (LP64).
        MethodHandle update = linker.downcallHandle(symbol(symbols, "SHA512_Update"),
                MethodType.methodType(int.class, MemoryAddress.class, MemoryAddress.class, long.class),
                FunctionDescriptor.of(CLinker.C_INT, CLinker.C_POINTER, CLinker.C_POINTER, CLinker.C_LONG));
        MethodHandle finish = linker.downcallHandle(symbol(symbols, "SHA512_Final"),
                MethodType.methodType(int.class, MemoryAddress.class, MemoryAddress.class),
                FunctionDescriptor.of(CLinker.C_INT, CLinker.C_POINTER, CLinker.C_POINTER));
        MethodHandle versionText = linker.downcallHandle(symbol(symbols, "OpenSSL_version"),
                MethodType.methodType(MemoryAddress.class, int.class),
                FunctionDescriptor.of(CLinker.C_POINTER, CLinker.C_INT));
        String version;
        try {
            // OPENSSL_VERSION (0): "OpenSSL 3.0.22 25 Aug 2026", a static string of the library's.
            version = CLinker.toJavaString((MemoryAddress) versionText.invokeExact(0));
        } catch (Throwable e) {
            throw new UnsatisfiedLinkError("OpenSSL_version failed in " + file + ": " + e);
        }
        return new Libcrypto(file, version, init, update, finish);
    }

    private static MemoryAddress symbol(SymbolLookup symbols, String name) {
        return symbols.lookup(name).orElseThrow(() -> new UnsatisfiedLinkError("no " + name + " in the library"));
    }
}
