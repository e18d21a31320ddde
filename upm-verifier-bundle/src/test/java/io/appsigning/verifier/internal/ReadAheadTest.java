package io.appsigning.verifier.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReadAheadTest {

    private static final int BUFFER = 64 * 1024;

    @Test
    void everyByteInOrderWhateverTheSize() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        for (int size : new int[] {0, 1, BUFFER - 1, BUFFER, BUFFER + 1, 3 * BUFFER, 40 * BUFFER + 17}) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            // A stream that hands out odd-sized pieces, as a socket may.
            ByteArrayInputStream bytes = new ByteArrayInputStream(data);
            InputStream in = new InputStream() {
                @Override
                public int read() {
                    return bytes.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return bytes.read(b, off, Math.min(len, 1 + random.nextInt(20_000)));
                }
            };
            ReadAhead.read(in, BUFFER, seen::write);
            assertThat(seen.toByteArray()).as("size %d", size).isEqualTo(data);
        }
        assertThat(readersAlive()).isZero();
    }

    @Test
    void aReadFailureReachesTheCaller() {
        InputStream failing = new InputStream() {
            private int left = 5 * BUFFER;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    throw new IOException("disk gone");
                }
                int n = Math.min(len, left);
                left -= n;
                return n;
            }
        };
        assertThatThrownBy(() -> ReadAhead.read(failing, BUFFER, (b, o, n) -> { }))
                .isInstanceOf(IOException.class).hasMessage("disk gone");
        assertThat(readersAlive()).isZero();
    }

    @Test
    void aFailingSinkStopsTheReader() {
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return len;
            }
        };
        int[] calls = {0};
        assertThatThrownBy(() -> ReadAhead.read(endless, BUFFER, (b, o, n) -> {
            if (++calls[0] == 4) {
                throw new IllegalStateException("this verification has finished");
            }
        })).isInstanceOf(IllegalStateException.class);
        assertThat(readersAlive()).isZero();
    }

    private static long readersAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("app-read-ahead") && t.isAlive()).count();
    }
}
