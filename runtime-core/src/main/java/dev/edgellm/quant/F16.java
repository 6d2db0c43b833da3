package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.nio.ByteBuffer;

/** IEEE half precision, little-endian (ggml GGML_TYPE_F16, 2 bytes per element). */
public final class F16 implements QuantFormat {
    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public void dequantize(ByteBuffer src, int byteOffset, float[] dst, int dstOffset, int n) {
        Blocks.count(GgmlType.F16, src, n);
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = Blocks.f16(src, byteOffset + 2 * i);
        }
    }

    @Override
    public float dot(ByteBuffer src, int byteOffset, float[] x, int xOffset, int n) {
        Blocks.count(GgmlType.F16, src, n);
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += Blocks.f16(src, byteOffset + 2 * i) * x[xOffset + i];
        }
        return sum;
    }

    /** Stores {@code n} floats as halves (round to nearest even, as ggml_fp32_to_fp16_row). */
    public static void quantize(float[] src, int srcOffset, ByteBuffer dst, int byteOffset, int n) {
        Blocks.count(GgmlType.F16, dst, n);
        for (int i = 0; i < n; i++) {
            dst.putShort(byteOffset + 2 * i, Float16.floatToHalfShort(src[srcOffset + i]));
        }
    }
}
