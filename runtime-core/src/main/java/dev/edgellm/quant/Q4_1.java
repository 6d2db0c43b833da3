package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.nio.ByteBuffer;

/**
 * ggml Q4_1. Block of 32 elements in 20 bytes (ggml-common.h block_q4_1):
 * <pre>
 *   fp16 d;  fp16 m;  u8 qs[16];   nibbles as Q4_0
 *   x = d * q + m
 * </pre>
 */
public final class Q4_1 implements QuantFormat {
    static final int QK = 32;
    static final int BLOCK_BYTES = 20;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    public void dequantize(ByteBuffer src, int byteOffset, float[] dst, int dstOffset, int n) {
        int nb = Blocks.count(GgmlType.Q4_1, src, n);
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            int o = dstOffset + b * QK;
            float d = Blocks.f16(src, p);
            float m = Blocks.f16(src, p + 2);
            for (int j = 0; j < 16; j++) {
                int q = Blocks.u8(src, p + 4 + j);
                dst[o + j] = (q & 0xF) * d + m;
                dst[o + j + 16] = (q >>> 4) * d + m;
            }
        }
    }

    @Override
    public float dot(ByteBuffer src, int byteOffset, float[] x, int xOffset, int n) {
        int nb = Blocks.count(GgmlType.Q4_1, src, n);
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            int o = xOffset + b * QK;
            // sum (d q + m) x = d * sum(q x) + m * sum(x)
            float sqx = 0f;
            float sx = 0f;
            for (int j = 0; j < 16; j++) {
                int q = Blocks.u8(src, p + 4 + j);
                float x0 = x[o + j];
                float x1 = x[o + j + 16];
                sqx += (q & 0xF) * x0 + (q >>> 4) * x1;
                sx += x0 + x1;
            }
            sum += Blocks.f16(src, p) * sqx + Blocks.f16(src, p + 2) * sx;
        }
        return sum;
    }

    /**
     * Quantizes {@code n} floats (a multiple of 32) into Q4_1 blocks, bit-exactly as ggml's
     * quantize_row_q4_1_ref: d = (max - min) / 15, m = min, q = min(15, trunc((x - min) * (1/d) + 0.5)).
     */
    public static void quantize(float[] src, int srcOffset, ByteBuffer dst, int byteOffset, int n) {
        int nb = Blocks.count(GgmlType.Q4_1, dst, n);
        for (int b = 0; b < nb; b++) {
            int i0 = srcOffset + b * QK;
            int p = byteOffset + b * BLOCK_BYTES;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < QK; j++) {
                float v = src[i0 + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 15f;
            float id = d != 0f ? 1f / d : 0f;
            dst.putShort(p, Float16.floatToHalfShort(d));
            dst.putShort(p + 2, Float16.floatToHalfShort(min));
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(15, (int) ((src[i0 + j] - min) * id + 0.5f));
                int hi = Math.min(15, (int) ((src[i0 + j + 16] - min) * id + 0.5f));
                dst.put(p + 4 + j, (byte) (lo | hi << 4));
            }
        }
    }
}
