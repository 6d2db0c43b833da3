package dev.edgellm.simd;

import dev.edgellm.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/** Fused dequantize-dot kernels by tensor type; {@link #forType} is null where only the scalar reference exists. */
final class Kernels {
    private Kernels() {}

    /** Dot product of one stored row ({@code n} elements at byte {@code off} of {@code w}) with {@code x[xOff ..]}. */
    @FunctionalInterface
    interface RowDot {
        float dot(MemorySegment w, long off, float[] x, int xOff, int n);
    }

    static RowDot forType(GgmlType type) {
        return switch (type) {
            case F32 -> FloatKernels::f32;
            case F16 -> FloatKernels::f16;
            case BF16 -> FloatKernels::bf16;
            case Q8_0 -> BlockKernels::q8_0;
            case Q4_0 -> BlockKernels::q4_0;
            case Q4_1 -> BlockKernels::q4_1;
            case Q5_0 -> BlockKernels::q5_0;
            case Q5_1 -> BlockKernels::q5_1;
            case Q4_K -> KQuantKernels::q4_k;
            case Q5_K -> KQuantKernels::q5_k;
            case Q6_K -> KQuantKernels::q6_k;
            case Q2_K -> KQuantKernels::q2_k;
            case Q3_K -> KQuantKernels::q3_k;
            default -> null;
        };
    }
}
