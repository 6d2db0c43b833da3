package dev.edgellm.gguf;

/**
 * ggml tensor element types, with ggml's numeric ids and block geometry (elements per block, bytes per
 * block). The ids and sizes are the GGUF file format's, from ggml.h / ggml.c's type traits; ids 4, 5 and
 * 31–33 were removed upstream and are rejected. {@link #computable} marks the types runtime-core can compute
 * with; the others can be listed ({@code info}) but not run.
 */
public enum GgmlType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 18, true),
    Q4_1(3, 32, 20, true),
    Q5_0(6, 32, 22, true),
    Q5_1(7, 32, 24, true),
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, false),
    Q2_K(10, 256, 84, true),
    Q3_K(11, 256, 110, true),
    Q4_K(12, 256, 144, true),
    Q5_K(13, 256, 176, true),
    Q6_K(14, 256, 210, true),
    Q8_K(15, 256, 292, false),
    IQ2_XXS(16, 256, 66, false),
    IQ2_XS(17, 256, 74, false),
    IQ3_XXS(18, 256, 98, false),
    IQ1_S(19, 256, 50, false),
    IQ4_NL(20, 32, 18, false),
    IQ3_S(21, 256, 110, false),
    IQ2_S(22, 256, 82, false),
    IQ4_XS(23, 256, 136, false),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 56, false),
    BF16(30, 1, 2, true),
    TQ1_0(34, 256, 54, false),
    TQ2_0(35, 256, 66, false),
    MXFP4(39, 32, 17, false);

    private static final GgmlType[] BY_ID = new GgmlType[64];
    static {
        for (GgmlType t : values()) BY_ID[t.id] = t;
    }

    public final int id;
    /** Elements per block (1 for plain scalar types). */
    public final int blockSize;
    /** Bytes per block. */
    public final int typeSize;
    /** Whether runtime-core has dequantize/dot kernels for this type. */
    public final boolean computable;

    GgmlType(int id, int blockSize, int typeSize, boolean computable) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
        this.computable = computable;
    }

    /** The type with this ggml id, or null if the id is unknown. */
    public static GgmlType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /** Bytes taken by {@code elements} elements; {@code elements} must be a multiple of {@link #blockSize}. */
    public long byteSize(long elements) {
        return elements / blockSize * typeSize;
    }
}
