package dev.edgellm.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static dev.edgellm.simd.Vec.F16;
import static dev.edgellm.simd.Vec.F16_EXP;
import static dev.edgellm.simd.Vec.F16_MAG;
import static dev.edgellm.simd.Vec.I16;
import static dev.edgellm.simd.Vec.I8;
import static dev.edgellm.simd.Vec.LE;

/**
 * Q4_K repacked for decode ({@link Interleaved8}), per group of 8 rows and 256-element super-block, 1184 bytes
 * (2.8% more than the source's 1152: the 6-bit scales and mins are unpacked to bytes): the 8 rows' f16 d, then
 * their f16 dmin, then per 32-element sub-block s a 144-byte record = 8 scale bytes, 8 min bytes and the
 * nibble vectors V0..V3. Sub-blocks are 32 wide like the 8-bit activation blocks, so each is one 16-bit
 * integer sum (nibble · q < 15 · 127 · 16 < 2^15), then d·sc·dx·Σnq - dmin·m·dx·Σq in floats.
 */
final class Q4_Kx8 extends Interleaved8 {
    private static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512, S16 = ShortVector.SPECIES_256;
    static final Q4_Kx8 FORMAT = new Q4_Kx8();
    private static final int SUB = 144, HEAD = 32;
    static final int GROUP_BLOCK_BYTES = HEAD + 8 * SUB;
    private static final int SRC_BLOCK_BYTES = 144;
    private static final int NIB = 0x000F000F;

    private Q4_Kx8() {}

    @Override int blockElements() { return 256; }

    @Override int sourceBlockBytes() { return SRC_BLOCK_BYTES; }

    @Override int groupBlockBytes() { return GROUP_BLOCK_BYTES; }

    @Override
    void packBlock(byte[] in, byte[] out) {
        for (int r = 0; r < ROWS; r++) {
            int src = r * SRC_BLOCK_BYTES;
            out[2 * r] = in[src];
            out[2 * r + 1] = in[src + 1];
            out[16 + 2 * r] = in[src + 2];
            out[16 + 2 * r + 1] = in[src + 3];
            for (int s = 0; s < 8; s++) {
                int scMin = scaleMin(in, src + 4, s);
                out[HEAD + SUB * s + r] = (byte) (scMin & 0xFF);
                out[HEAD + SUB * s + 8 + r] = (byte) (scMin >>> 8);
            }
        }
        // sub-block s = the low (even s) or high (odd s) nibbles of qs[32 (s/2) .. + 32)
        for (int s = 0; s < 8; s++) {
            for (int r = 0; r < ROWS; r++) {
                int chunk = r * SRC_BLOCK_BYTES + 16 + 32 * (s >>> 1);
                for (int m = 0; m < 4; m++) {
                    putInt(out, HEAD + SUB * s + 16 + 32 * m + 4 * r, nibbleLane(in, chunk + 8 * m, (s & 1) == 1));
                }
            }
        }
    }

    /** ggml's get_scale_min_k4: 6-bit scale and min of sub-block j from the 12 scale bytes at p; scale | min << 8. */
    static int scaleMin(byte[] in, int p, int j) {
        if (j < 4) return (in[p + j] & 63) | (in[p + j + 4] & 63) << 8;
        int low = in[p + j + 4] & 0xFF;
        int sc = (low & 0xF) | ((in[p + j - 4] & 0xFF) >>> 6) << 4;
        int m = (low >>> 4) | ((in[p + j] & 0xFF) >>> 6) << 4;
        return sc | m << 8;
    }

    /**
     * Pairs only with 512-bit vectors ({@link Vec#WIDE}): there is no 256-bit pair kernel (on AVX2 groups stay
     * apart).
     */
    @Override
    boolean pairs() { return PAIRS && Vec.WIDE; }

    @Override
    boolean widePairKernel() { return true; }

    /** d of both groups, dmin of both, then per sub-block their scales, mins, V0, ..., V3 ({@link #kQuantPairByte}). */
    @Override
    long pairByte(int member, int i) {
        return kQuantPairByte(HEAD, SUB, member, i);
    }

