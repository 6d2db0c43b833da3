package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.nio.ByteBuffer;

/**
 * ggml Q8_0. Block of 32 elements in 34 bytes (ggml-common.h block_q8_0):
 * <pre>
 *   fp16 d;  int8 qs[32];        x[j] = d * qs[j]
 * </pre>
 */
public final class Q8_0 implements QuantFormat {
    static final int QK = 32;
    static final int BLOCK_BYTES = 34;

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public void dequantize(ByteBuffer src, int byteOffset, float[] dst, int dstOffset, int n) {
        int nb = Blocks.count(GgmlType.Q8_0, src, n);
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            int o = dstOffset + b * QK;
            float d = Blocks.f16(src, p);
            for (int j = 0; j < QK; j++) {
                dst[o + j] = src.get(p + 2 + j) * d;
            }
        }
    }

    @Override
    public float dot(ByteBuffer src, int byteOffset, float[] x, int xOffset, int n) {
        int nb = Blocks.count(GgmlType.Q8_0, src, n);
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            int o = xOffset + b * QK;
            float s = 0f;
            for (int j = 0; j < QK; j++) {
                s += src.get(p + 2 + j) * x[o + j];
            }
            sum += Blocks.f16(src, p) * s;
        }
        return sum;
    }

    /**
     * Quantizes {@code n} floats (a multiple of 32) into Q8_0 blocks at {@code byteOffset} of {@code dst},
     * bit-exactly as ggml's quantize_row_q8_0_ref: d = amax/127 in float32, q = roundf(x * (1/d)) with the
     * inverse taken from the unrounded float d (0 when d is 0), d stored as fp16.
     */
    public static void quantize(float[] src, int srcOffset, ByteBuffer dst, int byteOffset, int n) {
        int nb = Blocks.count(GgmlType.Q8_0, dst, n);
        for (int b = 0; b < nb; b++) {
            int i0 = srcOffset + b * QK;
            int p = byteOffset + b * BLOCK_BYTES;
            float amax = 0f;
            for (int j = 0; j < QK; j++) {
                float a = Math.abs(src[i0 + j]);
                amax = amax > a ? amax : a; // ggml's MAX(), including its behaviour with NaN
            }
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            dst.putShort(p, Float16.floatToHalfShort(d));
            for (int j = 0; j < QK; j++) {
                dst.put(p + 2 + j, (byte) roundHalfAway(src[i0 + j] * id));
            }
        }
    }

    /**
     * C's roundf: nearest integer, halves away from zero (Math.round rounds -2.5 to -2). Done in double so
     * that {@code |v| + 0.5} is exact: in float, 0.49999997f + 0.5f would round up to 1.
     */
    static int roundHalfAway(float v) {
        double r = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -r : r);
    }
}
