package io.appsigning.verifier.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Every digest of a fan-out ends as if it alone had read every byte, whatever the lanes. */
class DigestFanOutTest {

    private static final long SEED = Long.getLong("appsigning.test.seed", System.nanoTime());

    private static List<MessageDigest> digests(int count) throws Exception {
        List<MessageDigest> digests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            MessageDigest digest = MessageDigest.getInstance(i % 3 == 2 ? "SHA-256" : "SHA-512");
            digest.update((byte) i); // a different prefix each, as the candidates' R || A
            digests.add(digest);
        }
        return digests;
    }

    private static byte[] alone(int index, byte[] data) throws Exception {
        MessageDigest digest = digests(index + 1).get(index);
        return digest.digest(data);
    }

    @Test
    void theSameDigestsWhateverTheSizeChunkingLanesAndCount() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        int threshold = (int) DigestFanOut.INLINE_WORK;
        for (int count : new int[] {0, 1, 2, 3, 7, 51}) {
            for (int cores : new int[] {1, 2, 4}) {
                for (int size : new int[] {0, 1, threshold / 50, threshold - 1, threshold + 1, 3 * DigestFanOut.CHUNK + 17,
                        3_000_000}) {
                    byte[] data = new byte[size];
                    random.nextBytes(data);
                    List<MessageDigest> digests = digests(count);
                    DigestFanOut fan = new DigestFanOut(digests, cores, 10_000);
                    for (int offset = 0; offset < size; ) {
                        int n = Math.min(size - offset, 1 + random.nextInt(1_200_000));
                        fan.update(data, offset, n);
                        offset += n;
                    }
                    fan.finish();
                    for (int i = 0; i < count; i++) {
                        assertThat(digests.get(i).digest()).as("seed %d: %d digests, %d cores, size %d, digest %d",
                                SEED, count, cores, size, i).isEqualTo(alone(i, data));
                    }
                }
            }
        }
    }

    /** Direct, heap and array feeds mixed in one fan-out, inline and across lanes: the same digests. */
    @Test
    void byteBuffersOfEveryKindCountLikeArrays() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        for (int count : new int[] {1, 2, 5}) {
            for (int cores : new int[] {1, 2}) {
                byte[] data = new byte[2_500_000];
                random.nextBytes(data);
                List<MessageDigest> digests = digests(count);
                DigestFanOut fan = new DigestFanOut(digests, cores, 10_000);
                for (int offset = 0; offset < data.length; ) {
                    int n = Math.min(data.length - offset, 1 + random.nextInt(700_000));
                    switch (random.nextInt(3)) {
                        case 0 -> fan.update(data, offset, n);
                        case 1 -> {
                            java.nio.ByteBuffer heap = java.nio.ByteBuffer.wrap(data, offset, n).slice();
                            fan.update(heap);
                            assertThat(heap.hasRemaining()).isFalse();
                        }
                        default -> {
                            // Bytes before the position and after the limit must not count.
                            java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(n + 20);
                            direct.position(7);
                            direct.put(data, offset, n);
                            direct.position(7).limit(7 + n);
                            fan.update(direct);
                            assertThat(direct.position()).isEqualTo(7 + n);
                        }
                    }
                    offset += n;
                }
                fan.finish();
                for (int i = 0; i < count; i++) {
                    assertThat(digests.get(i).digest()).as("seed %d: %d digests, %d cores, digest %d", SEED, count, cores, i)
                            .isEqualTo(alone(i, data));
                }
            }
        }
    }

    @Test
    void theCallersBufferMayBeReusedAtOnce() throws Exception {
        byte[] buffer = new byte[300_000];
        byte[] all = new byte[buffer.length * 20];
        List<MessageDigest> digests = digests(5);
        DigestFanOut fan = new DigestFanOut(digests, 2, 10_000);
        for (int round = 0; round < 20; round++) {
            java.util.Arrays.fill(buffer, (byte) round);
            System.arraycopy(buffer, 0, all, round * buffer.length, buffer.length);
            fan.update(buffer, 0, buffer.length);
        }
        fan.finish();
        for (int i = 0; i < 5; i++) {
            assertThat(digests.get(i).digest()).isEqualTo(alone(i, all));
        }
    }

    /** An upload that stalls past the lanes' idle time, then goes on: the lanes come back. */
    @Test
    void bytesAfterTheLanesWentIdleStillCount() throws Exception {
        byte[] data = new byte[4_000_000];
        new SplittableRandom(SEED).nextBytes(data);
        List<MessageDigest> digests = digests(3);
        DigestFanOut fan = new DigestFanOut(digests, 2, 50);
        fan.update(data, 0, 2_000_000);
        Thread.sleep(300);
        fan.update(data, 2_000_000, 2_000_000);
        fan.finish();
        for (int i = 0; i < 3; i++) {
            assertThat(digests.get(i).digest()).as("seed %d", SEED).isEqualTo(alone(i, data));
        }
    }

    /** A fan-out abandoned mid-way (an upload over the limit is never finished) leaves no thread. */
    @Test
    void anAbandonedFanOutLeavesNoThreadRunning() throws Exception {
        long before = digestThreads();
        DigestFanOut fan = new DigestFanOut(digests(4), 2, 500);
        fan.update(new byte[3_000_000], 0, 3_000_000);
        assertThat(digestThreads()).isGreaterThan(before);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (digestThreads() > before && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(digestThreads()).isEqualTo(before);
    }

    private static long digestThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("app-digest") && thread.isAlive()).count();
    }
}
