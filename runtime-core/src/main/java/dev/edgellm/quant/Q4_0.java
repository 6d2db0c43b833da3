package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.nio.ByteBuffer;

/**
 * ggml Q4_0. Block of 32 elements in 18 bytes (ggml-common.h block_q4_0):
 * <pre>
 *   fp16 d;  u8 qs[16];          byte j: low nibble = element j, high nibble = element j+16
 *   x = d * (q - 8)
 * </pre>
 */
public final class Q4_0 implements QuantFormat {
    static final int QK = 32;
    static final int BLOCK_BYTES = 18;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void dequantize(ByteBuffer src, int byteOffset, float[] dst, int dstOffset, int n) {
        int nb = Blocks.count(GgmlType.Q4_0, src, n);
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            int o = dstOffset + b * QK;
            float d = Blocks.f16(src, p);
            for (int j = 0; j < 16; j++) {
                int q = Blocks.u8(src, p + 2 + j);
                dst[o + j] = ((q & 0xF) - 8) * d;
                dst[o + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }

    @Override
    public float dot(ByteBuffer src, int byteOffset, float[] x, int xOffset, int n) {
        int nb = Blocks.count(GgmlType.Q4_0, src, n);
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            int o = xOffset + b * QK;
            float s = 0f;
            for (int j = 0; j < 16; j++) {
                int q = Blocks.u8(src, p + 2 + j);
                s += ((q & 0xF) - 8) * x[o + j] + ((q >>> 4) - 8) * x[o + j + 16];
            }
            sum += Blocks.f16(src, p) * s;
        }
        return sum;
    }

    /**
     * Quantizes {@code n} floats (a multiple of 32) into Q4_0 blocks, bit-exactly as ggml's
     * quantize_row_q4_0_ref: m = the signed value with the largest |x| (first one on ties), d = m / -8,
     * q = min(15, trunc(x * (1/d) + 8.5)), all in float32 with the inverse of the unrounded d.
     */
    public static void quantize(float[] src, int srcOffset, ByteBuffer dst, int byteOffset, int n) {
        int nb = Blocks.count(GgmlType.Q4_0, dst, n);
        for (int b = 0; b < nb; b++) {
            int i0 = srcOffset + b * QK;
            int p = byteOffset + b * BLOCK_BYTES;
            float d = signedAbsMax(src, i0, QK) / -8f;
            float id = d != 0f ? 1f / d : 0f;
            dst.putShort(p, Float16.floatToHalfShort(d));
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(15, (int) (src[i0 + j] * id + 8.5f));
                int hi = Math.min(15, (int) (src[i0 + j + 16] * id + 8.5f));
                dst.put(p + 2 + j, (byte) (lo | hi << 4));
            }
        }
    }

    /** The element with the strictly largest magnitude (the first one on ties), sign kept; 0 if none. */
    static float signedAbsMax(float[] x, int from, int count) {
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < count; j++) {
            float v = x[from + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }
}
