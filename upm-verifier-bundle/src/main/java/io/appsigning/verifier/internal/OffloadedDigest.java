package io.appsigning.verifier.internal;

import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A message digest computed beside the caller's own work: past a threshold, chunks are copied into
 * a few recycled buffers and digested on a worker thread, so that the app's SHA-256 and the
 * signature check's SHA-512 use both cores of a small machine in one read of the app. Below the
 * threshold (small apps) everything stays on the caller's thread. Not thread-safe: one feeder.
 */
final class OffloadedDigest {

    static final int THRESHOLD = 1024 * 1024;
    private static final int BUFFER = 256 * 1024;
    private static final int BUFFERS = 8;
    /** An abandoned digest (no finish) lets its worker go after this long idle. */
    private static final long IDLE_SECONDS = 30;

    private record Chunk(byte[] bytes, int length) {}

    private static final Chunk END = new Chunk(new byte[0], 0);

    private final MessageDigest digest;
    private long inlineBytes;
    private BlockingQueue<Chunk> full;
    private BlockingQueue<byte[]> free;
    private Thread worker;
    private volatile Throwable failure;

    OffloadedDigest(MessageDigest digest) {
        this.digest = digest;
    }

    void update(byte[] buffer, int offset, int length) {
        if (worker == null && inlineBytes + length <= THRESHOLD) {
            digest.update(buffer, offset, length);
            inlineBytes += length;
            return;
        }
        if (worker == null) {
            start();
        }
        while (length > 0) {
            byte[] target = take(free);
            int n = Math.min(length, target.length);
            System.arraycopy(buffer, offset, target, 0, n);
            put(new Chunk(target, n));
            offset += n;
            length -= n;
        }
    }

    byte[] digest() {
        if (worker != null) {
            put(END);
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while digesting", e);
            }
            if (failure != null) {
                throw new IllegalStateException("digest worker failed", failure);
            }
            // Anything left because the worker gave up while idle is digested here, in order.
            for (Chunk chunk; (chunk = full.poll()) != null; ) {
                if (chunk != END) {
                    digest.update(chunk.bytes(), 0, chunk.length());
                }
            }
        }
        return digest.digest();
    }

    private void start() {
        full = new ArrayBlockingQueue<>(BUFFERS + 1);
        free = new ArrayBlockingQueue<>(BUFFERS);
        for (int i = 0; i < BUFFERS; i++) {
            free.add(new byte[BUFFER]);
        }
        worker = new Thread(this::work, "app-digest");
        worker.setDaemon(true);
        worker.start();
    }

    private void work() {
        try {
            while (true) {
                Chunk chunk = full.poll(IDLE_SECONDS, TimeUnit.SECONDS);
                if (chunk == null || chunk == END) {
                    return;
                }
                digest.update(chunk.bytes(), 0, chunk.length());
                free.add(chunk.bytes());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure = e;
        }
    }

    private <T> T take(BlockingQueue<T> queue) {
        try {
            T value = queue.poll(IDLE_SECONDS, TimeUnit.SECONDS);
            if (value == null) {
                throw new IllegalStateException("the digest worker stopped");
            }
            return value;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while digesting", e);
        }
    }

    private void put(Chunk chunk) {
        try {
            full.put(chunk);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while digesting", e);
        }
    }
}
