package dev.edgellm.simd;

import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The activations' 8-bit quantization for the repacked kernels: its values, and the vector path against the scalar one. */
class QuantizedInputTest {
    @Test
    void quantizedInputRoundsToTheNearestStepAndSumsTheBlocks() {
        float[] x = new float[64];
        for (int i = 0; i < 64; i++) x[i] = (i - 20) * 0.25f;
        QuantizedInput q = new QuantizedInput();
        q.quantize(x, 0, 64);
        assertEquals(5f / 127, q.scale[0], 1e-9); // max |x| of block 0 = |-20 · 0.25|
        // pair 16b + 4m + j = (x[32b + 8m + j], x[32b + 8m + 4 + j]): shorts 2p and 2p + 1
        assertEquals(-127, q.pairShort(0));
        assertEquals(Math.round((4 - 20) * 0.25f * 127 / 5f), q.pairShort(1));
        assertEquals(Math.round((9 - 20) * 0.25f * 127 / 5f), q.pairShort(2 * 5)); // pair 5: m = 1, j = 1
        assertEquals(Math.round((13 - 20) * 0.25f * 127 / 5f), q.pairShort(2 * 5 + 1));
        assertEquals(Math.round((58 - 20) * 0.25f * 127 / 10.75f), q.pairShort(2 * (16 + 14))); // block 1, pair 14: x[58]
        int sum = 0;
        for (int i = 0; i < 32; i++) sum += Math.round(x[i] * (127 / 5f));
        assertEquals(8 * sum, q.qsum[0]);
    }

    /**
     * The vector path gives the scalar reference's bits in every field: random blocks of several magnitudes, and blocks
     * whose max is 127 (so x / scale = x exactly) holding every rounding edge: halves of both signs (Math.round rounds
     * them up), the float just below 0.5 (which x + 0.5 would round to 1), steps below 2^-9, signed zeros,
     * subnormals; then a NaN, an infinity and a huge value, whose blocks' quants Math.round takes from (int) y.
     */
    @Test
    void vectorQuantsAreTheScalarReferencesExactly() {
        float[] edges = {127f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 126.5f, -126.5f, 0.49999997f, -0.49999997f,
                Math.nextUp(0.5f), Math.nextDown(-0.5f), 1e-3f, -1e-3f, 0x1p-9f, -0x1p-9f, 0x1p-10f, 0f, -0f,
                Float.MIN_VALUE, -Float.MIN_NORMAL, 3.5f, -3.5f, 63.5f, -64.5f, 0.75f, -0.25f, 17.49999f, -17.500002f,
                100f, -127f};
        Random rnd = new Random(24);
        int blocks = 40, off = 5;
        float[] x = new float[off + 32 * blocks];
        for (int i = off; i < x.length; i++) {
            int b = (i - off) / 32;
            x[i] = (float) rnd.nextGaussian() * (float) Math.pow(10, b % 7 - 3);
        }
        System.arraycopy(edges, 0, x, off + 32, 32);
        for (int i = 0; i < 32; i++) x[off + 64 + i] = edges[i] * 0.5f + (i % 2 == 0 ? 0.25f : -0.25f); // max 63.75
        x[off + 96 + 3] = Float.NaN;
        x[off + 128 + 7] = Float.POSITIVE_INFINITY;
        x[off + 160 + 9] = Float.NEGATIVE_INFINITY;
        x[off + 192 + 1] = 3e38f;
        java.util.Arrays.fill(x, off + 224, off + 256, 0f); // scale 0
        QuantizedInput got = new QuantizedInput(), want = new QuantizedInput();
        for (int i = 0; i < 5000; i++) got.quantize(x, off, 32 * blocks); // C2's code too, not only the interpreter's
        got.quantize(x, off, 32 * blocks);
        want.quantizeReference(x, off, 32 * blocks);
        assertArrayEquals(want.pairs, got.pairs);
        assertArrayEquals(want.qsum, got.qsum);
        assertArrayEquals(want.scale, got.scale);
        assertArrayEquals(want.sum, got.sum);
        assertArrayEquals(want.sixBitOffset, got.sixBitOffset);
        assertArrayEquals(want.fiveBitOffset, got.fiveBitOffset);
        assertArrayEquals(want.pairMemory.toArray(ValueLayout.JAVA_BYTE), got.pairMemory.toArray(ValueLayout.JAVA_BYTE));
        // the edge block read back: q = Math.round(x) for a max of 127
        for (int i = 0; i < 32; i++) {
            int k = i % 8 < 4 ? 2 * (4 * (i / 8) + i % 8) : 2 * (4 * (i / 8) + i % 8 - 4) + 1;
            assertEquals(Math.round(edges[i]), got.pairShort(32 + k), "x = " + edges[i]);
        }
    }
}
