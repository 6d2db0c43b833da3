package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.nio.ByteBuffer;

/**
 * ggml Q2_K. Super-block of 256 elements in 84 bytes (ggml-common.h block_q2_K):
 * <pre>
 *   u8 scales[16];  u8 qs[64];  fp16 d;  fp16 dmin;
 * </pre>
 * Sixteen sub-blocks of 16 elements; sub-block s has scale {@code scales[s] & 0xF} and min
 * {@code scales[s] >> 4}, and {@code x = (d * scale) * q - dmin * min}. The 2-bit quants: element
 * {@code e} of each 128-element half {@code h} sits in byte {@code qs[32h + e % 32]} at bit {@code 2 * (e / 32)}
 * (within the half), as in ggml's dequantize_row_q2_K.
 */
public final class Q2_K implements QuantFormat {
    static final int QK = 256;
    static final int BLOCK_BYTES = 84;
    private static final int QS = 16;
    private static final int D = 80;
    private static final int DMIN = 82;

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    @Override
    public void dequantize(ByteBuffer src, int byteOffset, float[] dst, int dstOffset, int n) {
        int nb = Blocks.count(GgmlType.Q2_K, src, n);
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            float d = Blocks.f16(src, p + D);
            float dmin = Blocks.f16(src, p + DMIN);
            for (int s = 0; s < 16; s++) {
                int sc = Blocks.u8(src, p + s);
                float dl = d * (sc & 0xF);
                float ml = dmin * (sc >>> 4);
                int q = qsStart(p, s);
                int shift = shift(s);
                int o = dstOffset + b * QK + 16 * s;
                for (int l = 0; l < 16; l++) {
                    dst[o + l] = dl * ((Blocks.u8(src, q + l) >>> shift) & 3) - ml;
                }
            }
        }
    }

    @Override
    public float dot(ByteBuffer src, int byteOffset, float[] x, int xOffset, int n) {
        int nb = Blocks.count(GgmlType.Q2_K, src, n);
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            float d = Blocks.f16(src, p + D);
            float dmin = Blocks.f16(src, p + DMIN);
            for (int s = 0; s < 16; s++) {
                int sc = Blocks.u8(src, p + s);
                int q = qsStart(p, s);
                int shift = shift(s);
                int o = xOffset + b * QK + 16 * s;
                // sum (dl q - ml) x = dl * sum(q x) - ml * sum(x)
                float sqx = 0f;
                float sx = 0f;
                for (int l = 0; l < 16; l++) {
                    float xv = x[o + l];
                    sqx += ((Blocks.u8(src, q + l) >>> shift) & 3) * xv;
                    sx += xv;
                }
                sum += d * (sc & 0xF) * sqx - dmin * (sc >>> 4) * sx;
            }
        }
        return sum;
    }

    /** First qs byte of sub-block s: 32 bytes per half, the odd sub-block of a pair uses bytes 16..31. */
    private static int qsStart(int blockPos, int s) {
        return blockPos + QS + 32 * (s >>> 3) + 16 * (s & 1);
    }

    /** Bit position of sub-block s's quants: the four 32-element groups of a half use bits 0, 2, 4, 6. */
    private static int shift(int s) {
        return 2 * ((s >>> 1) & 3);
    }
}
