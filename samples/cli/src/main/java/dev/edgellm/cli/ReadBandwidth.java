package dev.edgellm.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;

/**
 * Measures DRAM read bandwidth the way decode uses it: {@code threads} threads each stream their own
 * contiguous slice of one off-heap buffer (several times the last-level cache, so it cannot be served from
 * cache). Reported: the best of a few passes, in GB/s (10^9 bytes/s), since noise on a shared machine only
 * ever makes a pass slower.
 *
 * <p>Each thread reads its slice with {@link MemorySegment#mismatch} of the slice's two identical halves: the
 * JDK runs that as a vectorized intrinsic, so the probe is memory bound even where a scalar Java loop would
 * not be (on a 2-vCPU EPYC a plain long-sum loop reads ~15 GB/s from L3 as well as from DRAM, i.e. it
 * measures the loop; mismatch reads ~40 GB/s from L3). Java cannot use the Vector API here: this module
 * must also run without {@code jdk.incubator.vector}.
 *
 * <p>The buffer is off-heap (FFM) and freed when {@link #close()} is called, so it does not stay in the heap
 * or the resident set after the measurement. The pass threads are started once and reused, and each times its
 * own read: a pass lasts from the first thread's start to the last one's end. (Timed by the coordinating thread
 * instead, a pass could look almost instant: with as many readers as cores, that thread may not run again until
 * they have finished, and the "best pass" then read 365 GB/s on a 2-vCPU box.)
 */
final class ReadBandwidth implements AutoCloseable {
    static final long MIN_BYTES = 256L << 20;
    static final long MAX_BYTES = 1L << 30;
    private static final int PASSES = 5;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;
    /** Keeps the results alive so the JIT cannot drop the reads. */
    private volatile long sink;

    ReadBandwidth(long bytes) {
        buffer = arena.allocate(bytes & ~127L, 64);
        buffer.fill((byte) 1); // every page resident before timing, and both halves of any slice equal
    }

    /** Buffer size for this machine: 8 x the last-level cache, within [256 MiB, 1 GiB]. */
    static long defaultBytes() {
        long llc = lastLevelCacheBytes();
        return Math.min(MAX_BYTES, Math.max(MIN_BYTES, 8 * llc));
    }

    long bytes() { return buffer.byteSize(); }

    /** Best read bandwidth of {@value #PASSES} passes (after one warm-up pass) with {@code threads} threads, GB/s. */
    double measure(int threads) throws InterruptedException {
        long slice = buffer.byteSize() / threads & ~127L;
        CyclicBarrier start = new CyclicBarrier(threads + 1), end = new CyclicBarrier(threads + 1);
        long[] sums = new long[threads], began = new long[threads], ended = new long[threads];
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            MemorySegment part = buffer.asSlice(t * slice, slice);
            int id = t;
            workers[t] = Thread.ofPlatform().daemon().name("bandwidth-" + t).start(() -> {
                try {
                    for (int pass = 0; pass <= PASSES; pass++) {
                        start.await();
                        began[id] = System.nanoTime();
                        sums[id] += readAll(part);
                        ended[id] = System.nanoTime();
                        end.await(); // publishes began/ended to the coordinating thread
                    }
                } catch (InterruptedException | BrokenBarrierException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        double best = 0;
        try {
            for (int pass = 0; pass <= PASSES; pass++) {
                start.await();
                end.await();
                long first = Long.MAX_VALUE, last = Long.MIN_VALUE;
                for (int t = 0; t < threads; t++) {
                    first = Math.min(first, began[t]);
                    last = Math.max(last, ended[t]);
                }
                if (pass > 0) best = Math.max(best, slice * (double) threads / (last - first)); // bytes per ns = GB/s
            }
        } catch (BrokenBarrierException e) {
            throw new IllegalStateException("bandwidth probe thread failed", e);
        } finally {
            for (Thread w : workers) w.join();
        }
        long s = 0;
        for (long v : sums) s += v;
        sink = s;
        return best;
    }

    /** Reads every byte of {@code s} (its halves are equal, so the comparison runs to the end): -1. */
    private static long readAll(MemorySegment s) {
        long half = s.byteSize() / 2;
        return s.asSlice(0, half).mismatch(s.asSlice(half, half));
    }

    /** Size of the largest CPU cache Linux reports for cpu0, or 32 MiB when unknown (non-Linux, no sysfs). */
    static long lastLevelCacheBytes() {
        long best = 0;
        for (int i = 0; i < 8; i++) {
            Path p = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + i + "/size");
            try {
                if (!Files.isReadable(p)) continue;
                best = Math.max(best, parseSize(Files.readString(p).trim()));
            } catch (java.io.IOException | RuntimeException e) {
                // unreadable entry: keep what the others say
            }
        }
        return best > 0 ? best : 32L << 20;
    }

    /** "32768K", "1M", "512" → bytes. */
    static long parseSize(String s) {
        String u = s.toUpperCase(Locale.ROOT);
        long mult = u.endsWith("K") ? 1024 : u.endsWith("M") ? 1 << 20 : u.endsWith("G") ? 1L << 30 : 1;
        return Long.parseLong(mult == 1 ? u : u.substring(0, u.length() - 1)) * mult;
    }

    @Override
    public void close() {
        arena.close();
    }
}
