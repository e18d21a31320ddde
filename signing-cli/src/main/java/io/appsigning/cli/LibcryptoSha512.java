package io.appsigning.cli;

import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigestSpi;
import java.security.ProviderException;
import java.util.Objects;
import jdk.incubator.foreign.MemoryAddress;
import jdk.incubator.foreign.MemorySegment;
import jdk.incubator.foreign.ResourceScope;

/**
 * SHA-512 by OpenSSL's libcrypto. A direct buffer is hashed where it lies, with no copy; arrays go
 * through a small native staging area. Contexts live in native memory of implicit scope: freed by
 * the garbage collector, usable from any thread (one at a time, as every MessageDigest).
 */
final class LibcryptoSha512 extends MessageDigestSpi implements Cloneable {

    static final int DIGEST_BYTES = 64;
    /** Array bytes are staged in pieces this large: small enough to stay in the CPU's cache. */
    private static final int STAGING = 64 * 1024;

    private final Libcrypto library;
    private MemorySegment context;
    private MemorySegment staging;

    LibcryptoSha512(Libcrypto library) {
        this.library = library;
        this.context = MemorySegment.allocateNative(Libcrypto.CONTEXT_BYTES, 16, ResourceScope.newImplicitScope());
        engineReset();
    }

    @Override
    protected int engineGetDigestLength() {
        return DIGEST_BYTES;
    }

    @Override
    protected void engineUpdate(byte input) {
        engineUpdate(new byte[] {input}, 0, 1);
    }

    @Override
    protected void engineUpdate(byte[] input, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, input.length);
        if (length == 0) {
            return;
        }
        if (staging == null) {
            staging = MemorySegment.allocateNative(STAGING, 16, ResourceScope.newImplicitScope());
        }
        MemorySegment source = MemorySegment.ofArray(input);
        while (length > 0) {
            int n = Math.min(length, STAGING);
            staging.asSlice(0, n).copyFrom(source.asSlice(offset, n));
            hash(staging.address(), n);
            offset += n;
            length -= n;
        }
    }

    @Override
    protected void engineUpdate(ByteBuffer input) {
        if (!input.isDirect()) {
            super.engineUpdate(input);
            return;
        }
        if (!input.hasRemaining()) {
            return;
        }
        // The segment spans the buffer's position to its limit; the buffer keeps the memory alive.
        MemorySegment bytes = MemorySegment.ofByteBuffer(input);
        hash(bytes.address(), bytes.byteSize());
        input.position(input.limit());
    }

    @Override
    protected byte[] engineDigest() {
        MemorySegment out = MemorySegment.allocateNative(DIGEST_BYTES, ResourceScope.newImplicitScope());
        int ok;
        try {
            ok = (int) library.finish.invokeExact(out.address(), context.address());
        } catch (Throwable e) {
            throw new ProviderException("SHA512_Final failed", e);
        }
        check(ok, "SHA512_Final");
        byte[] digest = out.toByteArray();
        engineReset();
        return digest;
    }

    @Override
    protected int engineDigest(byte[] buffer, int offset, int length) throws DigestException {
        if (length < DIGEST_BYTES) {
            throw new DigestException("a SHA-512 digest needs 64 bytes, " + length + " given");
        }
        Objects.checkFromIndexSize(offset, DIGEST_BYTES, buffer.length);
        System.arraycopy(engineDigest(), 0, buffer, offset, DIGEST_BYTES);
        return DIGEST_BYTES;
    }

    @Override
    protected void engineReset() {
        int ok;
        try {
            ok = (int) library.init.invokeExact(context.address());
        } catch (Throwable e) {
            throw new ProviderException("SHA512_Init failed", e);
        }
        check(ok, "SHA512_Init");
    }

    @Override
    public Object clone() throws CloneNotSupportedException {
        LibcryptoSha512 copy = (LibcryptoSha512) super.clone();
        copy.context = MemorySegment.allocateNative(Libcrypto.CONTEXT_BYTES, 16, ResourceScope.newImplicitScope());
        copy.context.copyFrom(context);
        copy.staging = null;
        return copy;
    }

    private void hash(MemoryAddress address, long length) {
        int ok;
        try {
            ok = (int) library.update.invokeExact(context.address(), address, length);
        } catch (Throwable e) {
            throw new ProviderException("SHA512_Update failed", e);
        }
        check(ok, "SHA512_Update");
    }

    private static void check(int ok, String function) {
        if (ok != 1) {
            throw new ProviderException(function + " returned " + ok);
        }
    }
}
