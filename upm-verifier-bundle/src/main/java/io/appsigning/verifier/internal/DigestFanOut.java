package io.appsigning.verifier.internal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Several message digests over the same bytes, spread across the cores: the digests are dealt
 * into lanes, one per core at most; the caller's thread works the first lane straight from its own
 * buffer while each other lane runs on a thread of its own over a copy. The copies come from a
 * small fixed set of recycled chunks, so memory stays bounded whatever the app's size: a caller
 * faster than its lanes waits for a chunk to come free.
 *
 * <p>Below a threshold of extra work (small apps, or a single digest) everything stays on the
 * caller's thread and no thread is started. A lane's thread ends after a while idle, so that a
 * fan-out abandoned without {@link #finish} (an upload cut off) leaves nothing running; it comes
 * back if bytes arrive later. Not thread-safe: one feeder.
 */
final class DigestFanOut {

    /** Extra digest work (bytes times further digests) done inline before lanes start. */
    static final long INLINE_WORK = 1024 * 1024;
    static final int CHUNK = 256 * 1024;
    private static final int CHUNKS = 8;

    private record Chunk(byte[] bytes, int length, AtomicInteger readers) {}

    private final List<MessageDigest> digests;
    private final int lanes;
    private final long idleMillis;
    private long inlineBytes;
    private List<MessageDigest> callerLane;
    private List<Lane> workerLanes;
    private BlockingQueue<byte[]> free;
    private boolean finished;
    /** Where a direct buffer's bytes are staged for the lanes, which take their copies from arrays. */
    private byte[] staging;

    /** A lane run by its own thread, one task per chunk, in order. */
    private static final class Lane {
        final List<MessageDigest> digests = new ArrayList<>();
        final ThreadPoolExecutor thread;
        volatile Throwable failure;

        Lane(long idleMillis) {
            // One thread at most, none while idle: tasks run one after the other, in submission order.
            thread = new ThreadPoolExecutor(0, 1, idleMillis, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), runnable -> {
                Thread worker = new Thread(runnable, "app-digest");
                worker.setDaemon(true);
                return worker;
            });
        }
    }

    DigestFanOut(List<MessageDigest> digests) {
        this(digests, Runtime.getRuntime().availableProcessors(), 10_000);
    }

    DigestFanOut(List<MessageDigest> digests, int cores, long idleMillis) {
        this.digests = List.copyOf(digests);
        this.lanes = Math.max(1, Math.min(cores, this.digests.size()));
        this.idleMillis = idleMillis;
    }

    void update(byte[] buffer, int offset, int length) {
        if (finished) {
            throw new IllegalStateException("this fan-out has finished");
        }
        if (workerLanes == null) {
            if (lanes == 1 || (inlineBytes + length) * (digests.size() - 1) <= INLINE_WORK) {
                for (MessageDigest digest : digests) {
                    digest.update(buffer, offset, length);
                }
                inlineBytes += length;
                return;
            }
            startLanes();
        }
        while (length > 0) {
            byte[] copy = takeFree();
            int n = Math.min(length, copy.length);
            System.arraycopy(buffer, offset, copy, 0, n);
            Chunk chunk = new Chunk(copy, n, new AtomicInteger(workerLanes.size()));
            for (Lane lane : workerLanes) {
                lane.thread.execute(() -> digest(lane, chunk));
            }
            for (MessageDigest digest : callerLane) {
                digest.update(buffer, offset, n);
            }
            offset += n;
            length -= n;
        }
    }

    /**
     * Feeds the buffer's remaining bytes and leaves its position at its limit. Inline, a direct
     * buffer goes to each digest as it is (see {@link java.security.MessageDigest#update(ByteBuffer)});
     * once lanes run, it is staged through the caller's array path.
     */
    void update(ByteBuffer bytes) {
        if (finished) {
            throw new IllegalStateException("this fan-out has finished");
        }
        int length = bytes.remaining();
        if (bytes.hasArray()) {
            update(bytes.array(), bytes.arrayOffset() + bytes.position(), length);
            bytes.position(bytes.limit());
            return;
        }
        if (workerLanes == null && (lanes == 1 || (inlineBytes + length) * (digests.size() - 1) <= INLINE_WORK)) {
            for (MessageDigest digest : digests) {
                digest.update(bytes.duplicate());
            }
            inlineBytes += length;
            bytes.position(bytes.limit());
            return;
        }
        if (staging == null) {
            staging = new byte[CHUNK];
        }
        while (bytes.hasRemaining()) {
            int n = Math.min(staging.length, bytes.remaining());
            bytes.get(staging, 0, n);
            update(staging, 0, n);
        }
    }

    /** Waits for every lane; afterwards each digest has seen every byte and may be read. Call once. */
    void finish() {
        if (finished) {
            throw new IllegalStateException("finish() is called once");
        }
        finished = true;
        if (workerLanes == null) {
            return;
        }
        try {
            for (Lane lane : workerLanes) {
                Future<?> done = lane.thread.submit(() -> { });
                lane.thread.shutdown();
                done.get();
                if (lane.failure != null) {
                    throw new IllegalStateException("a digest lane failed", lane.failure);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while digesting", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a digest lane failed", e.getCause());
        }
    }

    private void startLanes() {
        callerLane = new ArrayList<>();
        workerLanes = new ArrayList<>();
        for (int i = 1; i < lanes; i++) {
            workerLanes.add(new Lane(idleMillis));
        }
        // Dealt round-robin: the caller takes the first digest, which the flows order as the one
        // most likely to decide (the hinted key), so that it is never behind a queue.
        for (int i = 0; i < digests.size(); i++) {
            int lane = i % lanes;
            (lane == 0 ? callerLane : workerLanes.get(lane - 1).digests).add(digests.get(i));
        }
        free = new ArrayBlockingQueue<>(CHUNKS);
        for (int i = 0; i < CHUNKS; i++) {
            free.add(new byte[CHUNK]);
        }
    }

    private void digest(Lane lane, Chunk chunk) {
        try {
            if (lane.failure == null) {
                for (MessageDigest digest : lane.digests) {
                    digest.update(chunk.bytes(), 0, chunk.length());
                }
            }
        } catch (RuntimeException | Error e) {
            lane.failure = e;
        } finally {
            if (chunk.readers().decrementAndGet() == 0) {
                free.add(chunk.bytes());
            }
        }
    }

    private byte[] takeFree() {
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while digesting", e);
        }
    }
}
