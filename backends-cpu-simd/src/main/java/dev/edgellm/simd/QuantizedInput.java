package dev.edgellm.simd;

import jdk.incubator.vector.IntVector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.edgellm.simd.Vec.I8;
import static dev.edgellm.simd.Vec.LE;

/**
 * An activation vector quantized to 8 bits per 32-element block (as ggml's Q8_0: scale = max|x| / 127,
 * q = round(x / scale)), laid out for the {@link Interleaved8} kernels: pair p = 16b + 4m + j is the two shorts
 * q[32b + 8m + j], q[32b + 8m + 4 + j], repeated 8 times (32 bytes at {@code pairs + 32p}) so that the kernel
 * loads it as a ready broadcast vector; {@code qsum8[8b .. 8b+8)} = 8 · Σ q over block b, also repeated 8 times
 * (the offset terms, loaded as one vector); {@code sum[b]} as below. Buffers grow to the largest input and are
 * reused, so quantizing allocates nothing in steady state.
 *
 * <p>The pairs live off-heap: C2 folds a vector load from a native segment into the {@code vpmullw} that uses it,
 * but keeps loads from a {@code short[]} (whose bounds checks it hoisted out of the loop) as separate instructions
 * issued early, and the 16 live vectors then spilled the kernel's accumulator (BENCHMARKS.md, 2026-12-03 fourth).
 */
final class QuantizedInput {
    private static final long PAIR_BYTES = 32;

    MemorySegment pairs = MemorySegment.NULL;
    int[] qsum8 = new int[0];
    float[] scale = new float[0];
    /** scale[b] · Σ q over block b: the block's sum as the kernels see it (K-quant min terms). */
    float[] sum = new float[0];
    private final int[] q = new int[32];

    /** Quantizes x[off .. off+n), n a multiple of 32. */
    void quantize(float[] x, int off, int n) {
        int blocks = n / 32;
        if (scale.length < blocks) {
            pairs = Arena.ofAuto().allocate(16 * PAIR_BYTES * blocks, 64);
            qsum8 = new int[8 * blocks];
            scale = new float[blocks];
            sum = new float[blocks];
        }
        MemorySegment dst = pairs;
        for (int b = 0; b < blocks; b++) {
            int o = off + 32 * b;
            float amax = 0f;
            for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[o + i]));
            float d = amax / 127f;
            float id = d == 0f ? 0f : 1f / d;
            int qs = 0;
            for (int i = 0; i < 32; i++) {
                q[i] = Math.round(x[o + i] * id);
                qs += q[i];
            }
            for (int m = 0; m < 4; m++) {
                for (int j = 0; j < 4; j++) {
                    int pair = (q[8 * m + j] & 0xFFFF) | q[8 * m + 4 + j] << 16; // little-endian: low short first
                    IntVector.broadcast(I8, pair).intoMemorySegment(dst, PAIR_BYTES * (16 * b + 4 * m + j), LE);
                }
            }
            java.util.Arrays.fill(qsum8, 8 * b, 8 * b + 8, 8 * qs);
            scale[b] = d;
            sum[b] = d * qs;
        }
    }

    /** Short {@code i} of the pairs (tests). */
    short pairShort(int i) {
        return pairs.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i);
    }
}
