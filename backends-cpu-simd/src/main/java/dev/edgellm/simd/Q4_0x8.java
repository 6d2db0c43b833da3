package dev.edgellm.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.edgellm.simd.Vec.I8;
import static dev.edgellm.simd.Vec.LE;

/**
 * Q4_0 weights repacked for decode, eight rows interleaved (the idea of llama.cpp's {@code block_q4_0x8}; this
 * layout is our own): for every group of 8 rows and every 32-column block, 144 bytes =
 * the 8 rows' f16 scales, then four 32-byte vectors V0..V3. In V_m, int lane r holds 8 nibbles of row r:
 * bits 4j..4j+3 = column 8m+j and bits 16+4j.. = column 8m+4+j (j < 4). So one shift and one mask give 16
 * short lanes = 8 rows × 2 columns, multiplied by a broadcast pair of 8-bit-quantized activations
 * ({@link QuantizedInput}) with 16-bit multiplies; 16 such products per lane stay below 2^15 (15 · 127 · 16),
 * so a whole block is summed in short lanes and widened once. That is ~2.5 vector ops per 8 weights, against
 * ~12 for the fused float kernel on the row-major layout (BENCHMARKS.md), which makes decode memory bound.
 *
 * <p>The -8 offset is folded out as -8 · Σq(block), the block scales multiply once per block. Rows past the
 * last full group stay with the row-major kernel.
 */
final class Q4_0x8 {
    static final int ROWS = 8;
    static final int GROUP_BLOCK_BYTES = 16 + 128;
    private static final int SRC_BLOCK_BYTES = 18;

    private Q4_0x8() {}

    /** Bytes of the repacked form of the first {@code 8 · groups} rows ({@code blocks} blocks per row). */
    static long packedBytes(int groups, int blocks) {
        return (long) groups * blocks * GROUP_BLOCK_BYTES;
    }

    /** Where a source row lives: its segment and byte offset. */
    interface Rows {
        MemorySegment segment(int row);

        long offset(int row);
    }

