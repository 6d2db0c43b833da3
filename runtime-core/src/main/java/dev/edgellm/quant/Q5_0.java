package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.nio.ByteBuffer;

/**
 * ggml Q5_0. Block of 32 elements in 22 bytes (ggml-common.h block_q5_0):
 * <pre>
 *   fp16 d;  u32 qh (little-endian);  u8 qs[16];
 *   low 4 bits as Q4_0 (byte j: element j low nibble, element j+16 high nibble);
 *   5th bit of element j = bit j of qh;   x = d * (q - 16)
 * </pre>
 */
public final class Q5_0 implements QuantFormat {
    static final int QK = 32;
    static final int BLOCK_BYTES = 22;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public void dequantize(ByteBuffer src, int byteOffset, float[] dst, int dstOffset, int n) {
        int nb = Blocks.count(GgmlType.Q5_0, src, n);
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            int o = dstOffset + b * QK;
            float d = Blocks.f16(src, p);
            int qh = src.getInt(p + 2);
            for (int j = 0; j < 16; j++) {
                int q = Blocks.u8(src, p + 6 + j);
                int q0 = (q & 0xF) | ((qh >>> j) & 1) << 4;
                int q1 = (q >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                dst[o + j] = (q0 - 16) * d;
                dst[o + j + 16] = (q1 - 16) * d;
            }
        }
    }

    @Override
    public float dot(ByteBuffer src, int byteOffset, float[] x, int xOffset, int n) {
        int nb = Blocks.count(GgmlType.Q5_0, src, n);
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            int p = byteOffset + b * BLOCK_BYTES;
            int o = xOffset + b * QK;
            int qh = src.getInt(p + 2);
            float s = 0f;
            for (int j = 0; j < 16; j++) {
                int q = Blocks.u8(src, p + 6 + j);
                int q0 = (q & 0xF) | ((qh >>> j) & 1) << 4;
                int q1 = (q >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                s += (q0 - 16) * x[o + j] + (q1 - 16) * x[o + j + 16];
            }
            sum += Blocks.f16(src, p) * s;
        }
        return sum;
    }

    /**
     * Quantizes {@code n} floats (a multiple of 32) into Q5_0 blocks, bit-exactly as ggml's
     * quantize_row_q5_0_ref: d = m / -16 (m = signed value of largest |x|, first on ties),
     * q = min(31, trunc(x * (1/d) + 16.5)).
     */
    public static void quantize(float[] src, int srcOffset, ByteBuffer dst, int byteOffset, int n) {
        int nb = Blocks.count(GgmlType.Q5_0, dst, n);
        for (int b = 0; b < nb; b++) {
            int i0 = srcOffset + b * QK;
            int p = byteOffset + b * BLOCK_BYTES;
            float d = Q4_0.signedAbsMax(src, i0, QK) / -16f;
            float id = d != 0f ? 1f / d : 0f;
            dst.putShort(p, Float16.floatToHalfShort(d));
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int q0 = Math.min(31, (int) (src[i0 + j] * id + 16.5f));
                int q1 = Math.min(31, (int) (src[i0 + j + 16] * id + 16.5f));
                dst.put(p + 6 + j, (byte) ((q0 & 0xF) | (q1 & 0xF) << 4));
                qh |= (q0 >>> 4 & 1) << j | (q1 >>> 4 & 1) << (j + 16);
            }
            dst.putInt(p + 2, qh);
        }
    }
}
