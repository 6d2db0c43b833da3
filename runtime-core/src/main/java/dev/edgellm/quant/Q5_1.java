package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.nio.ByteBuffer;

/**
 * ggml Q5_1. Block of 32 elements in 24 bytes (ggml-common.h block_q5_1):
 * <pre>
 *   fp16 d;  fp16 m;  u32 qh (little-endian);  u8 qs[16];   bits as Q5_0
 *   x = d * q + m
 * </pre>
 */
public final class Q5_1 implements QuantFormat {
    static final int QK = 32;
    static final int BLOCK_BYTES = 24;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    public void dequantize(ByteBuffer src, int byteOffset, float[] dst, int dstOffset, int n) {
        int nb = Blocks.count(GgmlType.Q5_1, src, n);
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            int o = dstOffset + b * QK;
            float d = Blocks.f16(src, p);
            float m = Blocks.f16(src, p + 2);
            int qh = src.getInt(p + 4);
            for (int j = 0; j < 16; j++) {
                int q = Blocks.u8(src, p + 8 + j);
                int q0 = (q & 0xF) | ((qh >>> j) & 1) << 4;
                int q1 = (q >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                dst[o + j] = q0 * d + m;
                dst[o + j + 16] = q1 * d + m;
            }
        }
    }

    @Override
    public float dot(ByteBuffer src, int byteOffset, float[] x, int xOffset, int n) {
        int nb = Blocks.count(GgmlType.Q5_1, src, n);
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            int o = xOffset + b * QK;
            int qh = src.getInt(p + 4);
            float sqx = 0f;
            float sx = 0f;
            for (int j = 0; j < 16; j++) {
                int q = Blocks.u8(src, p + 8 + j);
                int q0 = (q & 0xF) | ((qh >>> j) & 1) << 4;
                int q1 = (q >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                float x0 = x[o + j];
                float x1 = x[o + j + 16];
                sqx += q0 * x0 + q1 * x1;
                sx += x0 + x1;
            }
            sum += Blocks.f16(src, p) * sqx + Blocks.f16(src, p + 2) * sx;
        }
        return sum;
    }

    /**
     * Quantizes {@code n} floats (a multiple of 32) into Q5_1 blocks, bit-exactly as ggml's
     * quantize_row_q5_1_ref: d = (max - min) / 31, m = min, q = (uint8) trunc((x - min) * (1/d) + 0.5)
     * (ggml clamps nothing here; the value cannot exceed 31 for finite input).
     */
    public static void quantize(float[] src, int srcOffset, ByteBuffer dst, int byteOffset, int n) {
        int nb = Blocks.count(GgmlType.Q5_1, dst, n);
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
            float d = (max - min) / 31f;
            float id = d != 0f ? 1f / d : 0f;
            dst.putShort(p, Float16.floatToHalfShort(d));
            dst.putShort(p + 2, Float16.floatToHalfShort(min));
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int q0 = (int) ((src[i0 + j] - min) * id + 0.5f) & 0xFF;
                int q1 = (int) ((src[i0 + j + 16] - min) * id + 0.5f) & 0xFF;
                dst.put(p + 8 + j, (byte) ((q0 & 0xF) | (q1 & 0xF) << 4));
                qh |= (q0 >>> 4 & 1) << j | (q1 >>> 4 & 1) << (j + 16);
            }
            dst.putInt(p + 4, qh);
        }
    }
}
