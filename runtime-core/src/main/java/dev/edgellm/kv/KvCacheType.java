package dev.edgellm.kv;

import java.util.Locale;

/** Storage type of the KV cache. Quantized types (q8_0, q4_0) come with the memory planner. */
public enum KvCacheType {
    F32(4), F16(2);

    /** Bytes per cached element. */
    public final int bytesPerElement;

    KvCacheType(int bytesPerElement) {
        this.bytesPerElement = bytesPerElement;
    }

    /** Parses {@code f32}/{@code f16} (case-insensitive), naming the valid choices on error. */
    public static KvCacheType parse(String s) {
        for (KvCacheType t : values()) {
            if (t.name().equalsIgnoreCase(s)) return t;
        }
        throw new IllegalArgumentException("unknown KV cache type '" + s + "' (supported: f32, f16)");
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
