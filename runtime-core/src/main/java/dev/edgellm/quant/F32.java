package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.nio.ByteBuffer;

/** Plain little-endian float32 (ggml GGML_TYPE_F32, 4 bytes per element). */
public final class F32 implements QuantFormat {
    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public void dequantize(ByteBuffer src, int byteOffset, float[] dst, int dstOffset, int n) {
        Blocks.count(GgmlType.F32, src, n);
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = src.getFloat(byteOffset + 4 * i);
        }
    }

    @Override
    public float dot(ByteBuffer src, int byteOffset, float[] x, int xOffset, int n) {
        Blocks.count(GgmlType.F32, src, n);
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += src.getFloat(byteOffset + 4 * i) * x[xOffset + i];
        }
        return sum;
    }
}
