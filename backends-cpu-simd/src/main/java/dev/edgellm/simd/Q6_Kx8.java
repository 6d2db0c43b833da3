package dev.edgellm.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
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
 * Q6_K repacked for decode ({@link Interleaved8}), per group of 8 rows and 256-element super-block, 1680 bytes (the
 * source's size): the 8 rows' f16 d, then per 32-element sub-block a 208-byte record = the 8 rows' int8 scales of
 * its first 16 elements, those of its second 16, then per half (16 elements) three 32-byte vectors W0, W1, W2: row
 * r's int at 4r. The kernels multiply 8 or 16 rows by an activation pair k (columns c and c + 4, c = 8(k/4) + k%4 of
 * the half, {@link QuantizedInput}) in short lanes, column c in the low short, c + 4 in the high one; each short of
 * W0, W1, W2 holds the 6-bit quants (q6 = q + 32, 0..63) of that lane for three or four pairs:
 * <pre>
 *   bits  0-5      6-9                                      10-15
 *   W0    pair 0   pair 6's bits 0-3                        pair 1
 *   W1    pair 2   pair 7's bits 0-3                        pair 3
 *   W2    pair 4   6-7: pair 6's bits 4-5, 8-9: pair 7's    pair 5
 * </pre>
 * so six pairs' quants take one instruction each (an and, or a shift of the 16-bit lanes that leaves nothing above
 * them) and the other two five: 16 per half where nibbles plus a plane of top bits took 38, which had made Q6_K
 * the slowest K-quant per weight (BENCHMARKS.md, seventeenth session).
 *
 * <p>The quants are multiplied unsigned with the 8-bit activations in 16-bit lanes. Eight such products overflow a
 * short, but the sum wanted, Σ (q6 - 32) · x over a lane's 8 columns, lies within ±32512: each lane starts at -32 ·
 * Σ x of its columns ({@link QuantizedInput#sixBitOffset}) and sums modulo 2^16, which ends on the exact value. Per
 * half sub-block the two lanes of a row add to an int; times the row's scale, the two halves' sum stays below 2^24
 * and so converts to float exactly: d · dx · Σ sc · Σ (q6 - 32) · x.
 */
final class Q6_Kx8 extends Interleaved8 {
    static final Q6_Kx8 FORMAT = new Q6_Kx8();
    private static final int SUB = 208, HEAD = 16;
    static final int GROUP_BLOCK_BYTES = HEAD + 8 * SUB;
    private static final int SRC_BLOCK_BYTES = 210;
    /** Offset in a sub-block record of half 0's W0 (W1, W2 and half 1's follow, 32 bytes apart). */
    private static final int W = 16;
    private static final int SIX = 0x003F003F, NIB = 0x000F000F, HI = 0x00300030;
    /** {@link #dequantizeRow}: per column of a half, which of W0, W1, W2 holds its bits and where. */
    private static final VectorMask<Integer> LANES_2367 = VectorMask.fromLong(I8, 0xCC), LANES_26 = VectorMask.fromLong(I8, 0x44),
            LANES_37 = VectorMask.fromLong(I8, 0x88);
    private static final IntVector SHIFTS_LOW8 = ints(0, 10, 0, 10, 16, 26, 16, 26), SHIFTS_HIGH8 = ints(0, 10, 6, 6, 16, 26, 22, 22),
            MASKS_HIGH8 = ints(0x3F, 0x3F, 0xF, 0xF, 0x3F, 0x3F, 0xF, 0xF), SHIFTS_TOP = ints(0, 0, 2, 4, 0, 0, 18, 20),
            MASKS_TOP = ints(0, 0, 0x30, 0x30, 0, 0, 0x30, 0x30);

    private static IntVector ints(int... lanes) {
        return IntVector.fromArray(I8, lanes, 0);
    }

    /** The same shifts and masks as ints, for {@link #dequantizeRow}'s scalar form at 128 bits (8-lane vectors are 256 bits). */
    private static final int[] LOW8_SHIFT = SHIFTS_LOW8.toArray(), HIGH8_SHIFT = SHIFTS_HIGH8.toArray(),
            HIGH8_MASK = MASKS_HIGH8.toArray(), TOP_SHIFT = SHIFTS_TOP.toArray(), TOP_MASK = MASKS_TOP.toArray();
    private static final long FROM_W1 = LANES_2367.toLong(), HIGH_FROM_W0 = LANES_26.toLong(), HIGH_FROM_W1 = LANES_37.toLong();

    private Q6_Kx8() {}

    @Override int blockElements() { return 256; }

    @Override int sourceBlockBytes() { return SRC_BLOCK_BYTES; }

    @Override int groupBlockBytes() { return GROUP_BLOCK_BYTES; }

    /**
     * ggml's order (dequantize_row_q6_K): in half h, element 32k + l takes a nibble of ql[64h + l + 32(k&1)] (the
     * low one for k < 2) and bits 2k..2k+1 of qh[32h + l]; so sub-block s = 4h + k is a run of 32 bytes of each,
     * which long arithmetic turns into 8 quants at a time, one per byte: repacking a model's Q6_K tensors (a third
     * of a Q4_K_M file) stays a fraction of a second of first-token latency.
     */
    @Override
    void packBlock(byte[] in, byte[] out) {
        for (int r = 0; r < ROWS; r++) {
            int src = r * SRC_BLOCK_BYTES;
            out[2 * r] = in[src + 208];
            out[2 * r + 1] = in[src + 209];
            for (int s = 0; s < 8; s++) {
                int rec = HEAD + SUB * s, h = s >>> 2, k = s & 3;
                out[rec + r] = in[src + 192 + 2 * s];
                out[rec + 8 + r] = in[src + 192 + 2 * s + 1];
                for (int half = 0; half < 2; half++) {
                    int ql = src + 64 * h + 32 * (k & 1) + 16 * half, qh = src + 128 + 32 * h + 16 * half;
                    long a = sixBitQuants(in, ql, qh, k), b = sixBitQuants(in, ql + 8, qh + 8, k); // columns 0-7, 8-15
                    int at = rec + W + 96 * half + 4 * r;
                    putInt(out, at, w0((int) a, (int) b) | w0((int) (a >>> 32), (int) (b >>> 32)) << 16);
                    putInt(out, at + 32, w1((int) a, (int) b) | w1((int) (a >>> 32), (int) (b >>> 32)) << 16);
                    putInt(out, at + 64, w2((int) b) | w2((int) (b >>> 32)) << 16);
                }
            }
        }
    }

    /** 8 consecutive columns' q6 = nibble | top bits << 4, one per byte (column j in byte j). */
    private static long sixBitQuants(byte[] in, int ql, int qh, int k) {
        long nibbles = (long) LONG_LE.get(in, ql) >>> (k >= 2 ? 4 : 0) & 0x0F0F0F0F0F0F0F0FL;
        return nibbles | ((long) LONG_LE.get(in, qh) >>> 2 * k & 0x0303030303030303L) << 4;
    }

    /*
     * One short lane of W0, W1, W2 from the lane's quants: a = its columns of pairs 0-3 (bytes 0-3), b = those of
     * pairs 4-7 (the class comment's table).
     */
    private static int w0(int a, int b) {
        return (a & 0x3F) | (b >>> 16 & 0xF) << 6 | (a >>> 8 & 0x3F) << 10;
    }

    private static int w1(int a, int b) {
        return (a >>> 16 & 0x3F) | (b >>> 24 & 0xF) << 6 | (a >>> 24 & 0x3F) << 10;
    }

    private static int w2(int b) {
        return (b & 0x3F) | (b >>> 20 & 0x3) << 6 | (b >>> 28 & 0x3) << 8 | (b >>> 8 & 0x3F) << 10;
    }

    /**
     * Pairs only with 512-bit vectors ({@link Vec#WIDE}), as {@link Q4_Kx8}: there is no 256-bit pair kernel.
     */
    @Override
    boolean pairs() { return PAIRS && Vec.WIDE; }

    @Override
    boolean widePairKernel() { return true; }

    /** d of both groups, then per sub-block their scales and each half's W0, W1, W2 ({@link #kQuantPairByte}). */
    @Override
    long pairByte(int member, int i) {
        return kQuantPairByte(HEAD, SUB, member, i);
    }

    @Override
    void dequantizeRow(MemorySegment w, int row, int groups, int blocks, float[] out, int off) {
        int g = row / ROWS, r = row % ROWS;
        long base = blockOffset(g, 0, groups, blocks), stride = blockStride(g, groups);
        // where this row's bytes sit in a block, plain or paired: the same steps in every block and sub-block
        long d0 = byteOffset(g, 0, groups, blocks, 2 * r) - base;
        long sc0 = byteOffset(g, 0, groups, blocks, HEAD + r) - base, sc1 = byteOffset(g, 0, groups, blocks, HEAD + 8 + r) - base;
        long slot0 = byteOffset(g, 0, groups, blocks, HEAD + W + 4 * r) - base; // the record's 32-byte vectors
        long subStep = byteOffset(g, 0, groups, blocks, HEAD + SUB + r) - base - sc0;
        long slotStep = byteOffset(g, 0, groups, blocks, HEAD + W + 32 + 4 * r) - base - slot0;
        for (int b = 0; b < blocks; b++) {
            long p = base + b * stride;
            float d = Vec.f16(w, p + d0);
            for (int s = 0; s < 8; s++) {
                long q = p + subStep * s;
                for (int half = 0; half < 2; half++) { // (d · sc) · (q6 - 32), as the reference
                    float ds = d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, q + (half == 0 ? sc0 : sc1));
                    long v = q + slot0 + slotStep * 3 * half;
                    int w0 = w.get(Vec.INT, v), w1 = w.get(Vec.INT, v + slotStep), w2 = w.get(Vec.INT, v + 2 * slotStep);
                    if (Vec.L == 4) { // the vector steps below, lane by lane
                        int o = off + 256 * b + 32 * s + 16 * half;
                        for (int l = 0; l < 8; l++) {
                            int low = (FROM_W1 >>> l & 1) != 0 ? w1 : w0;
                            int high = (HIGH_FROM_W0 >>> l & 1) != 0 ? w0 : (HIGH_FROM_W1 >>> l & 1) != 0 ? w1 : w2;
                            out[o + l] = ((low >>> LOW8_SHIFT[l] & 0x3F) - 32) * ds;
                            out[o + 8 + l] = (((high >>> HIGH8_SHIFT[l] & HIGH8_MASK[l]) | (w2 >>> TOP_SHIFT[l] & TOP_MASK[l])) - 32) * ds;
                        }
                        continue;
                    }
                    IntVector low8 = IntVector.broadcast(I8, w0).blend(w1, LANES_2367)
                            .lanewise(VectorOperators.LSHR, SHIFTS_LOW8).and(0x3F);
                    IntVector high8 = IntVector.broadcast(I8, w2).blend(w0, LANES_26).blend(w1, LANES_37)
                            .lanewise(VectorOperators.LSHR, SHIFTS_HIGH8).and(MASKS_HIGH8)
                            .or(IntVector.broadcast(I8, w2).lanewise(VectorOperators.LSHR, SHIFTS_TOP).and(MASKS_TOP));
                    int o = off + 256 * b + 32 * s + 16 * half;
                    ((FloatVector) low8.sub(32).convert(VectorOperators.I2F, 0)).mul(ds).intoArray(out, o);
                    ((FloatVector) high8.sub(32).convert(VectorOperators.I2F, 0)).mul(ds).intoArray(out, o + 8);
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
     * covers 16 rows; the two halves of a sub-block are summed in two chains side by side.
     */
    static void pairDotWide(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        int[] offsets = x.sixBitOffset;
        float[] xScale = x.scale;
        FloatVector acc = FloatVector.zero(F16), accD = acc;
        IntVector pending = IntVector.zero(I16);
        // One flat loop over half sub-blocks (W0, W1, W2: each half with its own scales), as Q4_Kx8.pairDotWide (why
        // there)
        for (int i = 0, halves = 16 * blocks; i < halves; i++) {
            long p = base + (long) (i >>> 4) * 2 * GROUP_BLOCK_BYTES;
            long q = p + 2 * HEAD + 2L * SUB * ((i >>> 1) & 7);
            long hq = q + 2 * W + 192L * (i & 1); // the half's W0; W1, W2 follow 64 bytes apart (both members)
            long a = 32L * i; // linear in i (C2 still checks each broadcast in the loop: BENCHMARKS.md, 24th session)
            IntVector w0 = IntVector.fromMemorySegment(I16, w, hq, LE), w1 = IntVector.fromMemorySegment(I16, w, hq + 64, LE);
            IntVector w2 = IntVector.fromMemorySegment(I16, w, hq + 128, LE);
            ShortVector s = IntVector.broadcast(I16, offsets[i]).reinterpretAsShorts();
            s = s.add(w0.and(SIX).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a)).reinterpretAsShorts()));
            ShortVector t = w0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 10)
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts());
            s = s.add(w1.and(SIX).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts()));
            t = t.add(w1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 10)
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()));
            s = s.add(w2.and(SIX).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts()));
            t = t.add(w2.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 10)
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()));
            s = s.add(w0.lanewise(VectorOperators.LSHR, 6).and(NIB).or(w2.lanewise(VectorOperators.LSHR, 2).and(HI)).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts()));
            t = t.add(w1.lanewise(VectorOperators.LSHR, 6).and(NIB).or(w2.lanewise(VectorOperators.LSHR, 4).and(HI)).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()));
            IntVector si = s.add(t).reinterpretAsInts();
            IntVector dot = si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16));
            IntVector sc = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, q + 16L * (i & 1), LE)
                    .convertShape(VectorOperators.B2I, I16, 0);
            pending = pending.add(dot.mul(sc));
            if ((i & 1) == 0) continue;
            // the sub-block's two halves, an exact int sum (class comment), into floats once
            accD = accD.add(((FloatVector) pending.convert(VectorOperators.I2F, 0)).mul(xScale[i >>> 1]));
            pending = IntVector.zero(I16);
            if ((i & 15) != 15) continue;
            // the super-block's last: its sum times the rows' d
            IntVector hd = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, w, p, LE)
                    .convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d = hd.and(F16_MAG).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                    .reinterpretAsInts()
                    .or(hd.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .lanewise(VectorOperators.OR, 0x7F800000, hd.and(F16_EXP).compare(VectorOperators.EQ, F16_EXP))
                    .reinterpretAsFloats();
            acc = acc.add(accD.mul(d)); // no vector merged at a branch is an fma operand: C2 then boxed it
            accD = FloatVector.zero(F16);
        }
        acc.intoArray(out, o);
    }

    /**
     * One group of 8 rows at 256 bits (CPUs without AVX-512, and a pair's odd last group): {@link #pairDotWide}'s
     * loop and steps at half the width, so that a pair's rows come out identical.
     */
    @Override
    void dotGroup(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        if (Vec.L == 4) {
            dot128(w, base, blocks, x, out, o);
            return;
        }
        MemorySegment pairs = x.pairMemory;
        int[] offsets = x.sixBitOffset;
        float[] xScale = x.scale;
        FloatVector acc = FloatVector.zero(Vec.F), accD = acc;
        IntVector pending = IntVector.zero(I8);
        for (int i = 0, halves = 16 * blocks; i < halves; i++) {
            long p = base + (long) (i >>> 4) * GROUP_BLOCK_BYTES;
            long q = p + HEAD + (long) SUB * ((i >>> 1) & 7);
            long hq = q + W + 96L * (i & 1);
            long a = 32L * i; // linear in i (C2 still checks each broadcast in the loop: BENCHMARKS.md, 24th session)
            IntVector w0 = IntVector.fromMemorySegment(I8, w, hq, LE), w1 = IntVector.fromMemorySegment(I8, w, hq + 32, LE);
            IntVector w2 = IntVector.fromMemorySegment(I8, w, hq + 64, LE);
            ShortVector s = IntVector.broadcast(I8, offsets[i]).reinterpretAsShorts();
            s = s.add(w0.and(SIX).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a)).reinterpretAsShorts()));
            ShortVector t = w0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 10)
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts());
            s = s.add(w1.and(SIX).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts()));
            t = t.add(w1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 10)
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()));
            s = s.add(w2.and(SIX).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts()));
            t = t.add(w2.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 10)
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()));
            s = s.add(w0.lanewise(VectorOperators.LSHR, 6).and(NIB).or(w2.lanewise(VectorOperators.LSHR, 2).and(HI)).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts()));
            t = t.add(w1.lanewise(VectorOperators.LSHR, 6).and(NIB).or(w2.lanewise(VectorOperators.LSHR, 4).and(HI)).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()));
            IntVector si = s.add(t).reinterpretAsInts();
            IntVector dot = si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16));
            IntVector sc = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, w, q + 8L * (i & 1), LE)
                    .convertShape(VectorOperators.B2I, I8, 0);
            pending = pending.add(dot.mul(sc));
            if ((i & 1) == 0) continue;
            accD = accD.add(((FloatVector) pending.convert(VectorOperators.I2F, 0)).mul(xScale[i >>> 1]));
            pending = IntVector.zero(I8);
            if ((i & 15) != 15) continue;
            IntVector hd = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p, LE)
                    .convertShape(VectorOperators.S2I, I8, 0);
            FloatVector d = hd.and(F16_MAG).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                    .reinterpretAsInts()
                    .or(hd.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .lanewise(VectorOperators.OR, 0x7F800000, hd.and(F16_EXP).compare(VectorOperators.EQ, F16_EXP))
                    .reinterpretAsFloats();
            acc = acc.add(accD.mul(d));
            accD = FloatVector.zero(Vec.F);
        }
        acc.intoArray(out, o);
    }

    private static final VectorSpecies<Integer> I4 = IntVector.SPECIES_128;
    private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;

    /**
     * {@link #dotGroup} with 128-bit vectors (NEON; {@link Vec#L} = 4): each half of the group's rows through its steps
     * (int lanes 4rh .. of W0, W1, W2; scales and d of rows 4rh ..), so the same floats to the bit. Written out as that
     * kernel is.
     */
    static void dot128(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        int[] offsets = x.sixBitOffset;
        float[] xScale = x.scale;
        for (int rh = 0; rh < 2; rh++) {
            FloatVector acc = FloatVector.zero(F4), accD = acc;
            IntVector pending = IntVector.zero(I4);
            for (int i = 0, halves = 16 * blocks; i < halves; i++) {
                long p = base + (long) (i >>> 4) * GROUP_BLOCK_BYTES;
                long q = p + HEAD + (long) SUB * ((i >>> 1) & 7);
                long hq = q + W + 96L * (i & 1) + 16L * rh;
                long a = 32L * i;
                IntVector w0 = IntVector.fromMemorySegment(I4, w, hq, LE), w1 = IntVector.fromMemorySegment(I4, w, hq + 32, LE);
                IntVector w2 = IntVector.fromMemorySegment(I4, w, hq + 64, LE);
                ShortVector s = IntVector.broadcast(I4, offsets[i]).reinterpretAsShorts();
                s = s.add(w0.and(SIX).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a)).reinterpretAsShorts()));
                ShortVector t = w0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 10)
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts());
                s = s.add(w1.and(SIX).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts()));
                t = t.add(w1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 10)
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()));
                s = s.add(w2.and(SIX).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts()));
                t = t.add(w2.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 10)
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()));
                s = s.add(w0.lanewise(VectorOperators.LSHR, 6).and(NIB).or(w2.lanewise(VectorOperators.LSHR, 2).and(HI)).reinterpretAsShorts()
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts()));
                t = t.add(w1.lanewise(VectorOperators.LSHR, 6).and(NIB).or(w2.lanewise(VectorOperators.LSHR, 4).and(HI)).reinterpretAsShorts()
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()));
                IntVector si = s.add(t).reinterpretAsInts();
                IntVector dot = si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(si.lanewise(VectorOperators.ASHR, 16));
                IntVector sc = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, w, q + 8L * (i & 1) + 4L * rh, LE)
                        .convertShape(VectorOperators.B2I, I4, 0);
                pending = pending.add(dot.mul(sc));
                if ((i & 1) == 0) continue;
                accD = accD.add(((FloatVector) pending.convert(VectorOperators.I2F, 0)).mul(xScale[i >>> 1]));
                pending = IntVector.zero(I4);
                if ((i & 15) != 15) continue;
                IntVector hd = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_64, w, p + 8L * rh, LE)
                        .convertShape(VectorOperators.S2I, I4, 0);
                FloatVector d = hd.and(F16_MAG).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                        .reinterpretAsInts()
                        .or(hd.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .lanewise(VectorOperators.OR, 0x7F800000, hd.and(F16_EXP).compare(VectorOperators.EQ, F16_EXP))
                        .reinterpretAsFloats();
                acc = acc.add(accD.mul(d));
                accD = FloatVector.zero(F4);
            }
            acc.intoArray(out, o + 4 * rh);
        }
    }
}
