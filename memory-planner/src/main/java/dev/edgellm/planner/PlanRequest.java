package dev.edgellm.planner;

import dev.edgellm.kv.KvCacheType;

/**
 * What the caller asks for: a context length (0 = the largest that fits, up to the model's trained
 * context), a KV type (null = auto), the prefill batch (the runtime's default is 256), threads (0 = auto),
 * GPU layers and the CPU backend that will run (null = what the profile implies, see {@link CpuBackend}).
 */
public final class PlanRequest {
    public static final int DEFAULT_BATCH = dev.edgellm.SessionOptions.DEFAULT_BATCH_SIZE;

    public final int ctx;
    public final KvCacheType kvType;
    public final int batch;
    public final int threads;
    /** Blocks on the GPU: {@link #GPU_AUTO} (the planner decides), -1 all, 0 none (default), or a count. */
    public final int gpuLayers;
    public static final int GPU_AUTO = -2;

    /**
     * The CPU backend whose allocations the plan counts (MemoryPlanner#backendBytes): the portable scalar one
     * (Android, or a JVM without the Vector API) or the SIMD one. Unset, a profile with a capped Java heap
     * (Android) means scalar, any other SIMD.
     */
    public enum CpuBackend { SCALAR, SIMD }

    public final CpuBackend cpuBackend;

    public PlanRequest(int ctx, KvCacheType kvType, int batch, int threads) {
        this(ctx, kvType, batch, threads, 0);
    }

    public PlanRequest(int ctx, KvCacheType kvType, int batch, int threads, int gpuLayers) {
        this(ctx, kvType, batch, threads, gpuLayers, null);
    }

    public PlanRequest(int ctx, KvCacheType kvType, int batch, int threads, int gpuLayers, CpuBackend cpuBackend) {
        if (ctx < 0) throw new IllegalArgumentException("context length must be > 0, got " + ctx);
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.ctx = ctx;
        this.kvType = kvType;
        this.batch = batch;
        if (gpuLayers < GPU_AUTO) throw new IllegalArgumentException("gpu layers must be >= 0, -1 (all) or auto, got " + gpuLayers);
        this.threads = threads;
        this.gpuLayers = gpuLayers;
        this.cpuBackend = cpuBackend;
    }

    /** This request for {@code backend} (null: what the profile implies). */
    public PlanRequest withCpuBackend(CpuBackend backend) {
        return new PlanRequest(ctx, kvType, batch, threads, gpuLayers, backend);
    }

    /** Largest context, automatic KV type, default batch and threads. */
    public static PlanRequest auto() { return new PlanRequest(0, null, DEFAULT_BATCH, 0); }

    public static PlanRequest of(int ctx, KvCacheType kvType) { return new PlanRequest(ctx, kvType, DEFAULT_BATCH, 0); }
}
