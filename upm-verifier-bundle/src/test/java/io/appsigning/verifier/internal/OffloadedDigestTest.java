package io.appsigning.verifier.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OffloadedDigestTest {

    @Test
    void theSameDigestWhateverTheSizeAndChunking() throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        for (int size : new int[] {0, 1, OffloadedDigest.THRESHOLD - 1, OffloadedDigest.THRESHOLD, OffloadedDigest.THRESHOLD + 1, 5_000_000}) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            OffloadedDigest offloaded = new OffloadedDigest(MessageDigest.getInstance("SHA-256"));
            for (int offset = 0; offset < size; ) {
                int n = Math.min(size - offset, 1 + random.nextInt(700_000));
                offloaded.update(data, offset, n);
                offset += n;
            }
            assertThat(offloaded.digest()).as("size %d", size).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
        }
    }

    @Test
    void theCallersBufferMayBeReusedAtOnce() throws Exception {
        byte[] buffer = new byte[300_000];
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        OffloadedDigest offloaded = new OffloadedDigest(MessageDigest.getInstance("SHA-256"));
        for (int round = 0; round < 20; round++) {
            java.util.Arrays.fill(buffer, (byte) round);
            offloaded.update(buffer, 0, buffer.length);
            expected.update(buffer, 0, buffer.length);
        }
        assertThat(offloaded.digest()).isEqualTo(expected.digest());
    }
}
