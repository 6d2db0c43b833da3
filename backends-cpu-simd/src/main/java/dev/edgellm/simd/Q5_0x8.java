package dev.edgellm.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.edgellm.simd.Vec.F16;
import static dev.edgellm.simd.Vec.I16;
import static dev.edgellm.simd.Vec.I8;
import static dev.edgellm.simd.Vec.LE;

/**
 * Q5_0 repacked for decode ({@link Interleaved8}): per group of 8 rows and block, 176 bytes (the source's size)
 * = the 8 rows' f16 scales, a 32-byte fifth-bit plane H, then the nibble vectors V0..V3. Int lane r of H holds
 * row r's fifth bits in nibble order: bit k = column 8m+j and bit 16+k = column 8m+4+j for k = 4m+j, so one
 * shift and one mask put both at bit 4 of their short lane, next to the nibble. A 5-bit quant times an 8-bit
 * activation is below 31 · 127, so eight products fit a short lane: the block is summed in two halves of 16
 * bits, widened once each. The -16 offset is folded out as -16 · Σq(block).
 *
 * <p>Full spans of 6 groups (48 rows) at 512 bits, 3 groups (24 rows) at 256, are stored as {@link Q4_0x8}'s spans
 * are, with 5-bit quants: per block, the span's f16 scales, then 16 vectors of {@link #LANES} ints, vector k = 4m + j
 * for activation pair k ({@link QuantizedInput}). Int lane l holds 3 rows of each of the pair's columns, the quant of
 * row {@code LANES · n + l} at bits 5n of its low short (column 8m + j) and of its high short (column 8m + 4 + j);
 * bit 15 is unused, so a span's block takes 1120 (560) bytes where its groups' take 1056 (528): 6% more. A short v
 * times the column's activation a is Σ_n q_n · a · 32^n modulo 2^16, so the chains C_s = Σ (v >>> s) · a (s = 0, 5,
 * 10: two shifts, no mask, no fifth-bit plane) give each row's R_n = C_5n − 32 · C_5n+5 (R_2 = C_10) exactly modulo
 * 2^16. Each short sums 16 columns, |Σ (q − 16) · a| ≤ 16 · 16 · 127 < 2^15, so with -16 · Σa of its columns added
 * ({@link QuantizedInput#fiveBitOffset}) each short is exact, and the two are sign-extended and added: 9 operations
 * per 96 weights (48 at 256 bits) where the pair kernel this replaced spent ~24 per 64 (BENCHMARKS.md, twentieth
 * session).
 */
final class Q5_0x8 extends Interleaved8 {
    static final Q5_0x8 FORMAT = new Q5_0x8();
    static final int GROUP_BLOCK_BYTES = 16 + 32 + 128;
    private static final int SRC_BLOCK_BYTES = 22;
    /**
     * A quant's bit 4 comes from H, bits 0-3 from V_m: one bitwise blend (AVX-512: one vpternlogd) and one mask
     * (NIB5) per pair instead of two masks and an or; bit for bit the same, 5% faster per block (3% on AVX2;
     * BENCHMARKS.md, 2026-12-04 ninth session).
     */
    static final IntVector BIT4 = IntVector.broadcast(Vec.I8, 0x00100010);
    private static final int NIB5 = 0x001F001F;

    private Q5_0x8() {}

    /** Groups per span: 6 (48 rows) with 512-bit vectors, 3 (24 rows) with 256-bit ones; 1 with spans off. */
    static final int SPAN = PAIRS && Vec.L == 8 ? (Vec.WIDE ? 6 : 3) : 1;
    /** Int lanes of the span kernel's vectors: a span's rows are 3 · LANES. */
    static final int LANES = 8 * SPAN / 3;
    /** In a span's block: the f16 scales of its rows, then the 16 vectors. */
    static final int SPAN_SCALES = 16 * SPAN, SPAN_BLOCK_BYTES = spanBlockBytes(SPAN);

    /** Bytes of a span's block for spans of {@code span} groups (3 or 6): 560 or 1120, for 528 or 1056 in groups. */
    static int spanBlockBytes(int span) {
        return 16 * span + 16 * 4 * (8 * span / 3);
    }
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256, S32 = ShortVector.SPECIES_512;

    @Override
    int span() { return SPAN; }

    @Override
    int spanBlockBytes() { return SPAN > 1 ? SPAN_BLOCK_BYTES : super.spanBlockBytes(); }

    @Override int sourceBlockBytes() { return SRC_BLOCK_BYTES; }

