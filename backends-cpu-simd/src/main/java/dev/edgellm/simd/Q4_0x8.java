package dev.edgellm.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static dev.edgellm.simd.Vec.F16;
import static dev.edgellm.simd.Vec.I16;
import static dev.edgellm.simd.Vec.I8;
import static dev.edgellm.simd.Vec.LE;

/**
 * Q4_0 repacked for decode ({@link Interleaved8}): per group of 8 rows and block, 144 bytes = the 8 rows' f16
 * scales, then the nibble vectors V0..V3. A product of a nibble (0..15) and an 8-bit activation stays below
 * 15 · 127, so the 16 products per short lane of a block (15 · 127 · 16 < 2^15) are summed in 16 bits and
 * widened once per block: ~2.5 vector ops per 8 weights, against ~12 for the fused float kernel on the
 * row-major layout (BENCHMARKS.md). The -8 offset is folded out as -8 · Σq(block).
 *
 * <p>Full spans of {@link #SPAN} groups (32 rows at 256 bits, 64 at 512) are stored in a layout of their own, which
 * needs no masks: per block, the span's f16 scales in row order, then 16 vectors of {@link #LANES} ints, vector k =
 * 4m + j for the activation pair k ({@link QuantizedInput}: columns 8m + j and 8m + 4 + j). Int lane l holds 4 rows
 * of each column: its low short nibble n = row {@code LANES · n + l} at column 8m + j, its high short the same rows
 * at column 8m + 4 + j. A short v times the column's activation a is Σ_n nib_n · a · 16^n modulo 2^16, so the four
 * chains C_s = Σ (v >>> s) · a (s = 0, 4, 8, 12: three shifts, no mask) give each row's sum R_n = C_4n − 16 ·
 * C_4n+4 exactly modulo 2^16; and the sum over both shorts minus 8 · Σq, |Σ (nib − 8) · q| ≤ 32 · 8 · 127 < 2^15,
 * is exact in 16 bits too. 11 operations per 128 weights instead of 14: KernelBench against the pair kernel L2
 * 25.6-25.9 → 33.1-33.8 GB/s, DRAM 15.3-16.7 → 17.8-19.0 GB/s; llama-1b 1-thread decode 26.0-27.3 → 33.2-34.0
 * tok/s (BENCHMARKS.md, eighteenth session).
 */
final class Q4_0x8 extends Interleaved8 {
    static final Q4_0x8 FORMAT = new Q4_0x8();
    static final int GROUP_BLOCK_BYTES = 16 + 128;
    private static final int SRC_BLOCK_BYTES = 18;

    private Q4_0x8() {}

    @Override int sourceBlockBytes() { return SRC_BLOCK_BYTES; }

    @Override int groupBlockBytes() { return GROUP_BLOCK_BYTES; }

    @Override
    void packBlock(byte[] in, byte[] out) {
        packNibblesAndScales(in, SRC_BLOCK_BYTES, 2, out, 16);
    }

    @Override
    void dotGroup(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        if (Vec.L == 4) dot128(w, base, blocks, x, out, o);
        else dot(w, base, blocks, x, out, o);
    }

    /** Groups per span: 8 (64 rows) with 512-bit vectors, 4 (32 rows) with 256-bit ones; 1 at 128 bits or with spans off. */
    static final int SPAN = PAIRS && Vec.L == 8 ? (Vec.WIDE ? 8 : 4) : 1;
    /** Int lanes of a span kernel's vectors: a span's rows are 4 · LANES. */
    static final int LANES = 2 * SPAN;
    /** In a span's block: the f16 scales of its rows, then the 16 vectors. */
    private static final int SPAN_SCALES = 16 * SPAN, SPAN_VECTOR = 4 * LANES;

    @Override
    int span() { return SPAN; }

    @Override
    boolean narrowPairKernel() { return true; }

    @Override
    boolean widePairKernel() { return true; }

    @Override
    void dotSpan(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        if (Vec.WIDE) spanDotWide(w, base, blocks, x, out, o);
        else spanDot(w, base, blocks, x, out, o);
    }

