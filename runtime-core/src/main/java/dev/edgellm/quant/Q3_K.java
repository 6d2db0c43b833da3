package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.nio.ByteBuffer;

/**
 * ggml Q3_K. Super-block of 256 elements in 110 bytes (ggml-common.h block_q3_K):
 * <pre>
 *   u8 hmask[32];  u8 qs[64];  u8 scales[12];  fp16 d;
 * </pre>
 * Sixteen sub-blocks of 16 elements, each with a 6-bit scale stored biased by 32; {@code x = (d * (scale - 32))
 * * (q - 4)}, q = 2 low bits from {@code qs} (laid out as in Q2_K) plus a high bit from {@code hmask}: element
 * e's high bit is bit {@code e / 32} of {@code hmask[e % 32]}, and a cleared bit means "subtract 4" (ggml's
 * dequantize_row_q3_K).
 */
public final class Q3_K implements QuantFormat {
    static final int QK = 256;
    static final int BLOCK_BYTES = 110;
    private static final int QS = 32;
    private static final int SCALES = 96;
    private static final int D = 108;

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
    }

    @Override
    public void dequantize(ByteBuffer src, int byteOffset, float[] dst, int dstOffset, int n) {
        int nb = Blocks.count(GgmlType.Q3_K, src, n);
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            float d = Blocks.f16(src, p + D);
            for (int s = 0; s < 16; s++) {
                float dl = d * (scale(src, p, s) - 32);
                int q = p + QS + 32 * (s >>> 3) + 16 * (s & 1);
                int hm = p + 16 * (s & 1);
                int shift = 2 * ((s >>> 1) & 3);
                int hbit = s >>> 1; // = (16 s) / 32, the 32-element group of this sub-block
                int o = dstOffset + b * QK + 16 * s;
                for (int l = 0; l < 16; l++) {
                    dst[o + l] = dl * quant(src, q + l, shift, hm + l, hbit);
                }
            }
        }
    }

    @Override
    public float dot(ByteBuffer src, int byteOffset, float[] x, int xOffset, int n) {
        int nb = Blocks.count(GgmlType.Q3_K, src, n);
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            float d = Blocks.f16(src, p + D);
            for (int s = 0; s < 16; s++) {
                int q = p + QS + 32 * (s >>> 3) + 16 * (s & 1);
                int hm = p + 16 * (s & 1);
                int shift = 2 * ((s >>> 1) & 3);
                int hbit = s >>> 1;
                int o = xOffset + b * QK + 16 * s;
                float sqx = 0f;
                for (int l = 0; l < 16; l++) {
                    sqx += quant(src, q + l, shift, hm + l, hbit) * x[o + l];
                }
                sum += d * (scale(src, p, s) - 32) * sqx;
            }
        }
        return sum;
    }

    /** Signed 3-bit quant in -4..3: two bits from qs, minus 4 unless the hmask bit is set. */
    private static int quant(ByteBuffer src, int qPos, int shift, int hmPos, int hbit) {
        int low = (Blocks.u8(src, qPos) >>> shift) & 3;
        return ((Blocks.u8(src, hmPos) >>> hbit) & 1) != 0 ? low : low - 4;
    }

    /**
     * The biased 6-bit scale (0..63) of sub-block s: the low 4 bits are nibbles of scales[0..7] (low nibbles
     * for s < 8, high nibbles for s >= 8), the high 2 bits come from scales[8 + s % 4] at bit 2 * (s / 4).
     */
    private static int scale(ByteBuffer src, int blockPos, int s) {
        int sp = blockPos + SCALES;
        int low = s < 8 ? Blocks.u8(src, sp + s) & 0xF : Blocks.u8(src, sp + s - 8) >>> 4;
        int high = (Blocks.u8(src, sp + 8 + (s & 3)) >>> (2 * (s >>> 2))) & 3;
        return low | high << 4;
    }
}
