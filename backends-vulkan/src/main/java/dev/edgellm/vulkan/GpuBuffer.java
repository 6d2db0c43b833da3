package dev.edgellm.vulkan;

import java.nio.ByteBuffer;

/**
 * One VkBuffer with its own VkDeviceMemory. {@link #mapped} is a persistent host mapping when the memory is
 * host-visible and coherent (integrated GPUs, lavapipe), else null and uploads go through a staging copy.
 */
final class GpuBuffer {
    /** What a buffer holds, for the allocation report. */
    enum Kind { WEIGHTS, NORM_WEIGHTS, ACTIVATIONS, STAGING, KV_CACHE, SCRATCH }

    final long buffer;
    final long memory;
    final long size;
    final Kind kind;
    final ByteBuffer mapped;
    boolean destroyed;

    GpuBuffer(long buffer, long memory, long size, Kind kind, ByteBuffer mapped) {
        this.buffer = buffer;
        this.memory = memory;
        this.size = size;
        this.kind = kind;
        this.mapped = mapped;
    }
}
