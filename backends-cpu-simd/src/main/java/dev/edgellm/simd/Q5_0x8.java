package dev.edgellm.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.edgellm.simd.Vec.I8;
import static dev.edgellm.simd.Vec.LE;

/**
 * Q5_0 repacked for decode ({@link Interleaved8}): per group of 8 rows and block, 176 bytes (the source's size)
 * = the 8 rows' f16 scales, a 32-byte fifth-bit plane H, then the nibble vectors V0..V3. Int lane r of H holds
 * row r's fifth bits in nibble order: bit k = column 8m+j and bit 16+k = column 8m+4+j for k = 4m+j, so one
 * shift and one mask put both at bit 4 of their short lane, next to the nibble. A 5-bit quant times an 8-bit
 * activation is below 31 · 127, so eight products fit a short lane: the block is summed in two halves of 16
 * bits, widened once each. The -16 offset is folded out as -16 · Σq(block).
 */
final class Q5_0x8 extends Interleaved8 {
    static final Q5_0x8 FORMAT = new Q5_0x8();
    static final int GROUP_BLOCK_BYTES = 16 + 32 + 128;
    private static final int SRC_BLOCK_BYTES = 22;
    private static final int NIB = 0x000F000F;
    /**
     * A quant's bit 4 comes from H, bits 0-3 from V_m: one bitwise blend (AVX-512: one vpternlogd) and one mask
     * (NIB5) per pair instead of two masks and an or; bit for bit the same, 5% faster per block (3% on AVX2;
     * BENCHMARKS.md, 2026-12-04 ninth session).
     */
    static final IntVector BIT4 = IntVector.broadcast(Vec.I8, 0x00100010);
    private static final int NIB5 = 0x001F001F;

    private Q5_0x8() {}

    @Override int sourceBlockBytes() { return SRC_BLOCK_BYTES; }

    @Override int groupBlockBytes() { return GROUP_BLOCK_BYTES; }

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

    @Override
    void dequantizeRow(MemorySegment w, int row, int groups, int blocks, float[] out, int off) {
        int g = row / ROWS, r = row % ROWS;
        long scale = byteOffset(g, 0, groups, blocks, 2 * r), fifth = byteOffset(g, 0, groups, blocks, 16 + 4 * r);
        long v0 = byteOffset(g, 0, groups, blocks, 48 + 4 * r), stride = blockStride(g, groups);
        long step = byteOffset(g, 0, groups, blocks, 80) - byteOffset(g, 0, groups, blocks, 48);
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
        int g = row / ROWS, r = row % ROWS;
        long scale = byteOffset(g, 0, groups, blocks, 2 * r), fifth = byteOffset(g, 0, groups, blocks, 16 + 4 * r);
        long v0 = byteOffset(g, 0, groups, blocks, 48 + 4 * r), stride = blockStride(g, groups);
        long step = byteOffset(g, 0, groups, blocks, 80) - byteOffset(g, 0, groups, blocks, 48);
        for (int b = 0; b < blocks; b++) {
            float d = Vec.f16(w, scale + b * stride);
            if (!Float.isFinite(d)) { // the float row's path, which keeps NaNs
                dequantizeBlock(w, fifth + b * stride, v0 + b * stride, step, d, scratch, 0);
                PrefillGemm.toBf16(scratch, 0, dst, at + 64L * b, 32);
                continue;
            }
            IntVector h = IntVector.broadcast(I8, w.get(Vec.INT, fifth + b * stride));
            for (int m = 0; m < 4; m++) {
                IntVector bits = h.lanewise(VectorOperators.LSHR, FIFTH_BIT_SHIFTS.add(4 * m)).and(1);
                PrefillGemm.storeBf16NoNaN(((FloatVector) laneNibbles(w, v0 + b * stride + m * step)
                        .or(bits.lanewise(VectorOperators.LSHL, 4)).sub(16).convert(VectorOperators.I2F, 0)).mul(d),
                        dst, at + 64L * b + 16L * m);
            }
        }
    }

