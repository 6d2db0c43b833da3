package dev.edgellm.simd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of daemon threads that run one {@link Task} at a time together with the calling thread. A
 * task is published through a volatile generation counter, so dispatch allocates nothing; workers spin for a
 * while after each task (the next matVec usually follows within microseconds) and then park.
 */
final class WorkerPool implements AutoCloseable {
    /** Work split {@code workers} ways; part {@code worker} runs on one thread. Must not throw for good input. */
    interface Task {
        void run(int worker, int workers);
    }

    /**
     * How long an idle worker spins before it parks: longer than the gaps between a token's matVecs (attention,
     * norms, the activations' quantization run on the calling thread alone). 20 000 spin-waits (tens of
     * microseconds on Zen 4) parked the worker ~35 times per llama-1b token at two threads, and it then started
     * each matVec ~10 us after the caller on average; spinning 200 us, it parks ~2 times per token (between tokens)
     * and starts ~5 us after (BENCHMARKS.md, twenty-fourth session). {@code -Dedgellm.simd.spinNanos} sets it (A/B
     * runs; a phone that would rather sleep than spin).
     */
    private static final long SPIN_NANOS = Long.getLong("edgellm.simd.spinNanos", 200_000);

    private final Thread[] threads;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Task task;
    private volatile int generation;
    private volatile boolean closed;
    private volatile boolean rest;
    private volatile Throwable failure;

    WorkerPool(int size) {
        threads = new Thread[size - 1];
        for (int i = 0; i < threads.length; i++) {
            int id = i + 1;
            threads[i] = Thread.ofPlatform().daemon().name("edgellm-simd-" + id).unstarted(() -> loop(id));
            threads[i].start();
        }
    }

    int size() { return threads.length + 1; }

    /** Runs {@code t} on every thread (the caller is worker 0) and returns when all parts are done. */
    void run(Task t) {
        int n = threads.length + 1;
        if (n == 1) {
            t.run(0, 1);
            return;
        }
        task = t;
        rest = false;
        pending.set(n - 1);
        generation++; // publishes task; only the owning thread writes it
        for (Thread th : threads) LockSupport.unpark(th);
        Throwable mine = null;
        try {
            t.run(0, n);
        } catch (Throwable e) {
            mine = e;
        }
        while (pending.get() != 0) Thread.onSpinWait();
        Throwable f = failure;
        if (mine != null || f != null) {
            failure = null;
            Throwable e = mine != null ? mine : f;
            if (e instanceof RuntimeException r) throw r;
            if (e instanceof Error r) throw r;
            throw new IllegalStateException(e);
        }
    }

    private void loop(int id) {
        int seen = 0;
        while (true) {
            int spins = 0;
            long idleSince = System.nanoTime();
            while (generation == seen && !closed) {
                // the clock read every 256 spins only
                if (!rest && ((++spins & 255) != 0 || System.nanoTime() - idleSince < SPIN_NANOS)) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = generation;
            try {
                task.run(id, threads.length + 1);
            } catch (Throwable e) {
                failure = e;
            }
            pending.decrementAndGet();
        }
    }

    /**
     * Tells idle workers to park now instead of spinning until the next task: for a stretch where other
     * threads (OpenBLAS's) need the cores. The next {@link #run} wakes them as usual.
     */
    void rest() {
        rest = true;
    }

    @Override
    public void close() {
        closed = true;
        for (Thread th : threads) LockSupport.unpark(th);
    }
}
