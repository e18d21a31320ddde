package io.appsigning.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every byte of the file, in order, in bounded buffers; a failure on either side leaves no thread behind. */
class ReadAheadTest {

    private static final long SEED = Long.getLong("appsigning.test.seed", System.nanoTime());

    @TempDir
    Path dir;

    @Test
    void everyByteInOrderWhateverTheSize() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        int buffer = ReadAhead.BUFFER;
        for (int size : new int[] {0, 1, buffer - 1, buffer, buffer + 1, 4 * buffer, 4 * buffer + 7, 9 * buffer + 3}) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            Path file = Files.write(dir.resolve("app-" + size), data);
            MessageDigest seen = MessageDigest.getInstance("SHA-256");
            long[] largest = {0};
            long total = ReadAhead.feed(file, bytes -> {
                assertThat(bytes.isDirect()).isTrue();
                largest[0] = Math.max(largest[0], bytes.remaining());
                seen.update(bytes);
            });
            assertThat(total).isEqualTo(size);
            assertThat(largest[0]).isLessThanOrEqualTo(buffer);
            assertThat(seen.digest()).as("seed %d, %d bytes", SEED, size)
                    .isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
        }
    }

    @Test
    void aFailingConsumerStopsTheReader() throws Exception {
        Path file = Files.write(dir.resolve("big"), new byte[12 * ReadAhead.BUFFER]);
        int[] calls = {0};
        assertThatThrownBy(() -> ReadAhead.feed(file, bytes -> {
            if (++calls[0] == 2) {
                throw new IllegalStateException("the digest failed");
            }
            bytes.position(bytes.limit());
        })).isInstanceOf(IllegalStateException.class).hasMessage("the digest failed");
        assertThat(readerThreads()).isZero();
    }

    @Test
    void anUnreadableFileIsAnIoException() {
        assertThatThrownBy(() -> ReadAhead.feed(dir, bytes -> { })).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> ReadAhead.feed(dir.resolve("missing"), bytes -> { })).isInstanceOf(IOException.class);
        assertThat(readerThreads()).isZero();
    }

    private static long readerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("app-read") && t.isAlive()).count();
    }

    @Test
    void bytesGoOnlyOnceAndTheBuffersAreReused() throws Exception {
        Path file = Files.write(dir.resolve("many"), new byte[20 * ReadAhead.BUFFER + 5]);
        java.util.Set<Long> buffers = new java.util.HashSet<>();
        ReadAhead.feed(file, bytes -> {
            buffers.add(address(bytes));
            bytes.position(bytes.limit());
        });
        assertThat(buffers.size()).as("a few recycled buffers, not one per MiB").isLessThanOrEqualTo(4);
    }

    private static long address(ByteBuffer bytes) {
        return System.identityHashCode(bytes);
    }
}