    @Override
    void dequantizeRow(MemorySegment w, int row, int groups, int blocks, float[] out, int off) {
        int g = row / ROWS, r = row % ROWS;
        long base = blockOffset(g, 0, groups, blocks), stride = blockStride(g, groups);
        // where this row's bytes sit in a block, plain or paired: the same steps in every block and sub-block
        long d0 = byteOffset(g, 0, groups, blocks, 2 * r) - base, m0 = byteOffset(g, 0, groups, blocks, 16 + 2 * r) - base;
        long sc0 = byteOffset(g, 0, groups, blocks, HEAD + r) - base, mn0 = byteOffset(g, 0, groups, blocks, HEAD + 8 + r) - base;
        long v00 = byteOffset(g, 0, groups, blocks, HEAD + 16 + 4 * r) - base;
        long subStep = byteOffset(g, 0, groups, blocks, HEAD + SUB + r) - base - sc0;
        long vStep = byteOffset(g, 0, groups, blocks, HEAD + 48 + 4 * r) - base - v00;
        for (int b = 0; b < blocks; b++) {
            long p = base + b * stride;
            float d = Vec.f16(w, p + d0), dmin = Vec.f16(w, p + m0);
            for (int s = 0; s < 8; s++) {
                long q = p + subStep * s;
                float d1 = d * Vec.u8(w, q + sc0), m1 = dmin * Vec.u8(w, q + mn0);
                if (Vec.L == 4) { // laneNibbles' 8 lanes are 256 bits: nibble k of the row's V_m lane is column 8m + k
                    for (int m = 0; m < 4; m++) {
                        int lane = w.get(Vec.INT, q + v00 + vStep * m);
                        for (int k = 0; k < 8; k++) out[off + 256 * b + 32 * s + 8 * m + k] = (lane >>> 4 * k & 0xF) * d1 - m1;
                    }
                    continue;
                }
                for (int m = 0; m < 4; m++) { // d1 · q - m1 in two roundings, as the reference's
                    ((FloatVector) laneNibbles(w, q + v00 + vStep * m).convert(VectorOperators.I2F, 0))
                            .mul(d1).sub(m1).intoArray(out, off + 256 * b + 32 * s + 8 * m);
                }
            }
        }
    }

    @Override
    void dotSpan(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        pairDotWide(w, base, blocks, x, out, o);
    }

