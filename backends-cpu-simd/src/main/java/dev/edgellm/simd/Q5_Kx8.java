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
 * Q5_K repacked for decode ({@link Interleaved8}): {@link Q4_Kx8}'s layout with a fifth-bit plane per sub-block, as
 * {@link Q5_0x8} has per block. Per group of 8 rows and 256-element super-block, 1440 bytes (2.3% more than the
 * source's 1408: scales and mins unpacked to bytes): the 8 rows' f16 d, their f16 dmin, then per 32-element
 * sub-block a 176-byte record = 8 scale bytes, 8 min bytes, H, V0..V3. Int lane r of H holds row r's fifth bits:
 * bit 4m + j = column 8m + j and bit 16 + 4m + j = column 8m + 4 + j (j < 4). A 5-bit quant times an 8-bit
 * activation is below 31 · 127, so a sub-block is summed in two halves of 8 products per short lane, then
 * d·sc·dx·Σ qx - dmin·m·dx·Σx in floats as Q4_K.
 */
final class Q5_Kx8 extends Interleaved8 {
    static final Q5_Kx8 FORMAT = new Q5_Kx8();
    private static final int SUB = 176, HEAD = 32;
    static final int GROUP_BLOCK_BYTES = HEAD + 8 * SUB;
    private static final int SRC_BLOCK_BYTES = 176;
    /** Offsets within a sub-block record of the fifth-bit plane and of V0 (V_m 32 bytes apart). */
    private static final int H = 16, V0 = 48;
    private static final int NIB5 = 0x001F001F;
    /** {@link Q5_0x8#BIT4} at 512 bits: bit 4 of each short lane, where the fifth bit is blended in. */
    private static final IntVector BIT4_WIDE = IntVector.broadcast(I16, 0x00100010);

    private Q5_Kx8() {}

    @Override int blockElements() { return 256; }

    @Override int sourceBlockBytes() { return SRC_BLOCK_BYTES; }

    @Override int groupBlockBytes() { return GROUP_BLOCK_BYTES; }

    /**
     * ggml's order (dequantize_row_q5_K): sub-block s takes the low (even s) or high nibbles of qs[32 (s/2) + l]
     * and, as bit 4, bit s of qh[l], l < 32; {@code Long.compress} (PEXT) gathers 8 columns at a time.
     */
    @Override
    void packBlock(byte[] in, byte[] out) {
        for (int r = 0; r < ROWS; r++) {
            int src = r * SRC_BLOCK_BYTES;
            out[2 * r] = in[src];
            out[2 * r + 1] = in[src + 1];
            out[16 + 2 * r] = in[src + 2];
            out[16 + 2 * r + 1] = in[src + 3];
            for (int s = 0; s < 8; s++) {
                int rec = HEAD + SUB * s, scMin = Q4_Kx8.scaleMin(in, src + 4, s), fifth = 0;
                out[rec + r] = (byte) (scMin & 0xFF);
                out[rec + 8 + r] = (byte) (scMin >>> 8);
                for (int m = 0; m < 4; m++) {
                    putInt(out, rec + V0 + 32 * m + 4 * r, nibbleLane(in, src + 48 + 32 * (s >>> 1) + 8 * m, (s & 1) == 1));
                    int c = (int) Long.compress((long) LONG_LE.get(in, src + 16 + 8 * m), 0x0101010101010101L << s);
                    fifth |= (c & 0xF) << 4 * m | (c >>> 4) << 16 + 4 * m;
                }
                putInt(out, rec + H + 4 * r, fifth);
            }
        }
    }

    @Override
    boolean pairs() { return PAIRS && Vec.WIDE; }

    @Override
    boolean widePairKernel() { return true; }

    /** d of both groups, dmin of both, then per sub-block their scales, mins, H, V0, ..., V3 ({@link #kQuantPairByte}). */
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
        long h0 = byteOffset(g, 0, groups, blocks, HEAD + H + 4 * r) - base;
        long subStep = byteOffset(g, 0, groups, blocks, HEAD + SUB + r) - base - sc0;
        long slotStep = byteOffset(g, 0, groups, blocks, HEAD + V0 + 4 * r) - base - h0; // H, V0, ..., V3
        for (int b = 0; b < blocks; b++) {
            long p = base + b * stride;
            float d = Vec.f16(w, p + d0), dmin = Vec.f16(w, p + m0);
            for (int s = 0; s < 8; s++) {
                long q = p + subStep * s;
                float d1 = d * Vec.u8(w, q + sc0), m1 = dmin * Vec.u8(w, q + mn0);
                int fifth = w.get(Vec.INT, q + h0);
                if (Vec.L == 4) { // the 8-lane steps below (256 bits) lane by lane
                    for (int m = 0; m < 4; m++) {
                        int lane = w.get(Vec.INT, q + h0 + slotStep * (m + 1));
                        for (int k = 0; k < 8; k++) out[off + 256 * b + 32 * s + 8 * m + k] = Q5_0x8.quant5(lane, fifth, m, k) * d1 - m1;
                    }
                    continue;
                }
                for (int m = 0; m < 4; m++) { // d1 · q - m1 in two roundings, as the reference's
                    IntVector bit4 = IntVector.broadcast(I8, fifth >>> 4 * m).lanewise(VectorOperators.LSHR, Q5_0x8.FIFTH_BIT_SHIFTS)
                            .and(1).lanewise(VectorOperators.LSHL, 4);
                    ((FloatVector) laneNibbles(w, q + h0 + slotStep * (m + 1)).or(bit4).convert(VectorOperators.I2F, 0))
                            .mul(d1).sub(m1).intoArray(out, off + 256 * b + 32 * s + 8 * m);
                }
            }
        }
    }

    private static final VectorSpecies<Integer> I4 = IntVector.SPECIES_128;
    private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;
    private static final IntVector BIT4_128 = IntVector.broadcast(I4, 0x00100010);

    /**
     * {@link #dotGroup} with 128-bit vectors (NEON; {@link Vec#L} = 4): each half of the group's rows through its steps
     * (int lanes 4rh .. of H and V0..V3; scales, mins, d and dmin of rows 4rh ..), so the same floats to the bit.
     * Written out as that kernel is.
     */
    static void dot128(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        float[] xScale = x.scale, xSum = x.sum;
        for (int rh = 0; rh < 2; rh++) {
            FloatVector acc = FloatVector.zero(F4), accD = acc, accM = acc;
            IntVector pending = IntVector.zero(I4);
            for (int i = 0, halves = 16 * blocks; i < halves; i++) {
                long p = base + (long) (i >>> 4) * GROUP_BLOCK_BYTES;
                long q = p + HEAD + (long) SUB * ((i >>> 1) & 7);
                long a = 32L * i;
                IntVector hb = IntVector.fromMemorySegment(I4, w, q + H + 16L * rh, LE).lanewise(VectorOperators.LSHR, 8 * (i & 1));
                IntVector v0 = IntVector.fromMemorySegment(I4, w, q + V0 + 64L * (i & 1) + 16L * rh, LE);
                IntVector v1 = IntVector.fromMemorySegment(I4, w, q + V0 + 32 + 64L * (i & 1) + 16L * rh, LE);
                ShortVector s = v0.lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 4), BIT4_128).and(NIB5).reinterpretAsShorts()
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a)).reinterpretAsShorts());
                ShortVector t = v1.lanewise(VectorOperators.BITWISE_BLEND, hb, BIT4_128).and(NIB5).reinterpretAsShorts()
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts());
                s = s.add(v0.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 3), BIT4_128).and(NIB5).reinterpretAsShorts()
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts()));
                t = t.add(v1.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 1), BIT4_128).and(NIB5).reinterpretAsShorts()
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()));
                s = s.add(v0.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 2), BIT4_128).and(NIB5).reinterpretAsShorts()
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts()));
                t = t.add(v1.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 2), BIT4_128).and(NIB5).reinterpretAsShorts()
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts()));
                s = s.add(v0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).reinterpretAsInts().lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 1), BIT4_128).reinterpretAsShorts()
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()));
                t = t.add(v1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).reinterpretAsInts().lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 3), BIT4_128).reinterpretAsShorts()
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()));
                IntVector si = s.add(t).reinterpretAsInts();
                pending = pending.add(si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(si.lanewise(VectorOperators.ASHR, 16)));
                if ((i & 1) == 0) continue;
                int xb = i >>> 1;
                IntVector dot = pending;
                pending = IntVector.zero(I4);
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

    /** One group of 8 rows at 256 bits (CPUs without AVX-512, and a pair's odd last group); at 128 bits {@link #dot128}. */
    @Override
    void dotGroup(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        if (Vec.L == 4) {
            dot128(w, base, blocks, x, out, o);
            return;
        }
        MemorySegment pairs = x.pairMemory;
        float[] xScale = x.scale, xSum = x.sum;
        FloatVector acc = FloatVector.zero(Vec.F), accD = acc, accM = acc;
        IntVector pending = IntVector.zero(I8);
        // pairDotWide's loop and steps at half the width, so that a pair's rows come out identical
        for (int i = 0, halves = 16 * blocks; i < halves; i++) {
            long p = base + (long) (i >>> 4) * GROUP_BLOCK_BYTES;
            long q = p + HEAD + (long) SUB * ((i >>> 1) & 7);
            long a = 32L * i; // linear in i (C2 still checks each broadcast in the loop: BENCHMARKS.md, 24th session)
            // the fifth bits of V2/V3's columns sit 8 bits above those of V0/V1's
            IntVector hb = IntVector.fromMemorySegment(I8, w, q + H, LE).lanewise(VectorOperators.LSHR, 8 * (i & 1));
            IntVector v0 = IntVector.fromMemorySegment(I8, w, q + V0 + 64L * (i & 1), LE);
            IntVector v1 = IntVector.fromMemorySegment(I8, w, q + V0 + 32 + 64L * (i & 1), LE);
            ShortVector s = v0.lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 4), Q5_0x8.BIT4).and(NIB5).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a)).reinterpretAsShorts());
            ShortVector t = v1.lanewise(VectorOperators.BITWISE_BLEND, hb, Q5_0x8.BIT4).and(NIB5).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts());
            s = s.add(v0.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 3), Q5_0x8.BIT4).and(NIB5).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts()));
            t = t.add(v1.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 1), Q5_0x8.BIT4).and(NIB5).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()));
            s = s.add(v0.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 2), Q5_0x8.BIT4).and(NIB5).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts()));
            t = t.add(v1.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 2), Q5_0x8.BIT4).and(NIB5).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts()));
            s = s.add(v0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).reinterpretAsInts().lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 1), Q5_0x8.BIT4).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()));
            t = t.add(v1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).reinterpretAsInts().lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 3), Q5_0x8.BIT4).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()));
            IntVector si = s.add(t).reinterpretAsInts();
            // a vector carried to the next half is added to, never assigned: assigned, C2 boxed it (Q6_Kx8)
            pending = pending.add(si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16)));
            if ((i & 1) == 0) continue;
            // the sub-block's products into floats
            int xb = i >>> 1;
            IntVector dot = pending;
            pending = IntVector.zero(I8);
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
            acc = acc.add(accD.mul(d)).sub(accM.mul(dmin)); // no fma on merged vectors: Q4_Kx8
            accD = FloatVector.zero(Vec.F);
            accM = accD;
        }
        acc.intoArray(out, o);
    }

    @Override
    void dotSpan(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        pairDotWide(w, base, blocks, x, out, o);
    }


    /** {@link #dotGroup} for a pair ({@link #pairByte}) with 512-bit vectors: 16 rows per operation. */
    static void pairDotWide(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        float[] xScale = x.scale, xSum = x.sum;
        FloatVector acc = FloatVector.zero(F16), accD = acc, accM = acc;
        IntVector pending = IntVector.zero(I16);
        // One flat loop over half sub-blocks, as Q4_Kx8.pairDotWide (why there); a half's 8 products per lane are as
        // many as a short holds (31 · 127 · 8 < 2^15), so each half is widened on its own
        for (int i = 0, halves = 16 * blocks; i < halves; i++) {
            long p = base + (long) (i >>> 4) * 2 * GROUP_BLOCK_BYTES;
            long q = p + 2 * HEAD + 2L * SUB * ((i >>> 1) & 7);
            long a = 32L * i; // linear in i (C2 still checks each broadcast in the loop: BENCHMARKS.md, 24th session)
            // the fifth bits of V2/V3's columns sit 8 bits above those of V0/V1's
            IntVector hb = IntVector.fromMemorySegment(I16, w, q + 32, LE).lanewise(VectorOperators.LSHR, 8 * (i & 1));
            IntVector v0 = IntVector.fromMemorySegment(I16, w, q + 96 + 128L * (i & 1), LE);
            IntVector v1 = IntVector.fromMemorySegment(I16, w, q + 160 + 128L * (i & 1), LE);
            ShortVector s = v0.lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 4), BIT4_WIDE).and(NIB5).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a)).reinterpretAsShorts());
            ShortVector t = v1.lanewise(VectorOperators.BITWISE_BLEND, hb, BIT4_WIDE).and(NIB5).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts());
            s = s.add(v0.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 3), BIT4_WIDE).and(NIB5).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts()));
            t = t.add(v1.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 1), BIT4_WIDE).and(NIB5).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()));
            s = s.add(v0.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 2), BIT4_WIDE).and(NIB5).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts()));
            t = t.add(v1.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 2), BIT4_WIDE).and(NIB5).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts()));
            s = s.add(v0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).reinterpretAsInts().lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHL, 1), BIT4_WIDE).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()));
            t = t.add(v1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 12).reinterpretAsInts().lanewise(VectorOperators.BITWISE_BLEND, hb.lanewise(VectorOperators.LSHR, 3), BIT4_WIDE).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()));
            IntVector si = s.add(t).reinterpretAsInts();
            // a vector carried to the next half is added to, never assigned: assigned, C2 boxed it (Q6_Kx8)
            pending = pending.add(si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16)));
            if ((i & 1) == 0) continue;
            // the sub-block's products into floats
            int xb = i >>> 1;
            IntVector dot = pending;
            pending = IntVector.zero(I16);
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
            acc = acc.add(accD.mul(d)).sub(accM.mul(dmin)); // no fma on merged vectors: Q4_Kx8
            accD = FloatVector.zero(F16);
            accM = accD;
        }
        acc.intoArray(out, o);
    }
}
