package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.nio.ByteBuffer;

/** bfloat16, little-endian: the upper 16 bits of a float32 (ggml GGML_TYPE_BF16, 2 bytes per element). */
public final class BF16 implements QuantFormat {
    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    public void dequantize(ByteBuffer src, int byteOffset, float[] dst, int dstOffset, int n) {
        Blocks.count(GgmlType.BF16, src, n);
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = Float16.bf16ToFloat(src.getShort(byteOffset + 2 * i));
        }
    }

    @Override
    public float dot(ByteBuffer src, int byteOffset, float[] x, int xOffset, int n) {
        Blocks.count(GgmlType.BF16, src, n);
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += Float16.bf16ToFloat(src.getShort(byteOffset + 2 * i)) * x[xOffset + i];
        }
        return sum;
    }

    /** Stores {@code n} floats as bfloat16 (round to nearest even, as ggml_fp32_to_bf16_row_ref). */
    public static void quantize(float[] src, int srcOffset, ByteBuffer dst, int byteOffset, int n) {
        Blocks.count(GgmlType.BF16, dst, n);
        for (int i = 0; i < n; i++) {
            dst.putShort(byteOffset + 2 * i, (short) Float16.floatToBf16(src[srcOffset + i]));
        }
    }
}
