package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.nio.ByteBuffer;

/**
 * ggml Q5_K. Super-block of 256 elements in 176 bytes (ggml-common.h block_q5_K):
 * <pre>
 *   fp16 d;  fp16 dmin;  u8 scales[12];  u8 qh[32];  u8 qs[128];
 * </pre>
 * As Q4_K (same scale/min packing and nibble layout), plus a 5th bit per element: element e's is bit
 * {@code e / 32} of {@code qh[e % 32]}, worth 16; {@code x = (d * scale) * q - dmin * min} (ggml's
 * dequantize_row_q5_K).
 */
public final class Q5_K implements QuantFormat {
    static final int QK = 256;
    static final int BLOCK_BYTES = 176;
    private static final int SCALES = 4;
    private static final int QH = 16;
    private static final int QS = 48;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public void dequantize(ByteBuffer src, int byteOffset, float[] dst, int dstOffset, int n) {
        int nb = Blocks.count(GgmlType.Q5_K, src, n);
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            float d = Blocks.f16(src, p);
            float dmin = Blocks.f16(src, p + 2);
            for (int s = 0; s < 8; s++) {
                int scMin = Blocks.scaleMinK4(src, p + SCALES, s);
                float d1 = d * (scMin & 0xFF);
                float m1 = dmin * (scMin >>> 8);
                int q = p + QS + 32 * (s >>> 1);
                int shift = 4 * (s & 1);
                int o = dstOffset + b * QK + 32 * s;
                for (int l = 0; l < 32; l++) {
                    dst[o + l] = d1 * quant(src, q + l, shift, p + QH + l, s) - m1;
                }
            }
        }
    }

    @Override
    public float dot(ByteBuffer src, int byteOffset, float[] x, int xOffset, int n) {
        int nb = Blocks.count(GgmlType.Q5_K, src, n);
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            float d = Blocks.f16(src, p);
            float dmin = Blocks.f16(src, p + 2);
            for (int s = 0; s < 8; s++) {
                int scMin = Blocks.scaleMinK4(src, p + SCALES, s);
                int q = p + QS + 32 * (s >>> 1);
                int shift = 4 * (s & 1);
                int o = xOffset + b * QK + 32 * s;
                float sqx = 0f;
                float sx = 0f;
                for (int l = 0; l < 32; l++) {
                    float xv = x[o + l];
                    sqx += quant(src, q + l, shift, p + QH + l, s) * xv;
                    sx += xv;
                }
                sum += d * (scMin & 0xFF) * sqx - dmin * (scMin >>> 8) * sx;
            }
        }
        return sum;
    }

    /** Unsigned 5-bit quant 0..31 of sub-block s: a nibble of qs plus bit s of the element's qh byte. */
    private static int quant(ByteBuffer src, int qPos, int shift, int qhPos, int s) {
        return ((Blocks.u8(src, qPos) >>> shift) & 0xF) | ((Blocks.u8(src, qhPos) >>> s) & 1) << 4;
    }
}
