package dev.edgellm;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.gguf.TensorInfo;
import dev.edgellm.quant.Float16;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Random test inputs for kernel tests, shared by the backends' tests through runtime-core's test-jar: Gaussian
 * activations, and weight tensors of any GGML type whose bytes are random but whose fp16/bf16/f32 fields are
 * finite and of a plausible size (random bits could be NaN or huge).
 */
public final class RandomTensors {
    private RandomTensors() {}

    /** {@code n} standard Gaussian floats. */
    public static float[] randomFloats(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    /**
     * A heap tensor named {@code w.TYPE} of {@code rows} rows of {@code n} elements: F32/BF16 Gaussian; F16 Gaussian
     * with every 7th value an fp16 subnormal (|x| < 6.1e-5); block types random bytes with their fp16 scale and min
     * fields Gaussian × 0.05. Supports F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K … Q6_K.
     */
    public static TensorData randomTensor(GgmlType type, int n, int rows, Random rnd) {
        int rowBytes = (int) type.byteSize(n);
        ByteBuffer buf = ByteBuffer.allocate(rowBytes * rows).order(ByteOrder.LITTLE_ENDIAN);
        rnd.nextBytes(buf.array());
        int elements = n * rows;
        switch (type) {
            case F32:
                for (int i = 0; i < elements; i++) buf.putFloat(4 * i, (float) rnd.nextGaussian());
                break;
            case F16:
                for (int i = 0; i < elements; i++) {
                    float v = (float) rnd.nextGaussian() * (i % 7 == 0 ? 3e-5f : 1f);
                    buf.putShort(2 * i, Float16.floatToHalfShort(v));
                }
                break;
            case BF16:
                for (int i = 0; i < elements; i++) {
                    buf.putShort(2 * i, (short) (Float.floatToIntBits((float) rnd.nextGaussian()) >>> 16));
                }
                break;
            default:
                int[] halves = halfFields(type);
                for (int b = 0; b < elements / type.blockSize; b++) {
                    for (int h : halves) {
                        buf.putShort(b * type.typeSize + h, Float16.floatToHalfShort((float) (rnd.nextGaussian() * 0.05)));
                    }
                }
        }
        return TensorData.of(new TensorInfo("w." + type, new long[] {n, rows}, type, 0), buf);
    }

    /** Byte offsets of the fp16 fields (scales, mins) within one block of {@code type}. */
    private static int[] halfFields(GgmlType type) {
        switch (type) {
            case Q4_0: case Q5_0: case Q8_0: return new int[] {0};
            case Q4_1: case Q5_1: case Q4_K: case Q5_K: return new int[] {0, 2};
            case Q6_K: return new int[] {208};
            case Q2_K: return new int[] {80, 82};
            case Q3_K: return new int[] {108};
            default: throw new IllegalArgumentException("no random tensor for " + type.name());
        }
    }
}
