package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.nio.ByteBuffer;

/**
 * ggml Q6_K. Super-block of 256 elements in 210 bytes (ggml-common.h block_q6_K):
 * <pre>
 *   u8 ql[128];  u8 qh[64];  int8 scales[16];  fp16 d;
 * </pre>
 * Sixteen sub-blocks of 16 elements with signed 8-bit scales; {@code x = (d * scale) * (q - 32)}, q 6 bits.
 * Each 128-element half h uses {@code ql[64h ..]} and {@code qh[32h ..]}; within it, element
 * {@code r = 32k + l} (k = 0..3, l = 0..31) takes the low nibble (k = 0, 1) or high nibble (k = 2, 3) of
 * {@code ql[l + 32 * (k & 1)]} and bits {@code 2k, 2k+1} of {@code qh[l]} as its top two bits (ggml's
 * dequantize_row_q6_K).
 */
public final class Q6_K implements QuantFormat {
    static final int QK = 256;
    static final int BLOCK_BYTES = 210;
    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public void dequantize(ByteBuffer src, int byteOffset, float[] dst, int dstOffset, int n) {
        int nb = Blocks.count(GgmlType.Q6_K, src, n);
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            float d = Blocks.f16(src, p + D);
            for (int s = 0; s < 16; s++) {
                float ds = d * src.get(p + SCALES + s);
                int h = s >>> 3;
                int k = (s >>> 1) & 3;
                int l0 = 16 * (s & 1);
                int ql = p + 64 * h + 32 * (k & 1) + l0;
                int qh = p + QH + 32 * h + l0;
                int o = dstOffset + b * QK + 16 * s;
                for (int l = 0; l < 16; l++) {
                    dst[o + l] = ds * quant(src, ql + l, k, qh + l);
                }
            }
        }
    }

    @Override
    public float dot(ByteBuffer src, int byteOffset, float[] x, int xOffset, int n) {
        int nb = Blocks.count(GgmlType.Q6_K, src, n);
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            float d = Blocks.f16(src, p + D);
            for (int s = 0; s < 16; s++) {
                int h = s >>> 3;
                int k = (s >>> 1) & 3;
                int l0 = 16 * (s & 1);
                int ql = p + 64 * h + 32 * (k & 1) + l0;
                int qh = p + QH + 32 * h + l0;
                int o = xOffset + b * QK + 16 * s;
                float sqx = 0f;
                for (int l = 0; l < 16; l++) {
                    sqx += quant(src, ql + l, k, qh + l) * x[o + l];
                }
                sum += d * src.get(p + SCALES + s) * sqx;
            }
        }
        return sum;
    }

    /** Signed 6-bit quant (q - 32) of group k: a nibble of ql (low for k < 2) and 2 bits of qh at 2k. */
    private static int quant(ByteBuffer src, int qlPos, int k, int qhPos) {
        int low = (Blocks.u8(src, qlPos) >>> (4 * (k >>> 1))) & 0xF;
        int high = (Blocks.u8(src, qhPos) >>> (2 * k)) & 3;
        return (low | high << 4) - 32;
    }
}
