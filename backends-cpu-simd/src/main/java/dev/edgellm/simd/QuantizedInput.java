package dev.edgellm.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An activation vector quantized to 8 bits per 32-element block (as ggml's Q8_0: scale = max|x| / 127,
 * q = round(x / scale)), laid out for the {@link Interleaved8} kernels: {@code pairs[16b + k]}, k = 4m + j, is the
 * int whose low and high shorts are q[32b + 8m + j] and q[32b + 8m + 4 + j]. A kernel multiplies 8 or 16 rows'
 * weights by pair k broadcast to every lane: every kernel broadcasts it straight from {@link #pairMemory} but
 * Q8_0's 512-bit 8-row one (groups outside its spans), which loads a block's 16 pairs as one 16-lane vector and
 * broadcasts two at a time with shuffles of its own (measured faster there, BENCHMARKS.md). {@code qsum[b]} = 8 ·
 * Σ q over block b (the offset term, broadcast where used: stored once rather than as 8 lanes, it keeps the block's
 * activation data at 68 bytes in L1 next to the weight stream; BENCHMARKS.md, twelfth session); {@code sum[b]} as
 * below.
 * Buffers grow to the largest input and are reused, so quantizing allocates nothing in steady state.
 *
 * <p>Compact pairs (64 bytes per block) rather than pairs stored already broadcast (512 bytes per block, folded
 * into the multiplies as memory operands): at the shape of a decode matrix-vector product the broadcast copy is
 * 32-128 KiB, re-read for every group of 8 rows, and it evicted the weight stream from L1 and took its miss
 * buffers. From DRAM, compact pairs made the Q4_0 kernel ~1.5x faster at one thread; in L2 they cost ~5%
 * (BENCHMARKS.md, 2026-12-04).
 */
final class QuantizedInput {
    int[] pairs = new int[0];
    /**
     * The same pairs in native memory (pair k of block b at byte 64b + 4k), which kernels broadcast to every lane
     * straight from: C2 folds {@code IntVector.broadcast(I16, pairMemory.get(Vec.INT, at))} into one {@code
     * vpbroadcastd} from memory, a load that takes no vector ALU slot. The same broadcast of an int[] element
     * compiled to a scalar load and a broadcast from the register, and the rearrange of a loaded vector to {@code
     * vpermd}, both on the vector shuffle pipes that the kernels' shifts also need: the Q4_0 512-bit pair kernel
     * ran 22% faster in L2 with broadcasts from memory, llama-1b Q4_0 decode ~10% faster (BENCHMARKS.md, fifteenth
     * session). The K-quant pair kernels too, in a shape C1 and C2 compile well ({@link Q4_Kx8#pairDotWide}).
     */
    MemorySegment pairMemory = MemorySegment.NULL;
    int[] qsum = new int[0];
    float[] scale = new float[0];
    /** scale[b] · Σ q over block b: the block's sum as the kernels see it (K-quant min terms). */
    float[] sum = new float[0];
    /**
     * For {@link Q6_Kx8}, per 16-element half h of block b at [2b + h]: the starting values of its two short lanes,
     * -32 · Σ q over the columns each sums (low short: 16h + 0..3 and 16h + 8..11; high: 16h + 4..7 and 16h +
     * 12..15), which turn its unsigned quants' products into those of the signed ones.
     */
    int[] sixBitOffset = new int[0];
    /**
     * For {@link Q5_0x8}'s spans, per block b: the offsets of its two short lanes, -16 · Σ q over the columns each
     * sums (low short: 8m + j, high short: 8m + 4 + j, j < 4), which turn the unsigned 5-bit quants' products into
     * those of the signed ones.
     */
    int[] fiveBitOffset = new int[0];
    private final int[] q = new int[32];

    /** Int lanes as many as {@link Vec#F}'s float lanes. */
    private static final VectorSpecies<Integer> FI = Vec.F.withLanes(int.class);

    /**
     * Quantizes x[off .. off+n), n a multiple of 32: {@link #quantizeReference}'s values to the bit, with each block's
     * max |x| and its 32 roundings in vectors. It runs once per matVec input on the calling thread alone (the
     * workers wait for it): the scalar loop took ~0.9 ms of a ~30 ms llama-1b token at one thread, ~1.1 of ~20 at two
     * (BENCHMARKS.md, twenty-fourth session).
     */
    void quantize(float[] x, int off, int n) {
        int blocks = n / 32;
        grow(blocks);
        for (int b = 0; b < blocks; b++) {
            int o = off + 32 * b;
            FloatVector m = FloatVector.zero(Vec.F);
            for (int i = 0; i < 32; i += Vec.L) m = m.max(FloatVector.fromArray(Vec.F, x, o + i).abs());
            float amax = m.reduceLanes(VectorOperators.MAX); // Math.max's: NaN wins, as in the scalar loop
            float d = amax / 127f;
            float id = d == 0f ? 0f : 1f / d;
            for (int i = 0; i < 32; i += Vec.L) {
                FloatVector y = FloatVector.fromArray(Vec.F, x, o + i).mul(id);
                // Math.round(float) in int lanes, as the JDK computes it: the significand with its implicit bit,
                // signed, shifted to keep one fraction bit, +1, >> 1 (round half up). |y| < 2^-9 shifts out to 0;
                // lanes without a shift in range (|y| >= 2^23, inf, NaN) take (int) y, as Math.round does
                IntVector bits = y.reinterpretAsInts();
                IntVector shift = IntVector.broadcast(FI, 149).sub(bits.lanewise(VectorOperators.LSHR, 23).and(0xFF));
                IntVector r = bits.and(0x007FFFFF).or(0x00800000);
                r = r.lanewise(VectorOperators.NEG, bits.lt(0));
                r.lanewise(VectorOperators.ASHR, shift.max(0).min(31)).add(1).lanewise(VectorOperators.ASHR, 1)
                        .blend((IntVector) y.convert(VectorOperators.F2I, 0), shift.lt(0))
                        .intoArray(q, i);
            }
            pack(b, d);
        }
        MemorySegment.copy(pairs, 0, pairMemory, Vec.INT, 0, 16 * blocks); // one bulk copy, not a set per pair
    }

    /** {@link #quantize} in scalar Java: the reference its vectors are tested against. */
    void quantizeReference(float[] x, int off, int n) {
        int blocks = n / 32;
        grow(blocks);
        for (int b = 0; b < blocks; b++) {
            int o = off + 32 * b;
            float amax = 0f;
            for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[o + i]));
            float d = amax / 127f;
            float id = d == 0f ? 0f : 1f / d;
            for (int i = 0; i < 32; i++) q[i] = Math.round(x[o + i] * id);
            pack(b, d);
        }
        MemorySegment.copy(pairs, 0, pairMemory, Vec.INT, 0, 16 * blocks);
    }

    private void grow(int blocks) {
        if (scale.length < blocks) {
            pairs = new int[16 * blocks];
            pairMemory = Arena.ofAuto().allocate(64L * blocks, 64);
            qsum = new int[blocks];
            scale = new float[blocks];
            sum = new float[blocks];
            sixBitOffset = new int[2 * blocks];
            fiveBitOffset = new int[blocks];
        }
    }

    /** Block b's pairs, offsets and sums from its quants in {@link #q} and its scale d. */
    private void pack(int b, float d) {
        int qs = 0;
        for (int i = 0; i < 32; i++) qs += q[i];
        for (int m = 0; m < 4; m++) {
            for (int j = 0; j < 4; j++) {
                pairs[16 * b + 4 * m + j] = (q[8 * m + j] & 0xFFFF) | q[8 * m + 4 + j] << 16;
            }
        }
        for (int h = 0; h < 2; h++) {
            int low = 0, high = 0;
            for (int j = 0; j < 4; j++) {
                low += q[16 * h + j] + q[16 * h + 8 + j];
                high += q[16 * h + 4 + j] + q[16 * h + 12 + j];
            }
            sixBitOffset[2 * b + h] = (-32 * low & 0xFFFF) | -32 * high << 16;
        }
        int low = 0;
        for (int m = 0; m < 4; m++) {
            for (int j = 0; j < 4; j++) low += q[8 * m + j];
        }
        fiveBitOffset[b] = (-16 * low & 0xFFFF) | -16 * (qs - low) << 16;
        qsum[b] = 8 * qs;
        scale[b] = d;
        sum[b] = d * qs;
    }

    /** Short {@code i} of the pairs: 2k is pair k's low short, 2k + 1 its high one (tests). */
    short pairShort(int i) {
        return (short) (pairs[i >> 1] >> 16 * (i & 1));
    }
}