    @Override int groupBlockBytes() { return GROUP_BLOCK_BYTES; }

    @Override
    void packSpan(byte[] plain, int blocks, byte[] packed) {
        packSpan(SPAN, plain, blocks, packed);
    }

    /**
     * The span layout (class comment) for spans of {@code span} groups (3 or 6: tests pack both widths' layouts on one
     * CPU) from their blocks in the plain order ({@code plain}: member i's block b at {@code (i · blocks + b) ·
     * GROUP_BLOCK_BYTES}): per row and V_m lane, its 8 quants (nibble and fifth bit from H) into the 8 shorts that
     * hold its columns 8m .. 8m + 7.
     */
    static void packSpan(int span, byte[] plain, int blocks, byte[] packed) {
        int gb = GROUP_BLOCK_BYTES, n = 8 * span / 3, scales = 16 * span, blockBytes = spanBlockBytes(span);
        int[] lanes = new int[16 * n]; // vector k, lane l
        for (int b = 0; b < blocks; b++) {
            int at = blockBytes * b;
            java.util.Arrays.fill(lanes, 0);
            for (int row = 0; row < ROWS * span; row++) {
                int from = ((row / ROWS) * blocks + b) * gb, r = row % ROWS, l = row % n, shift = 5 * (row / n);
                packed[at + 2 * row] = plain[from + 2 * r];
                packed[at + 2 * row + 1] = plain[from + 2 * r + 1];
                int h = getInt(plain, from + 16 + 4 * r);
                for (int m = 0; m < 4; m++) {
                    int v = getInt(plain, from + 48 + 32 * m + 4 * r);
                    for (int j = 0; j < 4; j++) {
                        int lo = (v >>> 4 * j & 0xF) | (h >>> 4 * m + j & 1) << 4;
                        int hi = (v >>> 16 + 4 * j & 0xF) | (h >>> 16 + 4 * m + j & 1) << 4;
                        lanes[n * (4 * m + j) + l] |= lo << shift | hi << 16 + shift;
                    }
                }
            }
            for (int i = 0; i < lanes.length; i++) putInt(packed, at + scales + 4 * i, lanes[i]);
        }
    }

    /** Row {@code row}'s 5-bit quant of column c in a span's block at {@code p} (the layout above). */
    private static int spanQuant(MemorySegment w, long p, int row, int c) {
        int lane = w.get(Vec.INT, p + SPAN_SCALES + 4L * LANES * (4 * (c >> 3) + (c & 3)) + 4L * (row % LANES));
        return lane >>> 16 * ((c >> 2) & 1) + 5 * (row / LANES) & 31;
    }

    @Override
    void packBlock(byte[] in, byte[] out) {
        packNibblesAndScales(in, SRC_BLOCK_BYTES, 6, out, 48);
        for (int r = 0; r < ROWS; r++) {
            int s = r * SRC_BLOCK_BYTES;
            int qh = (in[s + 2] & 0xFF) | (in[s + 3] & 0xFF) << 8 | (in[s + 4] & 0xFF) << 16 | (in[s + 5] & 0xFF) << 24;
            // bit 4m+j = qh bit 8m+j, bit 16+4m+j = qh bit 8m+4+j (j < 4)
            putInt(out, 16 + 4 * r, Integer.compress(qh, 0x0F0F0F0F) | Integer.compress(qh, 0xF0F0F0F0) << 16);
        }
    }

    /** Shifts of H that put column 8m + k's fifth bit at bit 0 of int lane k, for m = 0 (add 4m for V_m). */
    static final IntVector FIFTH_BIT_SHIFTS = IntVector.fromArray(I8, new int[] {0, 1, 2, 3, 16, 17, 18, 19}, 0);

    /**
     * One row's 5-bit quant (0..31) of column 8m + k, k < 8, from its V_m int {@code nibbles} (nibble k) and its H int
     * {@code fifth} (bit {@link #FIFTH_BIT_SHIFTS}[k] + 4m): the scalar dequantizers' form of the vector steps (Q5_K's
     * records keep the same two ints).
     */
    static int quant5(int nibbles, int fifth, int m, int k) {
        return (nibbles >>> 4 * k & 0xF) | (fifth >>> (k & 3) + 16 * (k >> 2) + 4 * m & 1) << 4;
    }