    @Override
    void packSpan(byte[] plain, int blocks, byte[] packed) {
        packSpan(SPAN, plain, blocks, packed);
    }

    /**
     * {@link #packSpan} for spans of {@code span} groups (4 or 8: tests pack both widths' layouts on one CPU): per
     * block, the span's scales (the members' scale rows one after another: row order), then the 16 vectors
     * ({@link #spanNibbles}).
     */
    static void packSpan(int span, byte[] plain, int blocks, byte[] packed) {
        int gb = GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            int at = span * gb * b;
            for (int member = 0; member < span; member++) System.arraycopy(plain, (member * blocks + b) * gb, packed, at + 16 * member, 16);
            spanNibbles(span, plain, (long) blocks * gb, b * gb + 16, packed, at + 16 * span);
        }
    }

    @Override
    void dequantizeRow(MemorySegment w, int row, int groups, int blocks, float[] out, int off) {
        int g = row / ROWS;
        long base = blockOffset(g, 0, groups, blocks), stride = blockStride(g, groups);
        if (spanned(g, groups)) { // lane l of each vector, nibble n of both shorts
            int r = row % (ROWS * SPAN), n = r / LANES, l = r % LANES;
            for (int b = 0; b < blocks; b++) {
                long p = base + b * stride;
                float d = Vec.f16(w, p + 2L * r);
                for (int k = 0; k < 16; k++) {
                    int lane = w.get(Vec.INT, p + SPAN_SCALES + (long) SPAN_VECTOR * k + 4L * l);
                    int col = off + 32 * b + 8 * (k >> 2) + (k & 3);
                    out[col] = ((lane >>> 4 * n & 0xF) - 8) * d; // one rounding, as the reference's
                    out[col + 4] = ((lane >>> 16 + 4 * n & 0xF) - 8) * d;
                }
            }
            return;
        }
        int r = row % ROWS;
        if (Vec.L == 4) { // laneNibbles' 8 lanes are 256 bits: nibble k of row r's V_m lane is column 8m + k
            for (int b = 0; b < blocks; b++) {
                long p = base + b * stride;
                float d = Vec.f16(w, p + 2L * r);
                for (int m = 0; m < 4; m++) {
                    int lane = w.get(Vec.INT, p + 16 + 32L * m + 4L * r);
                    for (int k = 0; k < 8; k++) out[off + 32 * b + 8 * m + k] = ((lane >>> 4 * k & 0xF) - 8) * d;
                }
            }
            return;
        }
        for (int b = 0; b < blocks; b++) {
            long p = base + b * stride;
            float d = Vec.f16(w, p + 2L * r);
            for (int m = 0; m < 4; m++) {
                ((FloatVector) laneNibbles(w, p + 16 + 32L * m + 4L * r).sub(8).convert(VectorOperators.I2F, 0)).mul(d)
                        .intoArray(out, off + 32 * b + 8 * m);
            }
        }
    }

    /** A row's nibbles are spread over the lanes of a span; a column of a span's (or a group's) rows is one load (two at 128 bits). */
    @Override
    boolean columnTiles() { return true; }

    /**
     * A spanned group's call does its whole span ({@link #groupsAt}): with 512-bit vectors 16 rows' values of a
     * column per store, 64 contiguous rows per column of the tile; else group by group, 8 rows per store.
     */
    @Override
    void dequantizeGroupColumns(MemorySegment w, int g, int groups, int blocks, int b0, int b1, MemorySegment dst,
            long ld, long at, boolean bf16) {
        long base = blockOffset(g, 0, groups, blocks);
        if (!spanned(g, groups) && Vec.L == 4) {
            columns128(w, base, b0, b1, dst, ld, at, bf16);
        } else if (!spanned(g, groups)) { // V_m at 16 + 32m, nibble j (and 4 + j) for column 8m + j (8m + 4 + j)
            groupColumns(w, base, GROUP_BLOCK_BYTES, 0, 16, 32, 0, 4, 0, b0, b1, dst, ld, at, bf16);
        } else if (SPAN == 8) {
            spanColumnsWide(w, base, b0, b1, dst, ld, at, bf16);
        } else {
            spanColumnsByGroup(w, base, b0, b1, dst, ld, at, bf16);
        }
    }

    /**
     * A span's rows group by group ({@link #groupColumns}, 8 rows per store): member i's rows r0 = 8i .. are ints
     * r0 % LANES .. of vector k = 4m + j, nibble n = r0 / LANES (and 4 + n).
     */
    private static void spanColumnsByGroup(MemorySegment w, long base, int b0, int b1, MemorySegment dst, long ld,
            long at, boolean bf16) {
        for (int member = 0; member < SPAN; member++) {
            int r0 = ROWS * member;
            groupColumns(w, base, (long) SPAN * GROUP_BLOCK_BYTES, 2 * r0, SPAN_SCALES + 4 * (r0 % LANES),
                    4 * SPAN_VECTOR, SPAN_VECTOR, 0, 4 * (r0 / LANES), b0, b1, dst, ld, at + r0, bf16);
        }
    }

    /**
     * 8 rows into the tile's columns, per block (at {@code base + b · stride}): their f16 scales at {@code scales};
     * for activation pair k = 4m + j, 8 ints at {@code v0 + m · mStep + j · jStep} whose bits {@code shift} =
     * {@code j · jShift + nShift} (and 16 + shift) hold column 8m + j (8m + 4 + j). One column per step of the
     * inner loop (c = 2k + half), so that the store is written once.
     *
     * <p>The scales convert exactly as {@link Float#float16ToFloat} (infinities and NaNs too, unlike the kernels'
     * conversion): the magnitude shifted into a float's and rescaled by 2^112 (subnormals exact), the sign put back,
     * and an all-ones exponent made a float's. The conversion and the stores are written out, with no method of ours
     * in the body: on 256-bit CPUs C2 passes its inlining budget in this method, a call of ours then stays a call,
     * and the vector it takes or returns is boxed (7.6 MB of heap per prompt token in llama-1b's prefill when they
     * were calls; BENCHMARKS.md, twenty-second session).
     */
    private static void groupColumns(MemorySegment w, long base, long stride, int scales, int v0, int mStep, int jStep,
            int jShift, int nShift, int b0, int b1, MemorySegment dst, long ld, long at, boolean bf16) {
        for (int b = b0; b < b1; b++) {
            long p = base + b * stride;
            IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p + scales, LE)
                    .convertShape(VectorOperators.S2I, I8, 0);
            FloatVector d = h.and(Vec.F16_MAG).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                    .reinterpretAsInts()
                    .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .lanewise(VectorOperators.OR, 0x7F800000, h.and(Vec.F16_EXP).compare(VectorOperators.EQ, Vec.F16_EXP))
                    .reinterpretAsFloats();
            for (int c = 0; c < 32; c++) {
                int k = c >> 1, half = c & 1, m = k >> 2, j = k & 3;
                IntVector v = IntVector.fromMemorySegment(I8, w, p + v0 + (long) mStep * m + (long) jStep * j, LE);
                long element = (32L * b + 8 * m + j + 4 * half) * ld + at;
                FloatVector f = ((FloatVector) v.lanewise(VectorOperators.LSHR, 16 * half + j * jShift + nShift).and(0xF)
                        .sub(8).convert(VectorOperators.I2F, 0)).mul(d);
                if (bf16) { // PrefillGemm.toBf16's rounding: to nearest even, a NaN kept a quiet NaN
                    IntVector bits = f.reinterpretAsInts();
                    IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF))
                            .lanewise(VectorOperators.LSHR, 16)
                            .blend(bits.lanewise(VectorOperators.LSHR, 16).or(0x40),
                                    bits.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000));
                    ((ShortVector) rounded.convertShape(VectorOperators.I2S, ShortVector.SPECIES_128, 0))
                            .intoMemorySegment(dst, 2 * element, LE);
                } else {
                    f.intoMemorySegment(dst, 4 * element, LE);
                }
            }
        }
    }

    /**
     * {@link #groupColumns} for a plain 8-row group with 128-bit vectors (NEON): rows 4rh .. 4rh + 3 per pass, their
     * ints at bytes 16rh .. of V_m and scales at 8rh ..; the same exact scale conversion and values, 4 rows per
     * store. Written out as that fill is.
     */
    static void columns128(MemorySegment w, long base, int b0, int b1, MemorySegment dst, long ld, long at, boolean bf16) {
        for (int rh = 0; rh < 2; rh++) {
            for (int b = b0; b < b1; b++) {
                long p = base + (long) b * GROUP_BLOCK_BYTES;
                IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_64, w, p + 8L * rh, LE)
                        .convertShape(VectorOperators.S2I, I4, 0);
                FloatVector d = h.and(Vec.F16_MAG).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                        .reinterpretAsInts()
                        .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .lanewise(VectorOperators.OR, 0x7F800000, h.and(Vec.F16_EXP).compare(VectorOperators.EQ, Vec.F16_EXP))
                        .reinterpretAsFloats();
                for (int c = 0; c < 32; c++) {
                    int k = c >> 1, half = c & 1, m = k >> 2, j = k & 3;
                    IntVector v = IntVector.fromMemorySegment(I4, w, p + 16 + 32L * m + 16L * rh, LE);
                    long element = (32L * b + 8 * m + j + 4 * half) * ld + at + 4 * rh;
                    FloatVector f = ((FloatVector) v.lanewise(VectorOperators.LSHR, 16 * half + 4 * j).and(0xF)
                            .sub(8).convert(VectorOperators.I2F, 0)).mul(d);
                    if (bf16) { // groupColumns' rounding: to nearest even, a NaN kept a quiet NaN
                        IntVector bits = f.reinterpretAsInts();
                        IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF))
                                .lanewise(VectorOperators.LSHR, 16)
                                .blend(bits.lanewise(VectorOperators.LSHR, 16).or(0x40),
                                        bits.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000));
                        ((ShortVector) rounded.convertShape(VectorOperators.I2S, ShortVector.SPECIES_64, 0))
                                .intoMemorySegment(dst, 2 * element, LE);
                    } else {
                        f.intoMemorySegment(dst, 4 * element, LE);
                    }
                }
            }
        }
    }

    /**
     * The 64 rows of a span at 512 bits: per block and column, the column's 64 rows (contiguous in the tile) with
     * four stores of 16 rows (nibble n: rows 16n ..), one column after another: the tile's leading dimension is a
     * power of two, so stores that skip between columns all fall in the same few L1 sets. Blocks whose scales are
     * finite (all in a sound file) round to bf16 without the NaN lanes' blend ({@link PrefillGemm#toBf16}'s rounding alone);
     * others go through {@link #spanColumnsByGroup}, exact for NaNs. Written out, with no method of ours in the loop but
     * that rare one: past C2's inlining budget a call is not inlined and its vectors are boxed (see {@link #dot}).
     */
    private static void spanColumnsWide(MemorySegment w, long base, int b0, int b1, MemorySegment dst, long ld, long at,
            boolean bf16) {
        int size = bf16 ? 2 : 4;
        for (int b = b0; b < b1; b++) {
            long p = base + 8L * GROUP_BLOCK_BYTES * b;
            IntVector h0 = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, w, p, LE)
                    .convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d0 = h0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            IntVector h1 = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, w, p + 32, LE)
                    .convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d1 = h1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            IntVector h2 = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, w, p + 64, LE)
                    .convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d2 = h2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            IntVector h3 = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, w, p + 96, LE)
                    .convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d3 = h3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            IntVector exponents = h0.and(Vec.F16_EXP).max(h1.and(Vec.F16_EXP)).max(h2.and(Vec.F16_EXP)).max(h3.and(Vec.F16_EXP));
            if (exponents.compare(VectorOperators.EQ, Vec.F16_EXP).anyTrue()) {
                spanColumnsByGroup(w, base, b, b + 1, dst, ld, at, bf16); // an inf or NaN scale (not a sound file)
                continue;
            }
            for (int c = 0; c < 32; c++) { // column c: vector 4(c / 8) + c % 4, its low (c % 8 < 4) or high short
                IntVector v = IntVector.fromMemorySegment(I16, w, p + 128 + 64L * (4 * (c >> 3) + (c & 3)), LE);
                int shift = 4 * (c & 4);
                long o = size * ((32L * b + c) * ld + at);
                FloatVector f0 = ((FloatVector) v.lanewise(VectorOperators.LSHR, shift).and(0xF).sub(8)
                        .convert(VectorOperators.I2F, 0)).mul(d0);
                FloatVector f1 = ((FloatVector) v.lanewise(VectorOperators.LSHR, shift + 4).and(0xF).sub(8)
                        .convert(VectorOperators.I2F, 0)).mul(d1);
                FloatVector f2 = ((FloatVector) v.lanewise(VectorOperators.LSHR, shift + 8).and(0xF).sub(8)
                        .convert(VectorOperators.I2F, 0)).mul(d2);
                FloatVector f3 = ((FloatVector) v.lanewise(VectorOperators.LSHR, shift + 12).and(0xF).sub(8)
                        .convert(VectorOperators.I2F, 0)).mul(d3);
                if (bf16) { // PrefillGemm.toBf16's rounding without its NaN lanes, 16 lanes
                    IntVector i0 = f0.reinterpretAsInts();
                    ((ShortVector) i0.add(i0.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, ShortVector.SPECIES_256, 0)).intoMemorySegment(dst, o, LE);
                    IntVector i1 = f1.reinterpretAsInts();
                    ((ShortVector) i1.add(i1.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, ShortVector.SPECIES_256, 0)).intoMemorySegment(dst, o + 32, LE);
                    IntVector i2 = f2.reinterpretAsInts();
                    ((ShortVector) i2.add(i2.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, ShortVector.SPECIES_256, 0)).intoMemorySegment(dst, o + 64, LE);
                    IntVector i3 = f3.reinterpretAsInts();
                    ((ShortVector) i3.add(i3.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, ShortVector.SPECIES_256, 0)).intoMemorySegment(dst, o + 96, LE);
                } else {
                    f0.intoMemorySegment(dst, o, LE);
                    f1.intoMemorySegment(dst, o + 64, LE);
                    f2.intoMemorySegment(dst, o + 128, LE);
                    f3.intoMemorySegment(dst, o + 192, LE);
                }
            }
        }
    }

    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256, S32 = ShortVector.SPECIES_512;
    /** Nibble j of both 16-bit halves after an int shift by 4j (int shifts take an immediate; short ones did not). */
    private static final int NIB = 0x000F000F;

    static void dot(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        int[] qsum = x.qsum;
        float[] xScale = x.scale;
        FloatVector acc = FloatVector.zero(Vec.F);
        // Unrolled by hand, with no method of ours in the body: C2 stops inlining non-@ForceInline methods past
        // ~18k parse nodes, which a Vector API body this size reaches (the API's own methods are force-inlined);
        // and offsets linear in b let C2 hoist the segment bounds checks out of the loop. Two partial sums (V0, V2
        // and V1, V3) and the offset term loaded as a vector measured ~20-30% faster than one chain and a
        // broadcast scalar (C2 spilled less; BENCHMARKS.md).
        for (int b = 0; b < blocks; b++) {
            long p = base + (long) b * GROUP_BLOCK_BYTES;
            long a = 64L * b;
            IntVector v0 = IntVector.fromMemorySegment(I8, w, p + 16, LE);
            IntVector v1 = IntVector.fromMemorySegment(I8, w, p + 48, LE);
            ShortVector s = v0.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a)).reinterpretAsShorts());
            ShortVector t = v1.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts());
            s = s.add(v0.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts()));
            t = t.add(v1.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()));
            s = s.add(v0.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts()));
            t = t.add(v1.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts()));
            s = s.add(v0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()));
            t = t.add(v1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()));
            IntVector v2 = IntVector.fromMemorySegment(I8, w, p + 80, LE);
            IntVector v3 = IntVector.fromMemorySegment(I8, w, p + 112, LE);
            s = s.add(v2.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 32)).reinterpretAsShorts()));
            t = t.add(v3.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 48)).reinterpretAsShorts()));
            s = s.add(v2.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 36)).reinterpretAsShorts()));
            t = t.add(v3.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 52)).reinterpretAsShorts()));
            s = s.add(v2.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 40)).reinterpretAsShorts()));
            t = t.add(v3.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 56)).reinterpretAsShorts()));
            s = s.add(v2.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 44)).reinterpretAsShorts()));
            t = t.add(v3.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 60)).reinterpretAsShorts()));
            IntVector si = s.add(t).reinterpretAsInts();
            IntVector dot = si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16))
                    .sub(qsum[b]);
            // f16 → f32, exact for finite values and subnormals: the sign-extended half shifted so that its
            // exponent and mantissa land at the bottom of a float's (sign copies cleared), rescaled by 2^112.
            // Inf/NaN scales (a broken file) become large finite ones.
            IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p, LE)
                    .convertShape(VectorOperators.S2I, I8, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            acc = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d)
                    .fma(FloatVector.broadcast(Vec.F, xScale[b]), acc);
        }
        acc.intoArray(out, o);
    }

    /** 128-bit species of {@link #dot128}: 4 rows per vector (NEON). */
    private static final VectorSpecies<Integer> I4 = IntVector.SPECIES_128;
    private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;

    /**
     * {@link #dot} with 128-bit vectors (NEON; {@link Vec#L} = 4): the group's rows in two halves of 4, each the same
     * steps on int lanes 4h .. 4h + 3 of V0..V3 (bytes 16h ..) and scales 4h .. (bytes 8h ..), so the same integers and
     * float steps as {@link #dot}, to the bit. Instead of the row-major float kernel (a float conversion and an FMA
     * per weight), ~2.5 integer operations per 8 weights here too (BENCHMARKS.md, twenty-third session). Written out
     * as {@link #dot} is.
     */
    static void dot128(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        int[] qsum = x.qsum;
        float[] xScale = x.scale;
        for (int half = 0; half < 2; half++) {
            FloatVector acc = FloatVector.zero(F4);
            long hv = base + 16 + 16L * half, hs = base + 8L * half; // the half's lanes of V0, its scales
            for (int b = 0; b < blocks; b++) {
                long p = hv + (long) b * GROUP_BLOCK_BYTES;
                long a = 64L * b;
                IntVector v0 = IntVector.fromMemorySegment(I4, w, p, LE);
                IntVector v1 = IntVector.fromMemorySegment(I4, w, p + 32, LE);
                ShortVector s = v0.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a)).reinterpretAsShorts());
                ShortVector t = v1.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts());
                s = s.add(v0.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts()));
                t = t.add(v1.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()));
                s = s.add(v0.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts()));
                t = t.add(v1.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts()));
                s = s.add(v0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()));
                t = t.add(v1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()));
                IntVector v2 = IntVector.fromMemorySegment(I4, w, p + 64, LE);
                IntVector v3 = IntVector.fromMemorySegment(I4, w, p + 96, LE);
                s = s.add(v2.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 32)).reinterpretAsShorts()));
                t = t.add(v3.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 48)).reinterpretAsShorts()));
                s = s.add(v2.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 36)).reinterpretAsShorts()));
                t = t.add(v3.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 52)).reinterpretAsShorts()));
                s = s.add(v2.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 40)).reinterpretAsShorts()));
                t = t.add(v3.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 56)).reinterpretAsShorts()));
                s = s.add(v2.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 44)).reinterpretAsShorts()));
                t = t.add(v3.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 60)).reinterpretAsShorts()));
                IntVector si = s.add(t).reinterpretAsInts();
                IntVector dot = si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(si.lanewise(VectorOperators.ASHR, 16))
                        .sub(qsum[b]);
                // the 4 rows' scales as dot converts them
                IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_64, w, hs + (long) b * GROUP_BLOCK_BYTES, LE)
                        .convertShape(VectorOperators.S2I, I4, 0);
                FloatVector d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                        .reinterpretAsFloats().mul(0x1p112f);
                acc = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d)
                        .fma(FloatVector.broadcast(F4, xScale[b]), acc);
            }
            acc.intoArray(out, o + 4 * half);
        }
    }

    /**
     * A span of 32 rows with 256-bit vectors (the layout in the class comment, {@link #LANES} = 8): per block, the four
     * chains over the 16 vectors, in a loop over the block's halves (8 activation pairs broadcast from memory per
     * body: C1 compiles it; see Q8_0x8), then each R_n into floats as {@link #dot} does, so that a span's rows come
     * out identical to single groups'. The shifts are of 16-bit lanes (v >>> 4 · s), the chains' products wrap.
     * Offsets are literals of this width's layout, so that tests run both widths' kernels on one CPU.
     */
    static void spanDot(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        int[] qsum = x.qsum;
        float[] xScale = x.scale;
        FloatVector acc0 = FloatVector.zero(Vec.F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++) {
            long p = base + (long) b * 4 * GROUP_BLOCK_BYTES;
            ShortVector c0 = ShortVector.zero(S16), c4 = c0, c8 = c0, c12 = c0;
            for (int h = 0; h < 2; h++) {
                long at = p + 64 + 256L * h, a = 64L * b + 32L * h;
                ShortVector v = ShortVector.fromMemorySegment(S16, w, at, LE);
                ShortVector y = IntVector.broadcast(I8, pairs.get(Vec.INT, a)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
                v = ShortVector.fromMemorySegment(S16, w, at + 32, LE);
                y = IntVector.broadcast(I8, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
                v = ShortVector.fromMemorySegment(S16, w, at + 64, LE);
                y = IntVector.broadcast(I8, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
                v = ShortVector.fromMemorySegment(S16, w, at + 96, LE);
                y = IntVector.broadcast(I8, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
                v = ShortVector.fromMemorySegment(S16, w, at + 128, LE);
                y = IntVector.broadcast(I8, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
                v = ShortVector.fromMemorySegment(S16, w, at + 160, LE);
                y = IntVector.broadcast(I8, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
                v = ShortVector.fromMemorySegment(S16, w, at + 192, LE);
                y = IntVector.broadcast(I8, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
                v = ShortVector.fromMemorySegment(S16, w, at + 224, LE);
                y = IntVector.broadcast(I8, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
            }
            // R_n = C_4n - 16 · C_4n+4 per short; both shorts of an int lane (the row's two columns of each pair)
            // summed in its high half, less 8 · Σq there, then sign-extended: exact (class comment)
            int qs = qsum[b] << 16;
            FloatVector xs = FloatVector.broadcast(Vec.F, xScale[b]);
            IntVector r = c0.sub(c4.lanewise(VectorOperators.LSHL, 4)).reinterpretAsInts();
            IntVector dot = r.add(r.lanewise(VectorOperators.LSHL, 16)).sub(qs).lanewise(VectorOperators.ASHR, 16);
            IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p, LE).convertShape(VectorOperators.S2I, I8, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
            acc0 = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(xs, acc0);
            r = c4.sub(c8.lanewise(VectorOperators.LSHL, 4)).reinterpretAsInts();
            dot = r.add(r.lanewise(VectorOperators.LSHL, 16)).sub(qs).lanewise(VectorOperators.ASHR, 16);
            h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p + 16, LE).convertShape(VectorOperators.S2I, I8, 0);
            d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
            acc1 = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(xs, acc1);
            r = c8.sub(c12.lanewise(VectorOperators.LSHL, 4)).reinterpretAsInts();
            dot = r.add(r.lanewise(VectorOperators.LSHL, 16)).sub(qs).lanewise(VectorOperators.ASHR, 16);
            h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p + 32, LE).convertShape(VectorOperators.S2I, I8, 0);
            d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
            acc2 = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(xs, acc2);
            r = c12.reinterpretAsInts();
            dot = r.add(r.lanewise(VectorOperators.LSHL, 16)).sub(qs).lanewise(VectorOperators.ASHR, 16);
            h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p + 48, LE).convertShape(VectorOperators.S2I, I8, 0);
            d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
            acc3 = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(xs, acc3);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + 8);
        acc2.intoArray(out, o + 16);
        acc3.intoArray(out, o + 24);
    }

    /**
     * {@link #spanDot} with 512-bit vectors ({@link Vec#WIDE}): a span of 64 rows, 16 int lanes per vector. The
     * same operations per weight as at 256 bits, which Zen 4 runs at the same rate, but half the instructions: the
     * out-of-order window spans twice the weight bytes (as with the pair kernels before, BENCHMARKS.md, twelfth
     * session).
     */
    static void spanDotWide(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        int[] qsum = x.qsum;
        float[] xScale = x.scale;
        FloatVector acc0 = FloatVector.zero(F16), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++) {
            long p = base + (long) b * 8 * GROUP_BLOCK_BYTES;
            ShortVector c0 = ShortVector.zero(S32), c4 = c0, c8 = c0, c12 = c0;
            for (int h = 0; h < 2; h++) {
                long at = p + 128 + 512L * h, a = 64L * b + 32L * h;
                ShortVector v = ShortVector.fromMemorySegment(S32, w, at, LE);
                ShortVector y = IntVector.broadcast(I16, pairs.get(Vec.INT, a)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
                v = ShortVector.fromMemorySegment(S32, w, at + 64, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
                v = ShortVector.fromMemorySegment(S32, w, at + 128, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
                v = ShortVector.fromMemorySegment(S32, w, at + 192, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
                v = ShortVector.fromMemorySegment(S32, w, at + 256, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
                v = ShortVector.fromMemorySegment(S32, w, at + 320, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
                v = ShortVector.fromMemorySegment(S32, w, at + 384, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
                v = ShortVector.fromMemorySegment(S32, w, at + 448, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c4 = c4.add(v.lanewise(VectorOperators.LSHR, 4).mul(y));
                c8 = c8.add(v.lanewise(VectorOperators.LSHR, 8).mul(y));
                c12 = c12.add(v.lanewise(VectorOperators.LSHR, 12).mul(y));
            }
            // R_n = C_4n - 16 · C_4n+4 per short; both shorts of an int lane (the row's two columns of each pair)
            // summed in its high half, less 8 · Σq there, then sign-extended: exact (class comment)
            int qs = qsum[b] << 16;
            FloatVector xs = FloatVector.broadcast(F16, xScale[b]);
            IntVector r = c0.sub(c4.lanewise(VectorOperators.LSHL, 4)).reinterpretAsInts();
            IntVector dot = r.add(r.lanewise(VectorOperators.LSHL, 16)).sub(qs).lanewise(VectorOperators.ASHR, 16);
            IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, w, p, LE).convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
            acc0 = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(xs, acc0);
            r = c4.sub(c8.lanewise(VectorOperators.LSHL, 4)).reinterpretAsInts();
            dot = r.add(r.lanewise(VectorOperators.LSHL, 16)).sub(qs).lanewise(VectorOperators.ASHR, 16);
            h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, w, p + 32, LE).convertShape(VectorOperators.S2I, I16, 0);
            d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
            acc1 = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(xs, acc1);
            r = c8.sub(c12.lanewise(VectorOperators.LSHL, 4)).reinterpretAsInts();
            dot = r.add(r.lanewise(VectorOperators.LSHL, 16)).sub(qs).lanewise(VectorOperators.ASHR, 16);
            h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, w, p + 64, LE).convertShape(VectorOperators.S2I, I16, 0);
            d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
            acc2 = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(xs, acc2);
            r = c12.reinterpretAsInts();
            dot = r.add(r.lanewise(VectorOperators.LSHL, 16)).sub(qs).lanewise(VectorOperators.ASHR, 16);
            h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, w, p + 96, LE).convertShape(VectorOperators.S2I, I16, 0);
            d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
            acc3 = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(xs, acc3);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + 16);
        acc2.intoArray(out, o + 32);
        acc3.intoArray(out, o + 48);
    }
}
