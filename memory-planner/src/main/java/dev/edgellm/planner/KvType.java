package dev.edgellm.planner;

import dev.edgellm.kv.KvCacheType;

import java.util.Locale;

/**
 * KV cache storage types the planner sizes, mirroring the runtime's {@link KvCacheType}: f32, f16, and
 * llama.cpp's block layouts q8_0 (32 values: an f16 scale + 32 int8 = 34 bytes) and q4_0 (+ 16 bytes of
 * nibbles = 18 bytes). {@link #supported()} stays for types sized before the runtime has them.
 */
public enum KvType {
    F32(4, 1, KvCacheType.F32),
    F16(2, 1, KvCacheType.F16),
    Q8_0(34, 32, KvCacheType.Q8_0),
    Q4_0(18, 32, KvCacheType.Q4_0);

    /** Bytes per block of {@link #blockSize} values. */
    public final int blockBytes;
    public final int blockSize;
    private final KvCacheType runtime;

    KvType(int blockBytes, int blockSize, KvCacheType runtime) {
        this.blockBytes = blockBytes;
        this.blockSize = blockSize;
        this.runtime = runtime;
    }

    /** Whether the runtime can allocate this cache today. */
    public boolean supported() { return runtime != null; }

    /** The runtime's cache type, or null when {@link #supported()} is false. */
    public KvCacheType runtimeType() { return runtime; }

    /** Bytes of {@code n} values ({@code n} a multiple of the block size). */
    public long bytes(long n) {
        if (n % blockSize != 0) {
            throw new IllegalArgumentException(id() + " needs a KV dimension that is a multiple of " + blockSize + ", got " + n);
        }
        return n / blockSize * blockBytes;
    }

    public String id() { return name().toLowerCase(Locale.ROOT); }

    /** Parses f32, f16, q8_0, q4_0 (case-insensitive); {@code auto} is handled by the caller. */
    public static KvType parse(String s) {
        for (KvType t : values()) if (t.id().equalsIgnoreCase(s)) return t;
        throw new IllegalArgumentException("unknown KV cache type '" + s + "' (choose auto, f32, f16, q8_0 or q4_0)");
    }
}