    /**
     * {@link #dotGroup} for a pair ({@link #pairByte}) with 512-bit vectors: each load, broadcast and multiply
     * covers 16 rows, as {@link Q4_0x8#pairDotWide}, and the activation pairs are broadcast from memory
     * ({@link QuantizedInput#pairMemory}). Its shape is what C1 and C2 both compile well, every time:
     * <ul>
     * <li>one flat loop over half sub-blocks (V0/V1, then V2/V3), the sub-block's floats after its second half and
     *     the super-block's after its last: 8 broadcasts per body. All 16 written out, C1's tier-3 compile ran out of
     *     virtual registers and the kernel stayed in tier 2, boxing every vector ({@code C1CompileCheck} guards
     *     this); a loop over each sub-block's halves inside the loops over super- and sub-blocks compiled in C2 to
     *     code 1x or 4x unrolled from one run to the next, and the broadcasts' bounds checks stayed in the loop.
     *     Here the broadcasts' offsets are linear in the loop's index (C2 still checks each one in the loop, as it
     *     does every weight load: BENCHMARKS.md, twenty-fourth session).</li>
     * <li>a vector merged at a branch ({@code first}, {@code accD}, {@code accM}, {@code acc}) is only ever the
     *     receiver of an operation, never its operand: as an operand (of an fma, or of {@code s.add(t)} with both
     *     carried over) C2 could not always unbox it (late-inlined, it is a cast of the merge or the merge itself)
     *     and called the API's Java code, allocating; under {@code -XX:CompileThresholdScaling=0.05-0.2} that
     *     happened in 3 of 6 allocation checks, 0 of 9 in this form.</li>
     * </ul>
     * llama-1b Q4_K_M 1-thread decode 12.1-12.9 -> 15.1-16.8 tok/s (BENCHMARKS.md, sixteenth session).
     */
    static void pairDotWide(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        float[] xScale = x.scale, xSum = x.sum;
        FloatVector acc = FloatVector.zero(F16), accD = acc, accM = acc;
        ShortVector first = ShortVector.zero(S32);
        for (int i = 0, halves = 16 * blocks; i < halves; i++) {
            long p = base + (long) (i >>> 4) * 2 * GROUP_BLOCK_BYTES;
            long q = p + 2 * HEAD + 2L * SUB * ((i >>> 1) & 7);
            long a = 32L * i; // linear in i (C2 still checks each broadcast in the loop: BENCHMARKS.md, 24th session)
            IntVector v0 = IntVector.fromMemorySegment(I16, w, q + 32 + 128L * (i & 1), LE);
            IntVector v1 = IntVector.fromMemorySegment(I16, w, q + 96 + 128L * (i & 1), LE);
            ShortVector s = v0.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a)).reinterpretAsShorts());
            ShortVector t = v1.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts());
            s = s.add(v0.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts()));
            t = t.add(v1.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()));
            s = s.add(v0.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts()));
            t = t.add(v1.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts()));
            s = s.add(v0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()));
            t = t.add(v1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()));
            ShortVector half = s.add(t);
            if ((i & 1) == 0) {
                first = half;
                continue;
            }
            // the sub-block's products into floats (the merged vector is only ever a receiver: see above)
            int xb = i >>> 1;
            IntVector si = first.add(half).reinterpretAsInts();
            IntVector dot = si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16));
            IntVector sc = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, q, LE)
                    .convertShape(VectorOperators.B2I, I16, 0);
            FloatVector mn = (FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, q + 16, LE)
                    .convertShape(VectorOperators.B2F, F16, 0);
            accD = accD.add(((FloatVector) dot.mul(sc).convert(VectorOperators.I2F, 0)).mul(xScale[xb]));
            accM = accM.add(mn.mul(xSum[xb]));
            if ((i & 15) != 15) continue;
            // the super-block's last: its sums times the rows' d and dmin
            IntVector hd = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, w, p, LE)
                    .convertShape(VectorOperators.S2I, I16, 0);
            IntVector hm = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, w, p + 32, LE)
                    .convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d = hd.and(F16_MAG).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                    .reinterpretAsInts()
                    .or(hd.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .lanewise(VectorOperators.OR, 0x7F800000, hd.and(F16_EXP).compare(VectorOperators.EQ, F16_EXP))
                    .reinterpretAsFloats();
            FloatVector dmin = hm.and(F16_MAG).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                    .reinterpretAsInts()
                    .or(hm.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .lanewise(VectorOperators.OR, 0x7F800000, hm.and(F16_EXP).compare(VectorOperators.EQ, F16_EXP))
                    .reinterpretAsFloats();
            acc = acc.add(accD.mul(d)).sub(accM.mul(dmin));
            accD = FloatVector.zero(F16);
            accM = accD;
        }
        acc.intoArray(out, o);
    }

    /**
     * {@link #dotGroup} with 128-bit vectors (NEON; {@link Vec#L} = 4): each half of the group's rows through its
     * steps (int lanes 4rh .. of the nibble vectors, scale, min, d and dmin bytes of rows 4rh ..), so the same floats
     * to the bit. Written out as that kernel is.
     */
    static void dot128(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        float[] xScale = x.scale, xSum = x.sum;
        for (int rh = 0; rh < 2; rh++) {
            FloatVector acc = FloatVector.zero(F4), accD = acc, accM = acc;
            ShortVector first = ShortVector.zero(ShortVector.SPECIES_128);
            for (int i = 0, halves = 16 * blocks; i < halves; i++) {
                long p = base + (long) (i >>> 4) * GROUP_BLOCK_BYTES;
                long q = p + HEAD + (long) SUB * ((i >>> 1) & 7);
                long a = 32L * i;
                long v = q + 16 + 64L * (i & 1) + 16L * rh;
                IntVector v0 = IntVector.fromMemorySegment(I4, w, v, LE);
                IntVector v1 = IntVector.fromMemorySegment(I4, w, v + 32, LE);
                ShortVector s = v0.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a)).reinterpretAsShorts());
                ShortVector t = v1.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts());
                s = s.add(v0.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts()));
                t = t.add(v1.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()));
                s = s.add(v0.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts()));
                t = t.add(v1.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts()));
                s = s.add(v0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()));
                t = t.add(v1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()));
                ShortVector half = s.add(t);
                if ((i & 1) == 0) {
                    first = half;
                    continue;
                }
                int xb = i >>> 1;
                IntVector si = first.add(half).reinterpretAsInts();
                IntVector dot = si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(si.lanewise(VectorOperators.ASHR, 16));
                IntVector sc = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, w, q + 4L * rh, LE)
                        .convertShape(VectorOperators.B2I, I4, 0);
                FloatVector mn = (FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, w, q + 8 + 4L * rh, LE)
                        .convertShape(VectorOperators.B2F, F4, 0);
                accD = accD.add(((FloatVector) dot.mul(sc).convert(VectorOperators.I2F, 0)).mul(xScale[xb]));
                accM = accM.add(mn.mul(xSum[xb]));
                if ((i & 15) != 15) continue;
                IntVector hd = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_64, w, p + 8L * rh, LE)
                        .convertShape(VectorOperators.S2I, I4, 0);
                IntVector hm = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_64, w, p + 16 + 8L * rh, LE)
                        .convertShape(VectorOperators.S2I, I4, 0);
                FloatVector d = hd.and(F16_MAG).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                        .reinterpretAsInts()
                        .or(hd.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .lanewise(VectorOperators.OR, 0x7F800000, hd.and(F16_EXP).compare(VectorOperators.EQ, F16_EXP))
                        .reinterpretAsFloats();
                FloatVector dmin = hm.and(F16_MAG).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                        .reinterpretAsInts()
                        .or(hm.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .lanewise(VectorOperators.OR, 0x7F800000, hm.and(F16_EXP).compare(VectorOperators.EQ, F16_EXP))
                        .reinterpretAsFloats();
                acc = acc.add(accD.mul(d)).sub(accM.mul(dmin));
                accD = FloatVector.zero(F4);
                accM = accD;
            }
            acc.intoArray(out, o + 4 * rh);
        }
    }

    private static final VectorSpecies<Integer> I4 = IntVector.SPECIES_128;
    private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;

    /**
     * One group of 8 rows at 256 bits (CPUs without AVX-512, and a pair's odd last group): {@link #pairDotWide}'s
     * loop and float steps at half the width, so that a pair's rows come out identical; at 128 bits {@link #dot128}.
     */
    @Override
    void dotGroup(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        if (Vec.L == 4) {
            dot128(w, base, blocks, x, out, o);
            return;
        }
        MemorySegment pairs = x.pairMemory;
        float[] xScale = x.scale, xSum = x.sum;
        FloatVector acc = FloatVector.zero(Vec.F), accD = acc, accM = acc;
        ShortVector first = ShortVector.zero(S16);
        for (int i = 0, halves = 16 * blocks; i < halves; i++) {
            long p = base + (long) (i >>> 4) * GROUP_BLOCK_BYTES;
            long q = p + HEAD + (long) SUB * ((i >>> 1) & 7);
            long a = 32L * i; // linear in i (C2 still checks each broadcast in the loop: BENCHMARKS.md, 24th session)
            IntVector v0 = IntVector.fromMemorySegment(I8, w, q + 16 + 64L * (i & 1), LE);
            IntVector v1 = IntVector.fromMemorySegment(I8, w, q + 48 + 64L * (i & 1), LE);
            ShortVector s = v0.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a)).reinterpretAsShorts());
            ShortVector t = v1.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts());
            s = s.add(v0.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts()));
            t = t.add(v1.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()));
            s = s.add(v0.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts()));
            t = t.add(v1.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts()));
            s = s.add(v0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()));
            t = t.add(v1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()));
            ShortVector half = s.add(t);
            if ((i & 1) == 0) {
                first = half;
                continue;
            }
            int xb = i >>> 1;
            IntVector si = first.add(half).reinterpretAsInts();
            IntVector dot = si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16));
            IntVector sc = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, w, q, LE)
                    .convertShape(VectorOperators.B2I, I8, 0);
            FloatVector mn = (FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, w, q + 8, LE)
                    .convertShape(VectorOperators.B2F, Vec.F, 0);
            accD = accD.add(((FloatVector) dot.mul(sc).convert(VectorOperators.I2F, 0)).mul(xScale[xb]));
            accM = accM.add(mn.mul(xSum[xb]));
            if ((i & 15) != 15) continue;
            // the super-block's last: its sums times the rows' d and dmin
            IntVector hd = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p, LE)
                    .convertShape(VectorOperators.S2I, I8, 0);
            IntVector hm = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p + 16, LE)
                    .convertShape(VectorOperators.S2I, I8, 0);
            FloatVector d = hd.and(F16_MAG).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                    .reinterpretAsInts()
                    .or(hd.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .lanewise(VectorOperators.OR, 0x7F800000, hd.and(F16_EXP).compare(VectorOperators.EQ, F16_EXP))
                    .reinterpretAsFloats();
            FloatVector dmin = hm.and(F16_MAG).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                    .reinterpretAsInts()
                    .or(hm.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .lanewise(VectorOperators.OR, 0x7F800000, hm.and(F16_EXP).compare(VectorOperators.EQ, F16_EXP))
                    .reinterpretAsFloats();
            acc = acc.add(accD.mul(d)).sub(accM.mul(dmin));
            accD = FloatVector.zero(Vec.F);
            accM = accD;
        }
        acc.intoArray(out, o);
    }
}
