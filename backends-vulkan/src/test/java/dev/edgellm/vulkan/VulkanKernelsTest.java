package dev.edgellm.vulkan;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.gguf.TensorInfo;
import dev.edgellm.quant.Quants;
import dev.edgellm.spi.ScalarKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static dev.edgellm.RandomTensors.randomFloats;
import static dev.edgellm.RandomTensors.randomTensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every GPU kernel against the scalar reference on random data: row lengths of 1, 3 and many blocks, odd
 * row counts, batches 1..5, weights split into several buffers (a 4 KiB cap instead of the device's
 * maxStorageBufferRange) and uploaded through a staging copy. Bound: float rounding, 1e-5 of Σ|w·x|.
 */
class VulkanKernelsTest {
    static VulkanDeviceInfo device;
    static VulkanBackend plain, chunked;

    @BeforeAll
    static void open() {
        device = VulkanTestSupport.deviceOrSkip();
        plain = new VulkanBackend(device, 0, false);
        chunked = new VulkanBackend(device, 4096, true);
    }

    @AfterAll
    static void close() {
        if (plain != null) plain.close();
        if (chunked != null) chunked.close();
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K", "Q3_K"})
    void matVecAndMatMulMatchTheScalarReference(GgmlType type) {
        Random rnd = new Random(type.ordinal() * 131L + 3);
        int bs = type.blockSize;
        for (int blocks : new int[] {1, 3, bs == 1 ? 1001 : bs == 32 ? 67 : 11}) {
            int n = bs * blocks;
            for (int rows : new int[] {1, 7, 61}) {
                TensorData w = randomTensor(type, n, rows, rnd);
                for (VulkanBackend b : new VulkanBackend[] {plain, chunked}) {
                    checkMatVec(b, w, n, rows, rnd);
                    for (int batch : new int[] {1, 2, 5, 19}) checkMatMul(b, w, n, rows, batch, rnd);
                }
            }
        }
    }

    @Test
    void oddF32RowLengthsAndManyChunks() {
        Random rnd = new Random(11);
        for (int n : new int[] {1, 5, 33, 257}) {
            TensorData w = randomTensor(GgmlType.F32, n, 300, rnd); // 300 rows of n*4 bytes: several 4 KiB chunks
            checkMatVec(chunked, w, n, 300, rnd);
            checkMatMul(chunked, w, n, 300, 3, rnd);
        }
    }

    @Test
    void weightsAreUploadedOnceAndReported() {
        try (VulkanBackend b = new VulkanBackend(device, 0, false)) {
            Random rnd = new Random(2);
            TensorData w = randomTensor(GgmlType.Q4_0, 64, 10, rnd);
            checkMatVec(b, w, 64, 10, rnd);
            long weights = b.deviceMemory().get("weights");
            assertEquals((10 * 36 + 3) & ~3, weights, "one padded buffer of 10 Q4_0 rows");
            checkMatVec(b, w, 64, 10, rnd);
            checkMatMul(b, w, 64, 10, 4, rnd);
            assertEquals(weights, b.deviceMemory().get("weights"), "no second upload");
            assertTrue(b.deviceMemory().get("activations") > 0);
            assertEquals(0L, b.deviceMemory().get("staging"), "staging buffers are temporary");
        }
    }

    @Test
    void rmsNormMatchesTheReference() {
        Random rnd = new Random(5);
        for (int n : new int[] {1, 7, 64, 255, 257, 1000, 4096}) {
            float[] x = randomFloats(rnd, n + 3), w = randomFloats(rnd, n);
            float[] want = new float[n + 2], got = new float[n + 2];
            ScalarKernels.rmsNorm(want, 2, x, 3, w, 1e-5f, n);
            plain.rmsNorm(got, 2, x, 3, w, 1e-5f, n);
            for (int i = 2; i < n + 2; i++) assertEquals(want[i], got[i], 1e-5f * Math.max(1f, Math.abs(want[i])), "n=" + n + " i=" + i);
            // in place, as the q/k norms call it
            float[] inPlace = x.clone();
            plain.rmsNorm(inPlace, 3, inPlace, 3, w, 1e-5f, n);
            for (int i = 0; i < n; i++) assertEquals(want[2 + i], inPlace[3 + i], 1e-5f * Math.max(1f, Math.abs(want[2 + i])));
        }
    }

    @Test
    void badInputsAreClearErrors() {
        Random rnd = new Random(9);
        TensorData w = randomTensor(GgmlType.Q8_0, 64, 4, rnd);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> plain.matVec(w, new float[63], 0, new float[4], 0));
        assertTrue(e.getMessage().contains("x["), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> plain.matVec(w, new float[64], 0, new float[4], 1));
        assertThrows(IllegalArgumentException.class, () -> plain.matMul(w, new float[64], new float[8], 2));
        assertThrows(IllegalArgumentException.class, () -> plain.matMul(w, new float[64], new float[4], -1));
        assertThrows(IllegalArgumentException.class, () -> plain.rmsNorm(new float[4], 0, new float[4], 0, new float[3], 1e-5f, 4));
        assertThrows(IllegalArgumentException.class, () -> plain.rmsNorm(new float[4], 0, new float[4], 0, new float[4], 1e-5f, 0));
        assertThrows(IllegalArgumentException.class, () -> new VulkanBackend(device, 8, false));
        VulkanBackend closed = new VulkanBackend(device, 0, false);
        closed.close();
        closed.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> closed.matVec(w, new float[64], 0, new float[4], 0));
    }

    @Test
    void aRowLargerThanTheBufferCapFallsBackToTheCpu() {
        Random rnd = new Random(13);
        try (VulkanBackend b = new VulkanBackend(device, 256, false)) {
            TensorData w = randomTensor(GgmlType.F32, 100, 3, rnd); // 400-byte rows > 256-byte cap
            checkMatVec(b, w, 100, 3, rnd);
            assertEquals(0L, b.deviceMemory().get("weights"));
        }
    }

    @Test
    void zeroWeightsGiveZeros() {
        TensorData w = TensorData.of(new TensorInfo("z", new long[] {256, 3}, GgmlType.Q4_K, 0),
                ByteBuffer.allocate(3 * 144).order(ByteOrder.LITTLE_ENDIAN));
        float[] out = {9, 9, 9};
        plain.matVec(w, randomFloats(new Random(1), 256), 0, out, 0);
        for (float v : out) assertEquals(0f, v);
    }

    static void checkMatVec(VulkanBackend b, TensorData w, int n, int rows, Random rnd) {
        int xOff = 5;
        float[] x = randomFloats(rnd, xOff + n);
        float[] want = new float[rows + 3], got = new float[rows + 3];
        ScalarKernels.matVec(w, x, xOff, want, 3);
        b.matVec(w, x, xOff, got, 3);
        for (int r = 0; r < rows; r++) assertClose(w, r, x, xOff, n, want[3 + r], got[3 + r]);
    }

    static void checkMatMul(VulkanBackend b, TensorData w, int n, int rows, int batch, Random rnd) {
        float[] x = randomFloats(rnd, batch * n);
        float[] got = new float[batch * rows];
        b.matMul(w, x, got, batch);
        float[] want = new float[rows];
        for (int t = 0; t < batch; t++) {
            ScalarKernels.matVec(w, x, t * n, want, 0);
            for (int r = 0; r < rows; r++) assertClose(w, r, x, t * n, n, want[r], got[t * rows + r]);
        }
    }

    static void assertClose(TensorData w, int r, float[] x, int xOff, int n, float want, float got) {
        float[] row = new float[n];
        Quants.of(w.info().type()).dequantize(w.buffer(r), w.rowOffset(r), row, 0, n);
        double mag = 0;
        for (int i = 0; i < n; i++) mag += Math.abs((double) row[i] * x[xOff + i]);
        assertTrue(Float.isFinite(want), "reference finite");
        assertEquals(want, got, 1e-5 * mag + 1e-6, w.info().type() + " n=" + n + " row " + r);
    }

}
