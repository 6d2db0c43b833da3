package dev.edgellm.kv;

import java.util.Locale;

/**
 * Storage type of the KV cache: f32, f16 (default), or ggml's Q8_0 / Q4_0 blocks of 32 values with an fp16
 * scale (34 / 18 bytes per block), as llama.cpp's --cache-type-k/v.
 */
public enum KvCacheType {
    F32(4, 1), F16(2, 1), Q8_0(34, 32), Q4_0(18, 32);

    /** Bytes per cached element for f32/f16; 0 for the block types (see {@link #bytes}). */
    public final int bytesPerElement;
    /** Bytes of one block of {@link #blockSize} values. */
    public final int blockBytes;
    public final int blockSize;

    KvCacheType(int blockBytes, int blockSize) {
        this.blockBytes = blockBytes;
        this.blockSize = blockSize;
        this.bytesPerElement = blockSize == 1 ? blockBytes : 0;
    }

    /** Bytes of {@code n} cached values ({@code n} a multiple of {@link #blockSize}). */
    public long bytes(long n) {
        if (n % blockSize != 0) {
            throw new IllegalArgumentException(id() + " needs a KV dimension that is a multiple of " + blockSize + ", got " + n);
        }
        return n / blockSize * blockBytes;
    }

    /** Parses {@code f32}/{@code f16}/{@code q8_0}/{@code q4_0} (case-insensitive), naming the valid choices on error. */
    public static KvCacheType parse(String s) {
        for (KvCacheType t : values()) {
            if (t.name().equalsIgnoreCase(s)) return t;
        }
        throw new IllegalArgumentException("unknown KV cache type '" + s + "' (supported: f32, f16, q8_0, q4_0)");
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
