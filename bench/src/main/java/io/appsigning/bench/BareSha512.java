package io.appsigning.bench;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The least a pure Ed25519 verifier written in Java must do, and nothing else: one SHA-512 over the
 * app with the JDK's own {@code MessageDigest}, read in 1 MiB pieces. No dependencies, so that
 * {@code bench/sha512-floor.sh} and {@code bench/run.sh} compile this one file with {@code javac}.
 *
 * <pre>
 *   BareSha512 FILE              prints the file's SHA-512 in hex, like openssl dgst -sha512 -r
 *   BareSha512 --memory SECONDS  hashes a 1 MiB buffer over and over, after as long a warm-up, and
 *                                prints the steady speed in this thread's user CPU time, as openssl
 *                                speed counts its own (so that other work on the machine does not
 *                                count): "us-per-MiB N"
 * </pre>
 */
public final class BareSha512 {

    private static final int MIB = 1024 * 1024;

    private BareSha512() {}

    public static void main(String[] args) throws IOException, NoSuchAlgorithmException {
        if (args.length == 2 && args[0].equals("--memory")) {
            memory(Double.parseDouble(args[1]));
        } else if (args.length == 1) {
            MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
            byte[] buffer = new byte[MIB];
            try (InputStream in = new FileInputStream(args[0])) {
                for (int n; (n = in.readNBytes(buffer, 0, buffer.length)) > 0; ) {
                    sha512.update(buffer, 0, n);
                }
            }
            System.out.println(HexFormat.of().formatHex(sha512.digest()) + " *" + args[0]);
        } else {
            System.err.println("usage: BareSha512 FILE | BareSha512 --memory SECONDS");
            System.exit(2);
        }
    }

    private static void memory(double seconds) throws NoSuchAlgorithmException {
        MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
        byte[] buffer = new byte[MIB];
        ThreadLocalRandom.current().nextBytes(buffer);
        long nanos = (long) (seconds * 1e9);
        hashFor(sha512, buffer, nanos); // warm-up: the JIT compiles the SHA-512 intrinsic
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long userBefore = threads.getCurrentThreadUserTime();
        long[] counted = hashFor(sha512, buffer, nanos);
        long user = threads.getCurrentThreadUserTime() - userBefore;
        System.out.printf("us-per-MiB %.1f%n", user / 1e3 / counted[0]);
    }

    /** Hashes 1 MiB pieces for at least {@code nanos} of wall time: {MiB hashed, nanoseconds taken}. */
    private static long[] hashFor(MessageDigest sha512, byte[] buffer, long nanos) {
        long start = System.nanoTime();
        long count = 0;
        long elapsed;
        do {
            sha512.update(buffer);
            count++;
            elapsed = System.nanoTime() - start;
        } while (elapsed < nanos);
        sha512.digest();
        return new long[] {count, elapsed};
    }
}