    /** Repacks groups {@code [g0, g1)} of a Q4_0 tensor ({@code blocks} blocks per row) into {@code dst}. */
    static void repack(Rows src, int g0, int g1, int blocks, MemorySegment dst) {
        byte[] in = new byte[SRC_BLOCK_BYTES * ROWS];
        byte[] out = new byte[GROUP_BLOCK_BYTES];
        for (int g = g0; g < g1; g++) {
            for (int b = 0; b < blocks; b++) {
                for (int r = 0; r < ROWS; r++) {
                    int row = ROWS * g + r;
                    MemorySegment.copy(src.segment(row), ValueLayout.JAVA_BYTE, src.offset(row) + (long) b * SRC_BLOCK_BYTES,
                            in, r * SRC_BLOCK_BYTES, SRC_BLOCK_BYTES);
                }
                packBlock(in, out);
                MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, ((long) g * blocks + b) * GROUP_BLOCK_BYTES,
                        GROUP_BLOCK_BYTES);
            }
        }
    }

    /** Row {@code row} (< 8 · groups) of the repacked tensor as floats, exactly as the Q4_0 reference dequantizes it. */
    static void dequantizeRow(MemorySegment w, int row, int blocks, float[] out, int off) {
        int r = row % ROWS;
        long base = (long) (row / ROWS) * blocks * GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long p = base + (long) b * GROUP_BLOCK_BYTES;
            float d = Vec.f16(w, p + 2L * r);
            int o = off + 32 * b;
            for (int m = 0; m < 4; m++) {
                int lane = w.get(Vec.INT, p + 16 + 32L * m + 4L * r);
                for (int j = 0; j < 4; j++) {
                    out[o + 8 * m + j] = (((lane >>> 4 * j) & 0xF) - 8) * d;
                    out[o + 8 * m + 4 + j] = (((lane >>> 16 + 4 * j) & 0xF) - 8) * d;
                }
            }
        }
    }

    /** 8 source blocks (18 bytes each, row order) into one 144-byte group block. */
    static void packBlock(byte[] in, byte[] out) {
        for (int r = 0; r < ROWS; r++) {
            out[2 * r] = in[r * SRC_BLOCK_BYTES];
            out[2 * r + 1] = in[r * SRC_BLOCK_BYTES + 1];
            for (int m = 0; m < 4; m++) {
                int lane = 0;
                for (int j = 0; j < 4; j++) {
                    lane |= nibble(in, r, 8 * m + j) << (4 * j);
                    lane |= nibble(in, r, 8 * m + 4 + j) << (16 + 4 * j);
                }
                int o = 16 + 32 * m + 4 * r;
                out[o] = (byte) lane;
                out[o + 1] = (byte) (lane >>> 8);
                out[o + 2] = (byte) (lane >>> 16);
                out[o + 3] = (byte) (lane >>> 24);
            }
        }
    }

    /** Unsigned 4-bit quant of column c (0..31) of source row r: low nibbles are columns 0-15, high 16-31. */
    private static int nibble(byte[] in, int r, int c) {
        int q = in[r * SRC_BLOCK_BYTES + 2 + (c & 15)] & 0xFF;
        return c < 16 ? q & 0xF : q >>> 4;
    }

    /** f16 → f32 in the loop: magnitude bits moved into a float and rescaled by 2^112 (exact, subnormals too). */
    private static final int F16_MAG = 0x7FFF, F16_EXP = 0x7C00;
    private static final jdk.incubator.vector.VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    /** Nibble j of both 16-bit halves after an int shift by 4j (int shifts take an immediate; short ones did not). */
    private static final int NIB = 0x000F000F;

    /**
     * out[o .. o+8) = the 8 rows of the group at byte {@code base} dotted with the quantized input
     * ({@code blocks} blocks per row).
     */
    static void dotGroup(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        short[] pairs = x.pairs;
        FloatVector acc = FloatVector.zero(Vec.F);
        // Unrolled by hand, with no method of ours in the body: C2 stops inlining non-@ForceInline methods past
        // ~18k parse nodes, which a Vector API body this size reaches (the API's own methods are force-inlined);
        // and offsets linear in b let C2 hoist the segment bounds checks out of the loop.
        for (int b = 0; b < blocks; b++) {
            long p = base + (long) b * GROUP_BLOCK_BYTES;
            int xp = 256 * b; // pair 16b + k starts at short 16 · (16b + k)
            IntVector v0 = IntVector.fromMemorySegment(I8, w, p + 16, LE);
            ShortVector s = v0.and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp));
            s = s.add(v0.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp + 16)));
            s = s.add(v0.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp + 32)));
            s = s.add(v0.lanewise(VectorOperators.LSHR, 12).and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp + 48)));
            IntVector v1 = IntVector.fromMemorySegment(I8, w, p + 48, LE);
            s = s.add(v1.and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp + 64)));
            s = s.add(v1.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp + 80)));
            s = s.add(v1.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp + 96)));
            s = s.add(v1.lanewise(VectorOperators.LSHR, 12).and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp + 112)));
            IntVector v2 = IntVector.fromMemorySegment(I8, w, p + 80, LE);
            s = s.add(v2.and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp + 128)));
            s = s.add(v2.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp + 144)));
            s = s.add(v2.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp + 160)));
            s = s.add(v2.lanewise(VectorOperators.LSHR, 12).and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp + 176)));
            IntVector v3 = IntVector.fromMemorySegment(I8, w, p + 112, LE);
            s = s.add(v3.and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp + 192)));
            s = s.add(v3.lanewise(VectorOperators.LSHR, 4).and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp + 208)));
            s = s.add(v3.lanewise(VectorOperators.LSHR, 8).and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp + 224)));
            s = s.add(v3.lanewise(VectorOperators.LSHR, 12).and(NIB).reinterpretAsShorts().mul(ShortVector.fromArray(S16, pairs, xp + 240)));
            IntVector si = s.reinterpretAsInts();
            IntVector dot = si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16))
                    .sub(x.qsum8[b]);
            IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p, LE)
                    .convertShape(VectorOperators.S2I, I8, 0);
            IntVector scaleBits = h.and(F16_MAG).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                    .reinterpretAsInts()
                    .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .lanewise(VectorOperators.OR, 0x7F800000, h.and(F16_EXP).compare(VectorOperators.EQ, F16_EXP));
            acc = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(scaleBits.reinterpretAsFloats())
                    .fma(FloatVector.broadcast(Vec.F, x.scale[b]), acc);
        }
        acc.intoArray(out, o);
    }
}
