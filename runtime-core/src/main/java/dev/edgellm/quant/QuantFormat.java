package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.nio.ByteBuffer;

/**
 * Scalar reference kernels for one ggml tensor type: exact dequantization and a dot product against float
 * activations. These are the oracle every accelerated kernel is tested against, and what the scalar backend
 * runs. Buffers are little-endian and read with absolute gets only, so one buffer may be shared by threads.
 * Implementations are stateless and thread-safe.
 */
public interface QuantFormat {
    GgmlType type();

    /**
     * Dequantizes {@code n} elements (a multiple of the block size) stored at {@code byteOffset} of
     * {@code src} into {@code dst[dstOffset .. dstOffset+n)}, bit-exactly as ggml's dequantize_row_*.
     */
    void dequantize(ByteBuffer src, int byteOffset, float[] dst, int dstOffset, int n);

    /**
     * Dot product of {@code n} stored elements at {@code byteOffset} with {@code x[xOffset .. xOffset+n)},
     * equal to dequantizing and multiplying in float32 up to float rounding.
     */
    float dot(ByteBuffer src, int byteOffset, float[] x, int xOffset, int n);
}
