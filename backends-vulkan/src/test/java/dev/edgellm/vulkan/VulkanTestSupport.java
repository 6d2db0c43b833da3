package dev.edgellm.vulkan;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.gguf.TensorInfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

final class VulkanTestSupport {
    private VulkanTestSupport() {}

    /** Skips (never fails) where there is no Vulkan: the suite must pass on machines without a driver. */
    static VulkanDeviceInfo deviceOrSkip() {
        VulkanProbe p = VulkanProbe.get();
        assumeTrue(p.available(), "skipped: the vulkan provider reports unavailable on this machine (" + p.reason()
                + "); CI installs mesa-vulkan-drivers libvulkan1 so these run there");
        return p.selected().orElseThrow();
    }

    static float[] randomFloats(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    /** Random blocks whose fp16 scale fields are finite and of a plausible size (random bits could be NaN). */
    static TensorData randomTensor(GgmlType type, int n, int rows, Random rnd) {
        int rowBytes = (int) type.byteSize(n);
        ByteBuffer buf = ByteBuffer.allocate(rowBytes * rows).order(ByteOrder.LITTLE_ENDIAN);
        rnd.nextBytes(buf.array());
        int elements = n * rows;
        switch (type) {
            case F32 -> { for (int i = 0; i < elements; i++) buf.putFloat(4 * i, (float) rnd.nextGaussian()); }
            case F16 -> {
                for (int i = 0; i < elements; i++) {
                    float v = (float) rnd.nextGaussian() * (i % 7 == 0 ? 3e-5f : 1f); // some fp16 subnormals
                    buf.putShort(2 * i, Float.floatToFloat16(v));
                }
            }
            default -> {
                int[] halves = switch (type) {
                    case Q4_0, Q8_0, Q5_0, Q3_K -> new int[] {0};
                    case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
                    case Q6_K -> new int[] {208};
                    case Q2_K -> new int[] {80, 82};
                    default -> throw new IllegalArgumentException(type.name());
                };
                if (type == GgmlType.Q3_K) halves = new int[] {108};
                for (int b = 0; b < elements / type.blockSize; b++) {
                    for (int h : halves) buf.putShort(b * type.typeSize + h, Float.floatToFloat16((float) (rnd.nextGaussian() * 0.05)));
                }
            }
        }
        return TensorData.of(new TensorInfo("w." + type, new long[] {n, rows}, type, 0), buf);
    }
}
