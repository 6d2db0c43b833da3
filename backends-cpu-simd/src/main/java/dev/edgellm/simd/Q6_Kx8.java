package dev.edgellm.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.edgellm.simd.Vec.F16;
import static dev.edgellm.simd.Vec.F16_EXP;
import static dev.edgellm.simd.Vec.F16_MAG;
import static dev.edgellm.simd.Vec.I16;
import static dev.edgellm.simd.Vec.I8;
import static dev.edgellm.simd.Vec.LE;

/**
 * Q6_K repacked for decode ({@link Interleaved8}), per group of 8 rows and 256-element super-block, 1680 bytes (the
 * source's size): the 8 rows' f16 d, then per 32-element sub-block s a 208-byte record = the 8 rows' int8 scales of
 * its first 16 elements, those of its second 16, then V0, V1, H0, V2, V3, H1. V_m holds the low nibbles as in every
 * 4-bit format; H_h the top two bits of the 16 columns of V_{2h} and V_{2h+1}: in row r's int lane, column
 * 16h + 8d + j (j < 4) at bits 2(4d + j) and column 16h + 8d + 4 + j at bits 16 + 2(4d + j), so that one shift
 * and mask put them at bits 4-5 of the short lanes the nibbles occupy.
 *
 * <p>The quants are multiplied unsigned (q6 = q + 32, 0..63) with the 8-bit activations in 16-bit lanes. Eight such
 * products overflow a short, but the sum wanted, Σ (q6 - 32) · x over a lane's 8 columns, lies within ±32512: each
 * lane starts at -32 · Σ x of its columns ({@link QuantizedInput#sixBitOffset}) and sums modulo 2^16, which ends
 * on the exact value. Per half sub-block the two lanes of a row add to an int; times the row's scale, the two
 * halves' sum stays below 2^24 and so converts to float exactly: d · dx · Σ sc · Σ (q6 - 32) · x.
 */
final class Q6_Kx8 extends Interleaved8 {
    static final Q6_Kx8 FORMAT = new Q6_Kx8();
    private static final int SUB = 208, HEAD = 16;
    static final int GROUP_BLOCK_BYTES = HEAD + 8 * SUB;
    private static final int SRC_BLOCK_BYTES = 210;
    /** Offsets within a sub-block record of V0..V3 and of H0, H1. */
    private static final int V0 = 16, V1 = 48, H0 = 80, V2 = 112, V3 = 144, H1 = 176;
    private static final int NIB = 0x000F000F, HI = 0x00300030;
    /**
     * For V_{2h}: the shifts that put column 8m + k's top bits (of H_h's lane) at the bottom of int lane k; for
     * V_{2h+1} the same after shifting the lane right by 8.
     */
    private static final IntVector HIGH_SHIFTS = IntVector.fromArray(I8, new int[] {0, 2, 4, 6, 16, 18, 20, 22}, 0);

    private Q6_Kx8() {}

    @Override int blockElements() { return 256; }

    @Override int sourceBlockBytes() { return SRC_BLOCK_BYTES; }

    @Override int groupBlockBytes() { return GROUP_BLOCK_BYTES; }

    /**
     * ggml's order (dequantize_row_q6_K): in half h, element 32k + l takes a nibble of ql[64h + l + 32(k&1)] (the
     * low one for k < 2) and bits 2k..2k+1 of qh[32h + l]; so sub-block s = 4h + k is a run of 32 bytes of each,
     * and {@code Long.compress} (PEXT) gathers 8 columns' bits at a time: repacking a model's Q6_K tensors (a third
     * of a Q4_K_M file) costs ~0.1 s instead of seconds of first-token latency.
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
                int lo = 0;
                for (int m = 0; m < 4; m++) {
                    putInt(out, rec + vOffset(m) + 4 * r, nibbleLane(in, src + 64 * h + 32 * (k & 1) + 8 * m, k >= 2));
                    // the 8 columns' top bits, column j at bits 2j; columns j < 4 go to the lane's low half
                    int c = (int) Long.compress((long) LONG_LE.get(in, src + 128 + 32 * h + 8 * m), 0x0303030303030303L << 2 * k);
                    int d = 8 * (m & 1), hv = (c & 0xFF) << d | (c >>> 8) << 16 + d;
                    if ((m & 1) == 0) lo = hv;
                    else putInt(out, rec + (m < 2 ? H0 : H1) + 4 * r, lo | hv);
                }
            }
        }
    }

    /** V_m's offset in a record: its 32-byte slots are V0, V1, H0, V2, V3, H1, so V_m is slot m + m/2. */
    private static int vOffset(int m) {
        return V0 + 32 * (m + (m >>> 1));
    }

