package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** dot() against the dequantized values, for every format, on random blocks of 1..8 blocks. */
class DotTest {
    /** Byte offsets of the fp16 scale fields in a block (their bytes are set to sane values). */
    static int[] halfFields(GgmlType t) {
        switch (t) {
            case Q4_0: case Q5_0: case Q8_0: return new int[] {0};
            case Q4_1: case Q5_1: case Q4_K: case Q5_K: return new int[] {0, 2};
            case Q2_K: return new int[] {80, 82};
            case Q3_K: return new int[] {108};
            case Q6_K: return new int[] {208};
            case F16: return new int[] {0};
            default: return new int[0];
        }
    }

    /** Random bytes for {@code blocks} blocks at {@code offset}; fp16 fields finite, of magnitude 1e-4..1. */
    static ByteBuffer randomBlocks(GgmlType t, int blocks, int offset, Random rnd) {
        ByteBuffer b = ByteBuffer.allocate(offset + blocks * t.typeSize).order(ByteOrder.LITTLE_ENDIAN);
        rnd.nextBytes(b.array());
        for (int i = 0; i < blocks; i++) {
            int p = offset + i * t.typeSize;
            if (t == GgmlType.F32) b.putFloat(p, (float) rnd.nextGaussian());
            if (t == GgmlType.BF16) b.putShort(p, (short) Float16.floatToBf16((float) rnd.nextGaussian()));
            for (int f : halfFields(t)) {
                float v = (float) ((rnd.nextBoolean() ? 1 : -1) * Math.pow(10, -4 * rnd.nextDouble()));
                b.putShort(p + f, Float16.floatToHalfShort(v));
            }
        }
        return b;
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void dotEqualsSumOfDequantizedTimesX(GgmlType t) {
        QuantFormat f = Quants.of(t);
        Random rnd = new Random(t.id * 31L + 7);
        int[] counts = t.blockSize == 1 ? new int[] {1, 2, 3, 5, 8, 64, 255, 1000} : new int[] {1, 2, 3, 4, 5, 6, 7, 8};
        for (int blocks : counts) {
            for (int trial = 0; trial < 20; trial++) {
                int byteOffset = rnd.nextInt(9);
                int xOffset = rnd.nextInt(5);
                int n = blocks * t.blockSize;
                ByteBuffer src = randomBlocks(t, blocks, byteOffset, rnd);
                float[] x = new float[xOffset + n];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                float[] w = new float[n];
                f.dequantize(src, byteOffset, w, 0, n);
                double exact = 0;
                double magnitude = 0;
                for (int i = 0; i < n; i++) {
                    double p = (double) w[i] * x[xOffset + i];
                    exact += p;
                    magnitude += Math.abs(p);
                }
                float got = f.dot(src, byteOffset, x, xOffset, n);
                // float accumulation: the error is a small multiple of float epsilon times sum |w x|
                double tol = 1e-5 * magnitude + 1e-30;
                assertTrue(Math.abs(got - exact) <= tol, t + " n=" + n + ": dot " + got + " vs " + exact
                        + " (sum|wx| " + magnitude + ")");
            }
        }
        assertEquals(0f, f.dot(randomBlocks(t, 0, 0, rnd), 0, new float[0], 0, 0));
    }

    @Test
    void everyComputableTypeIsRegistered() {
        for (GgmlType t : GgmlType.values()) {
            assertEquals(t.computable, Quants.supports(t), t.name());
            if (t.computable) assertSame(t, Quants.of(t).type());
            else assertThrows(UnsupportedOperationException.class, () -> Quants.of(t));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void rejectsPartialBlocksAndBigEndianBuffers(GgmlType t) {
        QuantFormat f = Quants.of(t);
        ByteBuffer src = randomBlocks(t, 2, 0, new Random(1));
        float[] out = new float[2 * t.blockSize];
        int bad = t.blockSize == 1 ? -1 : t.blockSize + 1;
        assertThrows(IllegalArgumentException.class, () -> f.dequantize(src, 0, out, 0, bad));
        assertThrows(IllegalArgumentException.class, () -> f.dot(src, 0, out, 0, bad));
        ByteBuffer bigEndian = src.duplicate(); // duplicate() resets the order to big-endian
        Executable deq = () -> f.dequantize(bigEndian, 0, out, 0, out.length);
        assertThrows(IllegalArgumentException.class, deq);
        assertThrows(IllegalArgumentException.class, () -> f.dot(bigEndian, 0, out, 0, out.length));
    }

    /** The kernels run per row in the hot loop: after warm-up they must not allocate. */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void dotAndDequantizeDoNotAllocate(GgmlType t) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "needs HotSpot's per-thread allocation counter");
        com.sun.management.ThreadMXBean hs = (com.sun.management.ThreadMXBean) mx;
        QuantFormat f = Quants.of(t);
        int n = 4 * Math.max(256, t.blockSize);
        ByteBuffer src = randomBlocks(t, n / t.blockSize, 0, new Random(3));
        float[] x = new float[n];
        float[] y = new float[n];
        float sink = 0;
        for (int i = 0; i < 20_000; i++) sink += f.dot(src, 0, x, 0, n); // let the JIT compile it
        for (int i = 0; i < 2_000; i++) f.dequantize(src, 0, y, 0, n);
        long before = hs.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < 1_000; i++) {
            sink += f.dot(src, 0, x, 0, n);
            f.dequantize(src, 0, y, 0, n);
        }
        long allocated = hs.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertTrue(allocated < 1024, t + " allocated " + allocated + " bytes in 1000 calls (sink " + sink + ")");
    }
}