    @Override
    void dequantizeRow(MemorySegment w, int row, int groups, int blocks, float[] out, int off) {
        int g = row / ROWS, r = row % ROWS;
        if (spanned(g, groups)) {
            int sr = row % (ROWS * SPAN);
            long base = blockOffset(g, 0, groups, blocks);
            for (int b = 0; b < blocks; b++) {
                long p = base + (long) SPAN_BLOCK_BYTES * b;
                float d = Vec.f16(w, p + 2L * sr);
                for (int c = 0; c < 32; c++) out[off + 32 * b + c] = (spanQuant(w, p, sr, c) - 16) * d; // one rounding
            }
            return;
        }
        long base = blockOffset(g, 0, groups, blocks), scale = base + 2 * r, fifth = base + 16 + 4 * r, v0 = base + 48 + 4 * r;
        long stride = GROUP_BLOCK_BYTES, step = 32; // a plain group: V_m 32 bytes apart
        if (Vec.L == 4) { // dequantizeBlock's 8-lane steps (256 bits) lane by lane: nibble k and fifth bit FIFTH_BIT_SHIFTS[k] + 4m
            for (int b = 0; b < blocks; b++) {
                long p = b * stride;
                float d = Vec.f16(w, scale + p);
                int h = w.get(Vec.INT, fifth + p);
                for (int m = 0; m < 4; m++) {
                    int lane = w.get(Vec.INT, v0 + p + m * step);
                    for (int k = 0; k < 8; k++) out[off + 32 * b + 8 * m + k] = (quant5(lane, h, m, k) - 16) * d;
                }
            }
            return;
        }
        for (int b = 0; b < blocks; b++) {
            dequantizeBlock(w, fifth + b * stride, v0 + b * stride, step, Vec.f16(w, scale + b * stride), out, off + 32 * b);
        }
    }

    /** One row's block as floats at {@code out[off ..]}: its fifth bits at {@code fifth}, V0 at {@code v0}. */
    private static void dequantizeBlock(MemorySegment w, long fifth, long v0, long step, float d, float[] out, int off) {
        IntVector h = IntVector.broadcast(I8, w.get(Vec.INT, fifth));
        for (int m = 0; m < 4; m++) {
            IntVector bits = h.lanewise(VectorOperators.LSHR, FIFTH_BIT_SHIFTS.add(4 * m)).and(1);
            ((FloatVector) laneNibbles(w, v0 + m * step).or(bits.lanewise(VectorOperators.LSHL, 4)).sub(16)
                    .convert(VectorOperators.I2F, 0)).mul(d).intoArray(out, off + 8 * m);
        }
    }

