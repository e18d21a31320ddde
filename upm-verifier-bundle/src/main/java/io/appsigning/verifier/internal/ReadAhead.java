package io.appsigning.verifier.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a stream on a thread of its own, a few buffers ahead of the caller, so that the caller's
 * thread only digests while the copies out of the page cache happen on the other core: about 0.1 s
 * of the 1.3 s a 1 GiB verification takes (BENCHMARKS.md). Memory stays bounded: {@value #BUFFERS}
 * recycled buffers. A stream that fits in the first buffer is read on the caller's thread alone.
 */
final class ReadAhead {

    static final int BUFFERS = 3;

    /** Where the bytes go, in order; the buffer is the reader's again once this returns. */
    @FunctionalInterface
    interface Sink {
        void accept(byte[] buffer, int offset, int length);
    }

    /** One buffer's worth, or the end (length -1) or the reader's failure. */
    private record Chunk(byte[] bytes, int length, IOException failure) {}

    private ReadAhead() {}

    /** Feeds every byte of {@code in} to {@code sink}, in order. The stream is not closed. */
    static void read(InputStream in, int bufferSize, Sink sink) throws IOException {
        byte[] first = new byte[bufferSize];
        int n = in.readNBytes(first, 0, bufferSize);
        if (n > 0) {
            sink.accept(first, 0, n);
        }
        if (n < bufferSize) {
            return; // the whole stream was in the first buffer
        }
        BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
        free.add(first);
        for (int i = 1; i < BUFFERS; i++) {
            free.add(new byte[bufferSize]);
        }
        // Room for every buffer and the end: the reader never waits to hand a chunk over.
        BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(BUFFERS + 1);
        Thread reader = new Thread(() -> readInto(in, free, full), "app-read-ahead");
        reader.setDaemon(true);
        reader.start();
        try {
            while (true) {
                Chunk chunk = full.take();
                if (chunk.failure() != null) {
                    throw chunk.failure();
                }
                if (chunk.length() < 0) {
                    return;
                }
                sink.accept(chunk.bytes(), 0, chunk.length());
                free.add(chunk.bytes());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the app");
        } finally {
            // Whatever ended the loop, the reader is gone before the caller closes the stream.
            reader.interrupt();
            joinUninterruptibly(reader);
        }
    }

    private static void readInto(InputStream in, BlockingQueue<byte[]> free, BlockingQueue<Chunk> full) {
        try {
            while (true) {
                byte[] buffer = free.take();
                int n = in.readNBytes(buffer, 0, buffer.length);
                if (n > 0) {
                    full.add(new Chunk(buffer, n, null));
                }
                if (n < buffer.length) {
                    full.add(new Chunk(null, -1, null));
                    return;
                }
            }
        } catch (InterruptedException e) {
            // The caller stopped taking: nothing more is wanted.
        } catch (IOException e) {
            full.add(new Chunk(null, 0, e));
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
