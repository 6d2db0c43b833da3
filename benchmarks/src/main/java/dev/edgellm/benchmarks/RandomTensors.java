package dev.edgellm.benchmarks;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.gguf.TensorInfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Random weight matrices in ggml block formats, for benchmarks: random quant bits with every fp16 scale field
 * replaced by a small finite value, so no kernel meets NaN or infinity (which some CPUs run slower).
 */
final class RandomTensors {
    private RandomTensors() {
    }

    /** A {@code rows x cols} matrix of {@code type} in a direct little-endian buffer; cols a multiple of the block size. */
    static TensorData matrix(GgmlType type, int cols, int rows, long seed) {
        if (cols % type.blockSize != 0) {
            throw new IllegalArgumentException(type + " needs a row length that is a multiple of " + type.blockSize + ", got " + cols);
        }
        Random rnd = new Random(seed);
        int rowBytes = Math.toIntExact(type.byteSize(cols));
        ByteBuffer buf = ByteBuffer.allocateDirect(Math.multiplyExact(rowBytes, rows)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] bytes = new byte[buf.capacity()];
        rnd.nextBytes(bytes);
        buf.put(0, bytes);
        long elements = (long) cols * rows;
        if (type == GgmlType.F32) {
            for (int i = 0; i < elements; i++) buf.putFloat(4 * i, (float) (rnd.nextGaussian() * 0.02));
        } else {
            int[] scaleOffsets = scaleOffsets(type);
            for (long blk = 0; blk < elements / type.blockSize; blk++) {
                for (int off : scaleOffsets) {
                    buf.putShort(Math.toIntExact(blk * type.typeSize + off), Float.floatToFloat16((float) (rnd.nextGaussian() * 0.01)));
                }
            }
        }
        return TensorData.of(new TensorInfo("w", new long[] {cols, rows}, type, 0), buf);
    }

    /** Byte offsets of the fp16 fields inside one block (ggml's block layouts). */
    static int[] scaleOffsets(GgmlType type) {
        return switch (type) {
            case Q4_0, Q5_0, Q8_0, Q3_K -> new int[] {0};   // d first
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2}; // d, then m / dmin
            case Q6_K -> new int[] {208};                     // ql, qh, scales, then d
            case Q2_K -> new int[] {80, 82};                  // scales, qs, then d, dmin
            default -> throw new IllegalArgumentException("no benchmark data for " + type);
        };
    }

    static float[] floats(int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }
}
