package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.nio.ByteBuffer;

/**
 * ggml Q4_K. Super-block of 256 elements in 144 bytes (ggml-common.h block_q4_K):
 * <pre>
 *   fp16 d;  fp16 dmin;  u8 scales[12];  u8 qs[128];
 * </pre>
 * Eight sub-blocks of 32 elements with 6-bit scale and min packed in {@code scales} (see
 * {@link Blocks#scaleMinK4}); {@code x = (d * scale) * q - dmin * min}. Sub-blocks 2c and 2c+1 share the 32
 * bytes {@code qs[32c ..]}: the even one takes the low nibbles, the odd one the high nibbles (ggml's
 * dequantize_row_q4_K).
 */
public final class Q4_K implements QuantFormat {
    static final int QK = 256;
    static final int BLOCK_BYTES = 144;
    private static final int SCALES = 4;
    private static final int QS = 16;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public void dequantize(ByteBuffer src, int byteOffset, float[] dst, int dstOffset, int n) {
        int nb = Blocks.count(GgmlType.Q4_K, src, n);
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
                    dst[o + l] = d1 * ((Blocks.u8(src, q + l) >>> shift) & 0xF) - m1;
                }
            }
        }
    }

    @Override
    public float dot(ByteBuffer src, int byteOffset, float[] x, int xOffset, int n) {
        int nb = Blocks.count(GgmlType.Q4_K, src, n);
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
                    sqx += ((Blocks.u8(src, q + l) >>> shift) & 0xF) * xv;
                    sx += xv;
                }
                sum += d * (scMin & 0xFF) * sqx - dmin * (scMin >>> 8) * sx;
            }
        }
        return sum;
    }
}
