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
        dot(w, base, blocks, x, out, o);
    }

    @Override
    boolean pairs() { return PAIRS; }

    @Override
    boolean narrowPairKernel() { return true; }

    @Override
    boolean widePairKernel() { return true; }

    @Override
    void dotPair(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        if (Vec.WIDE) pairDotWide(w, base, blocks, x, out, o);
        else pairDot(w, base, blocks, x, out, o);
    }

    /**
     * In a pair's block: both scale rows (16 bytes each), then V0 of both groups, V1 of both, ... (32 bytes each).
     * Q5_0 keeps the default: a 512-bit Q5_0 pair kernel on this layout measured no faster end to end on qwen2-0.5b
     * (BENCHMARKS.md, twelfth session).
     */
    @Override
    long pairByte(int member, int i) {
        if (i < 16) return 16L * member + i;
        return 32 + 64L * ((i - 16) / 32) + 32L * member + (i - 16) % 32;
    }

    @Override
    void dequantizeRow(MemorySegment w, int row, int groups, int blocks, float[] out, int off) {
        int g = row / ROWS, r = row % ROWS;
        long scale = byteOffset(g, 0, groups, blocks, 2 * r), stride = blockStride(g, groups);
        long v0 = byteOffset(g, 0, groups, blocks, 16 + 4 * r), step = byteOffset(g, 0, groups, blocks, 48) - byteOffset(g, 0, groups, blocks, 16);
        for (int b = 0; b < blocks; b++) {
            dequantizeBlock(w, v0 + b * stride, step, Vec.f16(w, scale + b * stride), out, off + 32 * b);
        }
    }

    /** One row's block as floats at {@code out[off ..]}, its V0 lane at {@code v0}, V_m {@code step} apart. */
    private static void dequantizeBlock(MemorySegment w, long v0, long step, float d, float[] out, int off) {
        for (int m = 0; m < 4; m++) { // (nibble - 8) · d: one rounding, as the reference's
            ((FloatVector) laneNibbles(w, v0 + m * step).sub(8).convert(VectorOperators.I2F, 0)).mul(d)
                    .intoArray(out, off + 8 * m);
        }
    }

    /**
     * {@link #dequantizeRow} rounded to bf16 in the same pass: (nibble - 8) · d is exact in float (a 4-bit integer
     * times an f16), then rounded to nearest even as {@link PrefillGemm#toBf16} does, without the float row in
     * between or toBf16's NaN lanes (a finite scale gives finite products; a block with an inf/NaN scale goes through
     * toBf16). Prefill tiles of Q4_0 weights cost half as many vector operations; the same bits.
     */
    @Override
    void dequantizeRowBf16(MemorySegment w, int row, int groups, int blocks, float[] scratch, MemorySegment dst, long at) {
        int g = row / ROWS, r = row % ROWS;
        long scale = byteOffset(g, 0, groups, blocks, 2 * r), stride = blockStride(g, groups);
        long v0 = byteOffset(g, 0, groups, blocks, 16 + 4 * r), step = byteOffset(g, 0, groups, blocks, 48) - byteOffset(g, 0, groups, blocks, 16);
        for (int b = 0; b < blocks; b++) {
            float d = Vec.f16(w, scale + b * stride);
            long p = v0 + b * stride, o = at + 64L * b;
            if (!Float.isFinite(d)) { // the float row's path, which keeps NaNs
                dequantizeBlock(w, p, step, d, scratch, 0);
                PrefillGemm.toBf16(scratch, 0, dst, o, 32);
                continue;
            }
            for (int m = 0; m < 4; m++) {
                PrefillGemm.storeBf16NoNaN(((FloatVector) laneNibbles(w, p + m * step).sub(8)
                        .convert(VectorOperators.I2F, 0)).mul(d), dst, o + 16L * m);
            }
        }
    }

    private static final jdk.incubator.vector.VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
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

    /**
     * {@link #dot} for a pair (256-bit vectors): the pair's block b at {@code base + b · 2 · GROUP_BLOCK_BYTES},
     * laid out by {@link #pairByte}. The block's two halves (columns 0-15, 16-31) run as a loop rather than
     * unrolled like {@link #dot}: as fast, and half the code for C2 to inline and compile. Written out in full, the
     * pair kernels took C2's compiler arena from a 77 to a 141 MB peak, which the C library keeps: +42-56 MB peak
     * RSS (BENCHMARKS.md, tenth session).
     */
    static void pairDot(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        int[] qsum = x.qsum;
        float[] xScale = x.scale;
        FloatVector acc = FloatVector.zero(Vec.F), acc1 = FloatVector.zero(Vec.F);
        for (int b = 0; b < blocks; b++) {
            long p = base + (long) b * 2 * GROUP_BLOCK_BYTES;
            // s, t: the first group's products of V0/V2 and V1/V3; s1, t1 the second group's
            ShortVector s = ShortVector.zero(S16), t = s, s1 = s, t1 = s;
            for (int half = 0; half < 2; half++) {
                long x0 = 64L * b + 32L * half;
                long at = p + 128L * half;
                IntVector v0 = IntVector.fromMemorySegment(I8, w, at + 32, LE), u0 = IntVector.fromMemorySegment(I8, w, at + 64, LE);
                IntVector v1 = IntVector.fromMemorySegment(I8, w, at + 96, LE), u1 = IntVector.fromMemorySegment(I8, w, at + 128, LE);
                ShortVector a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0)).reinterpretAsShorts();
                s = s.add(v0.and(NIB).reinterpretAsShorts().mul(a));
                s1 = s1.add(u0.and(NIB).reinterpretAsShorts().mul(a));
                a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0 + 16)).reinterpretAsShorts();
                t = t.add(v1.and(NIB).reinterpretAsShorts().mul(a));
                t1 = t1.add(u1.and(NIB).reinterpretAsShorts().mul(a));
                a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0 + 4)).reinterpretAsShorts();
                s = s.add(v0.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(a));
                s1 = s1.add(u0.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(a));
                a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0 + 20)).reinterpretAsShorts();
                t = t.add(v1.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(a));
                t1 = t1.add(u1.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(a));
                a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0 + 8)).reinterpretAsShorts();
                s = s.add(v0.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(a));
                s1 = s1.add(u0.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(a));
                a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0 + 24)).reinterpretAsShorts();
                t = t.add(v1.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(a));
                t1 = t1.add(u1.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(a));
                a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0 + 12)).reinterpretAsShorts();
                s = s.add(v0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(a));
                s1 = s1.add(u0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(a));
                a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0 + 28)).reinterpretAsShorts();
                t = t.add(v1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(a));
                t1 = t1.add(u1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(a));
            }
            FloatVector xs = FloatVector.broadcast(Vec.F, xScale[b]);
            int qs = qsum[b];
            IntVector si = s.add(t).reinterpretAsInts(), si1 = s1.add(t1).reinterpretAsInts();
            IntVector dot = si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16)).sub(qs);
            IntVector dot1 = si1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si1.lanewise(VectorOperators.ASHR, 16)).sub(qs);
            IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p, LE)
                    .convertShape(VectorOperators.S2I, I8, 0);
            IntVector h1 = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p + 16, LE)
                    .convertShape(VectorOperators.S2I, I8, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            FloatVector d1 = h1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            acc = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(xs, acc);
            acc1 = ((FloatVector) dot1.convert(VectorOperators.I2F, 0)).mul(d1).fma(xs, acc1);
        }
        acc.intoArray(out, o);
        acc1.intoArray(out, o + 8);
    }

    /**
     * {@link #pairDot} with 512-bit vectors ({@link Vec#WIDE}): the pair's V_m of both groups is one load (the
     * layout of {@link #pairByte}), so each operation covers 16 rows. The same operations per row as with 256
     * bits, which Zen 4 runs at the same rate, but half the instructions: the out-of-order window spans twice
     * the weight bytes. llama-1b Q4_0 1-thread decode 6-18% faster than with pairDot (alternating runs;
     * BENCHMARKS.md, twelfth session).
     */
    static void pairDotWide(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        int[] qsum = x.qsum;
        float[] xScale = x.scale;
        FloatVector acc = FloatVector.zero(F16);
        for (int b = 0; b < blocks; b++) {
            long p = base + (long) b * 2 * GROUP_BLOCK_BYTES;
            long a = 64L * b;
            IntVector v0 = IntVector.fromMemorySegment(I16, w, p + 32, LE), v1 = IntVector.fromMemorySegment(I16, w, p + 96, LE);
            IntVector v2 = IntVector.fromMemorySegment(I16, w, p + 160, LE), v3 = IntVector.fromMemorySegment(I16, w, p + 224, LE);
            ShortVector s = v0.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a)).reinterpretAsShorts());
            ShortVector t = v1.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts());
            s = s.add(v0.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts()));
            t = t.add(v1.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()));
            s = s.add(v0.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts()));
            t = t.add(v1.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts()));
            s = s.add(v0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()));
            t = t.add(v1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()));
            s = s.add(v2.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 32)).reinterpretAsShorts()));
            t = t.add(v3.and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 48)).reinterpretAsShorts()));
            s = s.add(v2.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 36)).reinterpretAsShorts()));
            t = t.add(v3.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 52)).reinterpretAsShorts()));
            s = s.add(v2.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 40)).reinterpretAsShorts()));
            t = t.add(v3.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 56)).reinterpretAsShorts()));
            s = s.add(v2.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 44)).reinterpretAsShorts()));
            t = t.add(v3.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 60)).reinterpretAsShorts()));
            IntVector si = s.add(t).reinterpretAsInts();
            IntVector dot = si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16)).sub(qsum[b]);
            IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, w, p, LE)
                    .convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            acc = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).fma(FloatVector.broadcast(F16, xScale[b]), acc);
        }
        acc.intoArray(out, o);
    }
}