    @Override
    void dotGroup(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
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
    boolean pairs() { return PAIRS; }

    @Override
    boolean narrowPairKernel() { return true; }

    /**
     * {@link #dotGroup} for a pair ({@link Interleaved8#pairs}), the block's halves as a loop: names ending in 1
     * are group 2i+1's. A half's eight 5-bit products fill a short lane, so each half
     * is widened on its own, as in dotGroup.
     */
    @Override
    void dotSpan(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        FloatVector acc = FloatVector.zero(Vec.F), acc1 = FloatVector.zero(Vec.F);
        for (int b = 0; b < blocks; b++) {
            long p = base + (long) b * 2 * GROUP_BLOCK_BYTES, q = p + GROUP_BLOCK_BYTES;
            IntVector dot = IntVector.broadcast(I8, -2 * x.qsum[b]), dot1 = dot;
            for (int half = 0; half < 2; half++) {
                long x0 = 64L * b + 32L * half;
                // the fifth bits of this half's columns start at bit 8 · half of H
                IntVector hb = IntVector.fromMemorySegment(I8, w, p + 16, LE).lanewise(VectorOperators.LSHR, 8 * half);
                IntVector hb1 = IntVector.fromMemorySegment(I8, w, q + 16, LE).lanewise(VectorOperators.LSHR, 8 * half);
                long at = p + 64L * half, at1 = q + 64L * half;
                IntVector v0 = IntVector.fromMemorySegment(I8, w, at + 48, LE), y0 = IntVector.fromMemorySegment(I8, w, at1 + 48, LE);
                IntVector v1 = IntVector.fromMemorySegment(I8, w, at + 80, LE), y1 = IntVector.fromMemorySegment(I8, w, at1 + 80, LE);
                ShortVector a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0)).reinterpretAsShorts();
                ShortVector s = v0.lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 4), BIT4).and(NIB5).reinterpretAsShorts().mul(a);
                ShortVector s1 = y0.lanewise(VectorOperators.BITWISE_BLEND, hb1.lanewise(VectorOperators.LSHL, 4), BIT4).and(NIB5).reinterpretAsShorts().mul(a);
                a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0 + 4)).reinterpretAsShorts();
                s = s.add(v0.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 3), BIT4).and(NIB5).reinterpretAsShorts().mul(a));
                s1 = s1.add(y0.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.BITWISE_BLEND, hb1.lanewise(VectorOperators.LSHL, 3), BIT4).and(NIB5).reinterpretAsShorts().mul(a));
                a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0 + 8)).reinterpretAsShorts();
                s = s.add(v0.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 2), BIT4).and(NIB5).reinterpretAsShorts().mul(a));
                s1 = s1.add(y0.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.BITWISE_BLEND, hb1.lanewise(VectorOperators.LSHL, 2), BIT4).and(NIB5).reinterpretAsShorts().mul(a));
                a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0 + 12)).reinterpretAsShorts();
                s = s.add(v0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).reinterpretAsInts().lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 1), BIT4).reinterpretAsShorts().mul(a));
                s1 = s1.add(y0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).reinterpretAsInts().lanewise(VectorOperators.BITWISE_BLEND, hb1.lanewise(VectorOperators.LSHL, 1), BIT4).reinterpretAsShorts().mul(a));
                a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0 + 16)).reinterpretAsShorts();
                s = s.add(v1.lanewise(VectorOperators.BITWISE_BLEND, hb, BIT4).and(NIB5).reinterpretAsShorts().mul(a));
                s1 = s1.add(y1.lanewise(VectorOperators.BITWISE_BLEND, hb1, BIT4).and(NIB5).reinterpretAsShorts().mul(a));
                a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0 + 20)).reinterpretAsShorts();
                s = s.add(v1.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 1), BIT4).and(NIB5).reinterpretAsShorts().mul(a));
                s1 = s1.add(y1.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.BITWISE_BLEND, hb1.lanewise(VectorOperators.LSHR, 1), BIT4).and(NIB5).reinterpretAsShorts().mul(a));
                a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0 + 24)).reinterpretAsShorts();
                s = s.add(v1.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 2), BIT4).and(NIB5).reinterpretAsShorts().mul(a));
                s1 = s1.add(y1.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.BITWISE_BLEND, hb1.lanewise(VectorOperators.LSHR, 2), BIT4).and(NIB5).reinterpretAsShorts().mul(a));
                a = IntVector.broadcast(I8, pairs.get(Vec.INT, x0 + 28)).reinterpretAsShorts();
                s = s.add(v1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).reinterpretAsInts().lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 3), BIT4).reinterpretAsShorts().mul(a));
                s1 = s1.add(y1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).reinterpretAsInts().lanewise(VectorOperators.BITWISE_BLEND, hb1.lanewise(VectorOperators.LSHR, 3), BIT4).reinterpretAsShorts().mul(a));
                IntVector si = s.reinterpretAsInts(), si1 = s1.reinterpretAsInts();
                dot = dot.add(si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                        .add(si.lanewise(VectorOperators.ASHR, 16));
                dot1 = dot1.add(si1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                        .add(si1.lanewise(VectorOperators.ASHR, 16));
            }
            FloatVector xs = FloatVector.broadcast(Vec.F, x.scale[b]);
            IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p, LE)
                    .convertShape(VectorOperators.S2I, I8, 0);
            IntVector h1 = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, q, LE)
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
}
