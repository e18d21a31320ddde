package io.appsigning.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

/**
 * Reads a file into a few recycled direct buffers on a thread of its own, a few buffers ahead of
 * the consumer: the copies out of the page cache run on another core while the consumer hashes,
 * and a SHA-512 that reads native memory in place ({@link LibcryptoSha512}) needs no copy of its
 * own. Memory stays bounded (four 1 MiB buffers) whatever the file's size.
 */
final class ReadAhead {

    static final int BUFFER = 1024 * 1024;
    private static final int BUFFERS = 4;
    private static final ByteBuffer END = ByteBuffer.allocate(0);

    private ReadAhead() {
    }

    /**
     * Passes every byte of the file to {@code sink}, in order, as buffers it must consume (leave
     * with nothing remaining) before returning. Returns the number of bytes read.
     */
    static long feed(Path file, Consumer<ByteBuffer> sink) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (channel.size() <= BUFFER) {
                // One buffer's worth: no thread for it. A file that grows meanwhile is read to its end.
                ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
                long total = 0;
                for (boolean end = false; !end; ) {
                    end = fill(channel, buffer);
                    total += buffer.remaining();
                    sink.accept(buffer);
                    buffer.clear();
                }
                return total;
            }
            return feedAhead(channel, sink);
        }
    }

    private static long feedAhead(FileChannel channel, Consumer<ByteBuffer> sink) throws IOException {
        BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
        // Every buffer and the end mark fit at once, so the reader never waits to hand one over.
        BlockingQueue<ByteBuffer> full = new ArrayBlockingQueue<>(BUFFERS + 1);
        for (int i = 0; i < BUFFERS; i++) {
            free.add(ByteBuffer.allocateDirect(BUFFER));
        }
        IOException[] failure = new IOException[1];
        Thread reader = new Thread(() -> {
            try {
                for (boolean end = false; !end; ) {
                    ByteBuffer buffer = free.take();
                    buffer.clear();
                    end = fill(channel, buffer);
                    full.add(buffer);
                }
            } catch (IOException e) {
                failure[0] = e;
            } catch (InterruptedException e) {
                // The consumer gave up: nothing is waiting for more.
            } finally {
                full.add(END);
            }
        }, "app-read");
        reader.setDaemon(true);
        reader.start();
        long total = 0;
        try {
            for (ByteBuffer buffer; (buffer = take(full)) != END; ) {
                total += buffer.remaining();
                sink.accept(buffer);
                free.add(buffer);
            }
        } finally {
            reader.interrupt();
            try {
                reader.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // The reader's failure is published to this thread by its join().
        if (failure[0] != null) {
            throw failure[0];
        }
        return total;
    }

    /** Fills the buffer from the channel and flips it; true at the end of the file. */
    private static boolean fill(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                buffer.flip();
                return true;
            }
        }
        buffer.flip();
        return false;
    }

    private static ByteBuffer take(BlockingQueue<ByteBuffer> queue) {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted while reading the app"));
        }
    }
}