    /**
     * Pairs only with 512-bit vectors ({@link Vec#WIDE}), as {@link Q4_Kx8}: there is no 256-bit pair kernel.
     */
    @Override
    boolean pairs() { return PAIRS && Vec.WIDE; }

    @Override
    boolean widePairKernel() { return true; }

    /** d of both groups, then per sub-block their scales, V0, V1, H0, V2, V3, H1 ({@link #kQuantPairByte}). */
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
        long slot0 = byteOffset(g, 0, groups, blocks, HEAD + V0 + 4 * r) - base; // the record's 32-byte vectors
        long subStep = byteOffset(g, 0, groups, blocks, HEAD + SUB + r) - base - sc0;
        long slotStep = byteOffset(g, 0, groups, blocks, HEAD + V1 + 4 * r) - base - slot0;
        for (int b = 0; b < blocks; b++) {
            long p = base + b * stride;
            float d = Vec.f16(w, p + d0);
            for (int s = 0; s < 8; s++) {
                long q = p + subStep * s;
                for (int m = 0; m < 4; m++) { // (d · sc) · (q6 - 32), as the reference
                    float ds = d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, q + (m < 2 ? sc0 : sc1));
                    long v = q + slot0 + slotStep * (m + (m >>> 1)), h = q + slot0 + slotStep * (m < 2 ? 2 : 5);
                    IntVector high = IntVector.broadcast(I8, w.get(Vec.INT, h) >>> 8 * (m & 1))
                            .lanewise(VectorOperators.LSHR, HIGH_SHIFTS).and(3);
                    ((FloatVector) laneNibbles(w, v).or(high.lanewise(VectorOperators.LSHL, 4))
                            .sub(32).convert(VectorOperators.I2F, 0))
                            .mul(ds).intoArray(out, off + 256 * b + 32 * s + 8 * m);
                }
            }
        }
    }

    @Override
    void dotPair(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
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
        // One flat loop over half sub-blocks (V0, V1, H0, then V2, V3, H1: each with its own scales), as
        // Q4_Kx8.pairDotWide (why there)
        for (int i = 0, halves = 16 * blocks; i < halves; i++) {
            long p = base + (long) (i >>> 4) * 2 * GROUP_BLOCK_BYTES;
            long q = p + 2 * HEAD + 2L * SUB * ((i >>> 1) & 7);
            long hq = q + 192L * (i & 1);
            long a = 32L * i; // linear in i: C2 hoists the bounds checks of the broadcasts
            IntVector v0 = IntVector.fromMemorySegment(I16, w, hq + 32, LE), v1 = IntVector.fromMemorySegment(I16, w, hq + 96, LE);
            IntVector h = IntVector.fromMemorySegment(I16, w, hq + 160, LE);
            ShortVector s = IntVector.broadcast(I16, offsets[i]).reinterpretAsShorts();
            s = s.add(v0.and(NIB).or(h.lanewise(VectorOperators.LSHL, 4).and(HI)).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a)).reinterpretAsShorts()));
            ShortVector t = v1.and(NIB).or(h.lanewise(VectorOperators.LSHR, 4).and(HI)).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts());
            s = s.add(v0.lanewise(VectorOperators.LSHR, 4).and(NIB).or(h.lanewise(VectorOperators.LSHL, 2).and(HI)).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts()));
            t = t.add(v1.lanewise(VectorOperators.LSHR, 4).and(NIB).or(h.lanewise(VectorOperators.LSHR, 6).and(HI)).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()));
            s = s.add(v0.lanewise(VectorOperators.LSHR, 8).and(NIB).or(h.and(HI)).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts()));
            t = t.add(v1.lanewise(VectorOperators.LSHR, 8).and(NIB).or(h.lanewise(VectorOperators.LSHR, 8).and(HI)).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts()));
            s = s.add(v0.lanewise(VectorOperators.LSHR, 12).and(NIB).or(h.lanewise(VectorOperators.LSHR, 2).and(HI)).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()));
            t = t.add(v1.lanewise(VectorOperators.LSHR, 12).and(NIB).or(h.lanewise(VectorOperators.LSHR, 10).and(HI)).reinterpretAsShorts()
                    .mul(IntVector.broadcast(I16, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()));
            IntVector si = s.add(t).reinterpretAsInts();
            IntVector dot = si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16));
            IntVector sc = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, q + 16L * (i & 1), LE)
                    .convertShape(VectorOperators.B2I, I16, 0);
            accD = accD.add(((FloatVector) dot.mul(sc).convert(VectorOperators.I2F, 0)).mul(xScale[i >>> 1]));
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

    @Override
    void dotGroup(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        int[] pairs = x.pairs, offsets = x.sixBitOffset;
        FloatVector acc = FloatVector.zero(Vec.F);
        // Unrolled by hand with no method of ours in the body, as Q4_0x8 (C2's inlining cutoff).
        for (int b = 0; b < blocks; b++) {
            long p = base + (long) b * GROUP_BLOCK_BYTES;
            FloatVector accD = FloatVector.zero(Vec.F);
            for (int sb = 0; sb < 8; sb++) {
                long q = p + HEAD + (long) SUB * sb;
                int xb = 8 * b + sb;
                IntVector lo = IntVector.fromArray(I8, pairs, 16 * xb), hi = IntVector.fromArray(I8, pairs, 16 * xb + 8);
                IntVector v = IntVector.fromMemorySegment(I8, w, q + V0, LE), h = IntVector.fromMemorySegment(I8, w, q + H0, LE);
                ShortVector s = IntVector.broadcast(I8, offsets[2 * xb]).reinterpretAsShorts();
                s = s.add(v.and(NIB).or(h.lanewise(VectorOperators.LSHL, 4).and(HI)).reinterpretAsShorts()
                        .mul(lo.rearrange(QuantizedInput.PAIR0).reinterpretAsShorts()));
                s = s.add(v.lanewise(VectorOperators.LSHR, 4).and(NIB).or(h.lanewise(VectorOperators.LSHL, 2).and(HI)).reinterpretAsShorts()
                        .mul(lo.rearrange(QuantizedInput.PAIR1).reinterpretAsShorts()));
                s = s.add(v.lanewise(VectorOperators.LSHR, 8).and(NIB).or(h.and(HI)).reinterpretAsShorts()
                        .mul(lo.rearrange(QuantizedInput.PAIR2).reinterpretAsShorts()));
                s = s.add(v.lanewise(VectorOperators.LSHR, 12).and(NIB).or(h.lanewise(VectorOperators.LSHR, 2).and(HI)).reinterpretAsShorts()
                        .mul(lo.rearrange(QuantizedInput.PAIR3).reinterpretAsShorts()));
                v = IntVector.fromMemorySegment(I8, w, q + V1, LE);
                s = s.add(v.and(NIB).or(h.lanewise(VectorOperators.LSHR, 4).and(HI)).reinterpretAsShorts()
                        .mul(lo.rearrange(QuantizedInput.PAIR4).reinterpretAsShorts()));
                s = s.add(v.lanewise(VectorOperators.LSHR, 4).and(NIB).or(h.lanewise(VectorOperators.LSHR, 6).and(HI)).reinterpretAsShorts()
                        .mul(lo.rearrange(QuantizedInput.PAIR5).reinterpretAsShorts()));
                s = s.add(v.lanewise(VectorOperators.LSHR, 8).and(NIB).or(h.lanewise(VectorOperators.LSHR, 8).and(HI)).reinterpretAsShorts()
                        .mul(lo.rearrange(QuantizedInput.PAIR6).reinterpretAsShorts()));
                s = s.add(v.lanewise(VectorOperators.LSHR, 12).and(NIB).or(h.lanewise(VectorOperators.LSHR, 10).and(HI)).reinterpretAsShorts()
                        .mul(lo.rearrange(QuantizedInput.PAIR7).reinterpretAsShorts()));
                IntVector si = s.reinterpretAsInts();
                IntVector dot0 = si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(si.lanewise(VectorOperators.ASHR, 16));
                v = IntVector.fromMemorySegment(I8, w, q + V2, LE);
                h = IntVector.fromMemorySegment(I8, w, q + H1, LE);
                s = IntVector.broadcast(I8, offsets[2 * xb + 1]).reinterpretAsShorts();
                s = s.add(v.and(NIB).or(h.lanewise(VectorOperators.LSHL, 4).and(HI)).reinterpretAsShorts()
                        .mul(hi.rearrange(QuantizedInput.PAIR0).reinterpretAsShorts()));
                s = s.add(v.lanewise(VectorOperators.LSHR, 4).and(NIB).or(h.lanewise(VectorOperators.LSHL, 2).and(HI)).reinterpretAsShorts()
                        .mul(hi.rearrange(QuantizedInput.PAIR1).reinterpretAsShorts()));
                s = s.add(v.lanewise(VectorOperators.LSHR, 8).and(NIB).or(h.and(HI)).reinterpretAsShorts()
                        .mul(hi.rearrange(QuantizedInput.PAIR2).reinterpretAsShorts()));
                s = s.add(v.lanewise(VectorOperators.LSHR, 12).and(NIB).or(h.lanewise(VectorOperators.LSHR, 2).and(HI)).reinterpretAsShorts()
                        .mul(hi.rearrange(QuantizedInput.PAIR3).reinterpretAsShorts()));
                v = IntVector.fromMemorySegment(I8, w, q + V3, LE);
                s = s.add(v.and(NIB).or(h.lanewise(VectorOperators.LSHR, 4).and(HI)).reinterpretAsShorts()
                        .mul(hi.rearrange(QuantizedInput.PAIR4).reinterpretAsShorts()));
                s = s.add(v.lanewise(VectorOperators.LSHR, 4).and(NIB).or(h.lanewise(VectorOperators.LSHR, 6).and(HI)).reinterpretAsShorts()
                        .mul(hi.rearrange(QuantizedInput.PAIR5).reinterpretAsShorts()));
                s = s.add(v.lanewise(VectorOperators.LSHR, 8).and(NIB).or(h.lanewise(VectorOperators.LSHR, 8).and(HI)).reinterpretAsShorts()
                        .mul(hi.rearrange(QuantizedInput.PAIR6).reinterpretAsShorts()));
                s = s.add(v.lanewise(VectorOperators.LSHR, 12).and(NIB).or(h.lanewise(VectorOperators.LSHR, 10).and(HI)).reinterpretAsShorts()
                        .mul(hi.rearrange(QuantizedInput.PAIR7).reinterpretAsShorts()));
                si = s.reinterpretAsInts();
                IntVector dot1 = si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(si.lanewise(VectorOperators.ASHR, 16));
                IntVector sc0 = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, w, q, LE)
                        .convertShape(VectorOperators.B2I, I8, 0);
                IntVector sc1 = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, w, q + 8, LE)
                        .convertShape(VectorOperators.B2I, I8, 0);
                // per half and in pairDotWide's order, so that a pair's rows come out identical
                accD = accD.add(((FloatVector) dot0.mul(sc0).convert(VectorOperators.I2F, 0)).mul(x.scale[xb]));
                accD = accD.add(((FloatVector) dot1.mul(sc1).convert(VectorOperators.I2F, 0)).mul(x.scale[xb]));
            }
            IntVector hd = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p, LE)
                    .convertShape(VectorOperators.S2I, I8, 0);
            FloatVector d = hd.and(F16_MAG).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                    .reinterpretAsInts()
                    .or(hd.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .lanewise(VectorOperators.OR, 0x7F800000, hd.and(F16_EXP).compare(VectorOperators.EQ, F16_EXP))
                    .reinterpretAsFloats();
            acc = acc.add(accD.mul(d));
        }
        acc.intoArray(out, o);
    }
}