    /**
     * {@link #dequantizeRow} rounded to bf16 in the same pass, the same bits: (q - 16) · d is exact in float (a 5-bit
     * integer times an f16), then rounded as {@link PrefillGemm#toBf16} does, without its NaN lanes (a finite scale
     * gives finite products); a block with an inf/NaN scale goes through the float row.
     */
    @Override
    void dequantizeRowBf16(MemorySegment w, int row, int groups, int blocks, float[] scratch, MemorySegment dst, long at) {
        if (Vec.L == 4) { // the fused loop's vectors are 8 lanes: the float row, rounded
            super.dequantizeRowBf16(w, row, groups, blocks, scratch, dst, at);
            return;
        }
        int g = row / ROWS, r = row % ROWS;
        if (spanned(g, groups)) { // (prefill fills spans by columns; this is for other callers)
            super.dequantizeRowBf16(w, row, groups, blocks, scratch, dst, at);
            return;
        }
        long base = blockOffset(g, 0, groups, blocks), scale = base + 2 * r, fifth = base + 16 + 4 * r, v0 = base + 48 + 4 * r;
        long stride = GROUP_BLOCK_BYTES, step = 32; // a plain group: V_m 32 bytes apart
        for (int b = 0; b < blocks; b++) {
            float d = Vec.f16(w, scale + b * stride);
            if (!Float.isFinite(d)) { // the float row's path, which keeps NaNs
                dequantizeBlock(w, fifth + b * stride, v0 + b * stride, step, d, scratch, 0);
                PrefillGemm.toBf16(scratch, 0, dst, at + 64L * b, 32);
                continue;
            }
            IntVector h = IntVector.broadcast(I8, w.get(Vec.INT, fifth + b * stride));
            for (int m = 0; m < 4; m++) {
                // laneNibbles and the rounding written out, as the kernels' rule has it (a vector passed to or returned
                // from a call of ours that is not inlined is boxed); at 512 bits this 8-row code still boxes in some of
                // KernelAllocationCheck's JVMs, with the rest of the row dequantizers (BENCHMARKS.md, twenty-second session)
                IntVector bits = h.lanewise(VectorOperators.LSHR, FIFTH_BIT_SHIFTS.add(4 * m)).and(1);
                IntVector q = IntVector.broadcast(I8, w.get(Vec.INT, v0 + b * stride + m * step))
                        .lanewise(VectorOperators.LSHR, NIBBLE_SHIFTS).and(0xF);
                IntVector f = ((FloatVector) q.or(bits.lanewise(VectorOperators.LSHL, 4)).sub(16)
                        .convert(VectorOperators.I2F, 0)).mul(d).reinterpretAsInts();
                ((ShortVector) f.add(f.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                        .convertShape(VectorOperators.I2S, ShortVector.SPECIES_128, 0))
                        .intoMemorySegment(dst, at + 64L * b + 16L * m, LE);
            }
        }
    }

    private static final VectorSpecies<Integer> I4 = IntVector.SPECIES_128;
    private static final IntVector BIT4_128 = IntVector.broadcast(I4, 0x00100010);

    /**
     * {@link #dotGroup} with 128-bit vectors (NEON; {@link Vec#L} = 4): each half of the group's rows through its steps
     * (int lanes 4rh .. of H and V0..V3, scales of rows 4rh ..), so the same floats to the bit. Written out as that
     * kernel is.
     */
    static void dot128(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        for (int rh = 0; rh < 2; rh++) {
            FloatVector acc = FloatVector.zero(FloatVector.SPECIES_128);
            for (int b = 0; b < blocks; b++) {
                long p = base + (long) b * GROUP_BLOCK_BYTES;
                long a = 64L * b;
                IntVector hb = IntVector.fromMemorySegment(I4, w, p + 16 + 16L * rh, LE);
                ShortVector s = ShortVector.zero(ShortVector.SPECIES_128), t = s;
                for (int half = 0; half < 2; half++, a += 32) {
                    IntVector ve = IntVector.fromMemorySegment(I4, w, p + 48 + 64L * half + 16L * rh, LE);
                    IntVector vo = IntVector.fromMemorySegment(I4, w, p + 80 + 64L * half + 16L * rh, LE);
                    s = s.add(ve.lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 4), BIT4_128).and(NIB5).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a)).reinterpretAsShorts()));
                    t = t.add(vo.lanewise(VectorOperators.BITWISE_BLEND, hb, BIT4_128).and(NIB5).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts()));
                    s = s.add(ve.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 3), BIT4_128).and(NIB5).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts()));
                    t = t.add(vo.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 1), BIT4_128).and(NIB5).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()));
                    s = s.add(ve.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 2), BIT4_128).and(NIB5).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts()));
                    t = t.add(vo.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 2), BIT4_128).and(NIB5).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts()));
                    s = s.add(ve.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).reinterpretAsInts().lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 1), BIT4_128).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()));
                    t = t.add(vo.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).reinterpretAsInts().lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 3), BIT4_128).reinterpretAsShorts().mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()));
                    hb = hb.lanewise(VectorOperators.LSHR, 8);
                }
                IntVector ia = s.reinterpretAsInts(), ib = t.reinterpretAsInts();
                IntVector dot = ia.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(ia.lanewise(VectorOperators.ASHR, 16))
                        .add(ib.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                        .add(ib.lanewise(VectorOperators.ASHR, 16))
                        .sub(2 * x.qsum[b]);
                IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_64, w, p + 8L * rh, LE)
                        .convertShape(VectorOperators.S2I, I4, 0);
                FloatVector d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                        .reinterpretAsFloats().mul(0x1p112f);
                acc = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d)
                        .fma(FloatVector.broadcast(FloatVector.SPECIES_128, x.scale[b]), acc);
            }
            acc.intoArray(out, o + 4 * rh);
        }
    }

    @Override
    void dotGroup(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        if (Vec.L == 4) {
            dot128(w, base, blocks, x, out, o);
            return;
        }
        MemorySegment pairs = x.pairMemory;
        FloatVector acc = FloatVector.zero(Vec.F);
        // Unrolled by hand with no method of ours in the body, as Q4_0x8 (C2's inlining cutoff).
        for (int b = 0; b < blocks; b++) {
            long p = base + (long) b * GROUP_BLOCK_BYTES;
            // V0/V1, then V2/V3 with the fifth-bit plane shifted down 8, as a loop; pairs broadcast from memory
            // (QuantizedInput.pairMemory)
            long a = 64L * b;
            IntVector hb = IntVector.fromMemorySegment(I8, w, p + 16, LE);
            ShortVector s = ShortVector.zero(ShortVector.SPECIES_256), t = s;
            for (int half = 0; half < 2; half++, a += 32) {
                IntVector ve = IntVector.fromMemorySegment(I8, w, p + 48 + 64L * half, LE);
                IntVector vo = IntVector.fromMemorySegment(I8, w, p + 80 + 64L * half, LE);
                s = s.add(ve.lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 4), BIT4).and(NIB5).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a)).reinterpretAsShorts()));
                t = t.add(vo.lanewise(VectorOperators.BITWISE_BLEND, hb, BIT4).and(NIB5).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts()));
                s = s.add(ve.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 3), BIT4).and(NIB5).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts()));
                t = t.add(vo.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 1), BIT4).and(NIB5).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()));
                s = s.add(ve.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 2), BIT4).and(NIB5).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts()));
                t = t.add(vo.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 2), BIT4).and(NIB5).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts()));
                s = s.add(ve.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).reinterpretAsInts().lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 1), BIT4).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()));
                t = t.add(vo.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).reinterpretAsInts().lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 3), BIT4).reinterpretAsShorts().mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()));
                hb = hb.lanewise(VectorOperators.LSHR, 8);
            }
            IntVector ia = s.reinterpretAsInts(), ib = t.reinterpretAsInts();
            IntVector dot = ia.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(ia.lanewise(VectorOperators.ASHR, 16))
                    .add(ib.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .add(ib.lanewise(VectorOperators.ASHR, 16))
                    .sub(2 * x.qsum[b]);
            // f16 → f32 as in Q4_0x8 (exact for finite scales)
            IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p, LE)
                    .convertShape(VectorOperators.S2I, I8, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            acc = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d)
                    .fma(FloatVector.broadcast(Vec.F, x.scale[b]), acc);
        }
        acc.intoArray(out, o);
    }

    @Override
    boolean narrowPairKernel() { return true; }

    @Override
    boolean widePairKernel() { return true; }

    @Override
    void dotSpan(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        if (SPAN == 6) spanDotWide(w, base, blocks, x, out, o);
        else spanDot(w, base, blocks, x, out, o);
    }

    /**
     * A 48-row span with 512-bit vectors (the layout in the class comment, {@link #LANES} = 16): per block, the three chains over the 16
     * vectors in a loop over the block's halves (8 activation pairs broadcast from memory per body, as Q4_0x8's span
     * kernels: C1 compiles it), then each R_n into floats as {@link #dotGroup} does, so that a span's rows come out
     * identical to single groups'. Written out, with no method of ours in the body (see {@link Q4_0x8#dot}).
     */
    static void spanDotWide(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        int[] offsets = x.fiveBitOffset;
        float[] xScale = x.scale;
        FloatVector acc0 = FloatVector.zero(F16), acc1 = acc0, acc2 = acc0;
        for (int b = 0; b < blocks; b++) {
            long p = base + (long) b * 1120;
            ShortVector c0 = ShortVector.zero(S32), c5 = c0, c10 = c0;
            for (int h = 0; h < 2; h++) {
                long at = p + 96 + 512L * h, a = 64L * b + 32L * h;
                ShortVector v = ShortVector.fromMemorySegment(S32, w, at, LE);
                ShortVector y = IntVector.broadcast(I16, pairs.get(Vec.INT, a)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
                v = ShortVector.fromMemorySegment(S32, w, at + 64, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
                v = ShortVector.fromMemorySegment(S32, w, at + 128, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
                v = ShortVector.fromMemorySegment(S32, w, at + 192, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
                v = ShortVector.fromMemorySegment(S32, w, at + 256, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
                v = ShortVector.fromMemorySegment(S32, w, at + 320, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
                v = ShortVector.fromMemorySegment(S32, w, at + 384, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
                v = ShortVector.fromMemorySegment(S32, w, at + 448, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
            }
            // R_n = C_5n - 32 · C_5n+5 per short, plus -16 · Σa of its columns: exact; then both shorts sign-extended
            ShortVector off = IntVector.broadcast(I16, offsets[b]).reinterpretAsShorts();
            FloatVector xs = FloatVector.broadcast(F16, xScale[b]);
            IntVector r = c0.sub(c5.lanewise(VectorOperators.LSHL, 5)).add(off).reinterpretAsInts();
            IntVector dot = r.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(r.lanewise(VectorOperators.ASHR, 16));
            IntVector hs = (IntVector) ShortVector.fromMemorySegment(S16, w, p, LE).convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d = hs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
            acc0 = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(xs, acc0);
            r = c5.sub(c10.lanewise(VectorOperators.LSHL, 5)).add(off).reinterpretAsInts();
            dot = r.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(r.lanewise(VectorOperators.ASHR, 16));
            hs = (IntVector) ShortVector.fromMemorySegment(S16, w, p + 32, LE).convertShape(VectorOperators.S2I, I16, 0);
            d = hs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
            acc1 = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(xs, acc1);
            r = c10.add(off).reinterpretAsInts();
            dot = r.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(r.lanewise(VectorOperators.ASHR, 16));
            hs = (IntVector) ShortVector.fromMemorySegment(S16, w, p + 64, LE).convertShape(VectorOperators.S2I, I16, 0);
            d = hs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
            acc2 = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(xs, acc2);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + 16);
        acc2.intoArray(out, o + 32);
    }

    /**
     * {@link #spanDotWide} with 256-bit vectors: a span of 24 rows, 8 int lanes per vector (AVX2). Offsets are
     * literals of this width's layout, so that tests run both widths' kernels on one CPU.
     */
    static void spanDot(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        int[] offsets = x.fiveBitOffset;
        float[] xScale = x.scale;
        FloatVector acc0 = FloatVector.zero(Vec.F), acc1 = acc0, acc2 = acc0;
        for (int b = 0; b < blocks; b++) {
            long p = base + (long) b * 560;
            ShortVector c0 = ShortVector.zero(S16), c5 = c0, c10 = c0;
            for (int h = 0; h < 2; h++) {
                long at = p + 48 + 256L * h, a = 64L * b + 32L * h;
                ShortVector v = ShortVector.fromMemorySegment(S16, w, at, LE);
                ShortVector y = IntVector.broadcast(I8, pairs.get(Vec.INT, a)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
                v = ShortVector.fromMemorySegment(S16, w, at + 32, LE);
                y = IntVector.broadcast(I8, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
                v = ShortVector.fromMemorySegment(S16, w, at + 64, LE);
                y = IntVector.broadcast(I8, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
                v = ShortVector.fromMemorySegment(S16, w, at + 96, LE);
                y = IntVector.broadcast(I8, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
                v = ShortVector.fromMemorySegment(S16, w, at + 128, LE);
                y = IntVector.broadcast(I8, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
                v = ShortVector.fromMemorySegment(S16, w, at + 160, LE);
                y = IntVector.broadcast(I8, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
                v = ShortVector.fromMemorySegment(S16, w, at + 192, LE);
                y = IntVector.broadcast(I8, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
                v = ShortVector.fromMemorySegment(S16, w, at + 224, LE);
                y = IntVector.broadcast(I8, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts();
                c0 = c0.add(v.mul(y));
                c5 = c5.add(v.lanewise(VectorOperators.LSHR, 5).mul(y));
                c10 = c10.add(v.lanewise(VectorOperators.LSHR, 10).mul(y));
            }
            // R_n = C_5n - 32 · C_5n+5 per short, plus -16 · Σa of its columns: exact; then both shorts sign-extended
            ShortVector off = IntVector.broadcast(I8, offsets[b]).reinterpretAsShorts();
            FloatVector xs = FloatVector.broadcast(Vec.F, xScale[b]);
            IntVector r = c0.sub(c5.lanewise(VectorOperators.LSHL, 5)).add(off).reinterpretAsInts();
            IntVector dot = r.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(r.lanewise(VectorOperators.ASHR, 16));
            IntVector hs = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p, LE).convertShape(VectorOperators.S2I, I8, 0);
            FloatVector d = hs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
            acc0 = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(xs, acc0);
            r = c5.sub(c10.lanewise(VectorOperators.LSHL, 5)).add(off).reinterpretAsInts();
            dot = r.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(r.lanewise(VectorOperators.ASHR, 16));
            hs = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p + 16, LE).convertShape(VectorOperators.S2I, I8, 0);
            d = hs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
            acc1 = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(xs, acc1);
            r = c10.add(off).reinterpretAsInts();
            dot = r.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(r.lanewise(VectorOperators.ASHR, 16));
            hs = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p + 32, LE).convertShape(VectorOperators.S2I, I8, 0);
            d = hs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
            acc2 = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(xs, acc2);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + 8);
        acc2.intoArray(out, o + 16);
    }

    /** A row's quants are spread over a span's lanes: with spans, prefill tiles are filled by columns. */
    @Override
    boolean columnTiles() { return SPAN > 1; }

    /**
     * A spanned group's call does its whole span: per block and column, its 48 (24) rows, contiguous in the tile, with
     * three stores of 16 (8); groups outside spans value by value. Exact as the scalar reference (a scale that is not
     * finite, in a broken file, takes the scalar path).
     */
    @Override
    void dequantizeGroupColumns(MemorySegment w, int g, int groups, int blocks, int b0, int b1, MemorySegment dst,
            long ld, long at, boolean bf16) {
        long base = blockOffset(g, 0, groups, blocks);
        if (!spanned(g, groups)) groupColumns(w, base, b0, b1, dst, ld, at, bf16);
        else if (SPAN == 6) spanColumnsWide(w, base, b0, b1, dst, ld, at, bf16);
        else spanColumns(w, base, b0, b1, dst, ld, at, bf16);
    }

    /**
     * A plain group's 8 rows into the tile's columns, value by value: only a tensor's last few groups (at most 5,
     * past its last span) take this path, too few calls for C2 to compile a vector loop before the prompt ends (a
     * vector version passed its vectors to a tile-store helper from C1's code, boxed, in every prefill).
     */
    private static void groupColumns(MemorySegment w, long base, int b0, int b1, MemorySegment dst, long ld, long at,
            boolean bf16) {
        for (int b = b0; b < b1; b++) {
            long p = base + (long) GROUP_BLOCK_BYTES * b;
            for (int r = 0; r < ROWS; r++) {
                float d = Float.float16ToFloat(w.get(Vec.SHORT, p + 2L * r));
                int h = w.get(Vec.INT, p + 16 + 4L * r);
                for (int m = 0; m < 4; m++) {
                    int v = w.get(Vec.INT, p + 48 + 32L * m + 4L * r);
                    for (int k = 0; k < 8; k++) {
                        storeValue(dst, (32L * b + 8 * m + k) * ld + at + r, (quant5(v, h, m, k) - 16) * d, bf16);
                    }
                }
            }
        }
    }

    /** Element {@code e} of a tile: {@code v} as bf16 ({@link PrefillGemm#bf16}) or f32. */
    private static void storeValue(MemorySegment tile, long e, float v, boolean bf16) {
        if (bf16) tile.set(Vec.SHORT, 2 * e, PrefillGemm.bf16(v));
        else tile.set(F32, 4 * e, v);
    }

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    /**
     * The 48 rows of a span: per block and column, three stores of 16 rows (n: rows 16n ..), finite scales rounded to
     * bf16 without the NaN lanes' blend, written out as {@link Q4_0x8}'s span fill (no vectors through methods of
     * ours); a block with an inf or NaN scale goes through the scalar path.
     */
    private static void spanColumnsWide(MemorySegment w, long base, int b0, int b1, MemorySegment dst, long ld, long at,
            boolean bf16) {
        int size = bf16 ? 2 : 4;
        for (int b = b0; b < b1; b++) {
            long p = base + 1120L * b;
            IntVector h0 = (IntVector) ShortVector.fromMemorySegment(S16, w, p, LE).convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d0 = h0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            IntVector h1 = (IntVector) ShortVector.fromMemorySegment(S16, w, p + 32, LE).convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d1 = h1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            IntVector h2 = (IntVector) ShortVector.fromMemorySegment(S16, w, p + 64, LE).convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d2 = h2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            IntVector exponents = h0.and(Vec.F16_EXP).max(h1.and(Vec.F16_EXP)).max(h2.and(Vec.F16_EXP));
            if (exponents.compare(VectorOperators.EQ, Vec.F16_EXP).anyTrue()) {
                spanColumnsScalar(w, p, b, dst, ld, at, bf16);
                continue;
            }
            for (int c = 0; c < 32; c++) { // column c: vector 4(c / 8) + c % 4, its low (c % 8 < 4) or high short
                IntVector v = IntVector.fromMemorySegment(I16, w, p + 96 + 64L * (4 * (c >> 3) + (c & 3)), LE);
                int shift = 4 * (c & 4);
                long o = size * ((32L * b + c) * ld + at);
                FloatVector f0 = ((FloatVector) v.lanewise(VectorOperators.LSHR, shift).and(31).sub(16)
                        .convert(VectorOperators.I2F, 0)).mul(d0);
                FloatVector f1 = ((FloatVector) v.lanewise(VectorOperators.LSHR, shift + 5).and(31).sub(16)
                        .convert(VectorOperators.I2F, 0)).mul(d1);
                FloatVector f2 = ((FloatVector) v.lanewise(VectorOperators.LSHR, shift + 10).and(31).sub(16)
                        .convert(VectorOperators.I2F, 0)).mul(d2);
                if (bf16) { // PrefillGemm.toBf16's rounding without its NaN lanes, 16 lanes
                    IntVector i0 = f0.reinterpretAsInts();
                    ((ShortVector) i0.add(i0.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, S16, 0)).intoMemorySegment(dst, o, LE);
                    IntVector i1 = f1.reinterpretAsInts();
                    ((ShortVector) i1.add(i1.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, S16, 0)).intoMemorySegment(dst, o + 32, LE);
                    IntVector i2 = f2.reinterpretAsInts();
                    ((ShortVector) i2.add(i2.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, S16, 0)).intoMemorySegment(dst, o + 64, LE);
                } else {
                    f0.intoMemorySegment(dst, o, LE);
                    f1.intoMemorySegment(dst, o + 64, LE);
                    f2.intoMemorySegment(dst, o + 128, LE);
                }
            }
        }
    }

    /** {@link #spanColumnsWide} for 24-row spans with 256-bit vectors: three stores of 8 rows per column. */
    private static void spanColumns(MemorySegment w, long base, int b0, int b1, MemorySegment dst, long ld, long at,
            boolean bf16) {
        int size = bf16 ? 2 : 4;
        for (int b = b0; b < b1; b++) {
            long p = base + 560L * b;
            IntVector h0 = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p, LE).convertShape(VectorOperators.S2I, I8, 0);
            FloatVector d0 = h0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            IntVector h1 = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p + 16, LE).convertShape(VectorOperators.S2I, I8, 0);
            FloatVector d1 = h1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            IntVector h2 = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p + 32, LE).convertShape(VectorOperators.S2I, I8, 0);
            FloatVector d2 = h2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            IntVector exponents = h0.and(Vec.F16_EXP).max(h1.and(Vec.F16_EXP)).max(h2.and(Vec.F16_EXP));
            if (exponents.compare(VectorOperators.EQ, Vec.F16_EXP).anyTrue()) {
                spanColumnsScalar(w, p, b, dst, ld, at, bf16);
                continue;
            }
            for (int c = 0; c < 32; c++) { // column c: vector 4(c / 8) + c % 4, its low (c % 8 < 4) or high short
                IntVector v = IntVector.fromMemorySegment(I8, w, p + 48 + 32L * (4 * (c >> 3) + (c & 3)), LE);
                int shift = 4 * (c & 4);
                long o = size * ((32L * b + c) * ld + at);
                FloatVector f0 = ((FloatVector) v.lanewise(VectorOperators.LSHR, shift).and(31).sub(16)
                        .convert(VectorOperators.I2F, 0)).mul(d0);
                FloatVector f1 = ((FloatVector) v.lanewise(VectorOperators.LSHR, shift + 5).and(31).sub(16)
                        .convert(VectorOperators.I2F, 0)).mul(d1);
                FloatVector f2 = ((FloatVector) v.lanewise(VectorOperators.LSHR, shift + 10).and(31).sub(16)
                        .convert(VectorOperators.I2F, 0)).mul(d2);
                if (bf16) { // PrefillGemm.toBf16's rounding without its NaN lanes
                    IntVector i0 = f0.reinterpretAsInts();
                    ((ShortVector) i0.add(i0.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, ShortVector.SPECIES_128, 0)).intoMemorySegment(dst, o, LE);
                    IntVector i1 = f1.reinterpretAsInts();
                    ((ShortVector) i1.add(i1.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, ShortVector.SPECIES_128, 0)).intoMemorySegment(dst, o + 16, LE);
                    IntVector i2 = f2.reinterpretAsInts();
                    ((ShortVector) i2.add(i2.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, ShortVector.SPECIES_128, 0)).intoMemorySegment(dst, o + 32, LE);
                } else {
                    f0.intoMemorySegment(dst, o, LE);
                    f1.intoMemorySegment(dst, o + 32, LE);
                    f2.intoMemorySegment(dst, o + 64, LE);
                }
            }
        }
    }

    /** Block b of a span (at {@code p}) into the tile value by value, exactly as the scalar reference, NaNs too. */
    private static void spanColumnsScalar(MemorySegment w, long p, int b, MemorySegment dst, long ld, long at, boolean bf16) {
        for (int row = 0; row < ROWS * SPAN; row++) {
            float d = Float.float16ToFloat(w.get(Vec.SHORT, p + 2L * row));
            for (int c = 0; c < 32; c++) {
                storeValue(dst, (32L * b + c) * ld + at + row, (spanQuant(w, p, row, c) - 16) * d, bf16);
            }
        }
    }
}
