package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.util.EnumMap;
import java.util.Map;

/** The scalar reference {@link QuantFormat} for each computable {@link GgmlType}. */
public final class Quants {
    private static final Map<GgmlType, QuantFormat> FORMATS = new EnumMap<>(GgmlType.class);

    static {
        register(new F32());
        register(new F16());
        register(new BF16());
        register(new Q4_0());
        register(new Q4_1());
        register(new Q5_0());
        register(new Q5_1());
        register(new Q8_0());
        register(new Q2_K());
        register(new Q3_K());
        register(new Q4_K());
        register(new Q5_K());
        register(new Q6_K());
    }

    private Quants() {}

    private static void register(QuantFormat f) {
        FORMATS.put(f.type(), f);
    }

    /** The reference format for {@code type}; throws if runtime-core cannot compute with it. */
    public static QuantFormat of(GgmlType type) {
        QuantFormat f = FORMATS.get(type);
        if (f == null) throw new UnsupportedOperationException("tensor type " + type + " is not supported");
        return f;
    }

    public static boolean supports(GgmlType type) {
        return FORMATS.containsKey(type);
    }
}
