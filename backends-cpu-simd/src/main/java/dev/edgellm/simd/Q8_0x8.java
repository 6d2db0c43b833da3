package dev.edgellm.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static dev.edgellm.simd.Vec.I16;
import static dev.edgellm.simd.Vec.I8;
import static dev.edgellm.simd.Vec.LE;

/**
 * Q8_0 repacked for decode ({@link Interleaved8}): per group of 8 rows and block, 272 bytes (the source's size)
 * = the 8 rows' f16 scales, then 16 chunks of 16 bytes. Chunk k = 4m + j holds row r's quants of columns 8m + j
 * and 8m + 4 + j at bytes 2r and 2r + 1: the order of {@link QuantizedInput}'s pair k, so one sign-extending
 * load ({@code vpmovsxbw}) gives the 16 short lanes to multiply by it. A product of two 8-bit quants is at most
 * 128 · 127 in magnitude (activations stop at ±127), so two chunks' products are added in 16 bits and each int
 * lane then holds two such sums, lo and hi, that the block must add up (see {@link #dot}).
 *
 * <p>Against the float kernel on the row-major layout (sign-extend, convert, FMA per 8 weights) this is ~0.3
 * instead of ~0.6 instructions per weight byte: 1.6x in L2 and 1.1x from DRAM at one thread (BENCHMARKS.md,
 * 2026-12-04), where the instruction window limits how many cache-line misses a core keeps in flight.
 *
 * <p>With AVX-512, full spans of 4 groups (32 rows) have a layout of their own in which each 16-bit lane holds one
 * column of two rows ({@link #packSpan}, {@link #spanDotWide}): no widening load and no shuffle per chunk, ~20
 * instead of ~26 operations per 128 weights; KernelBench L2 30-32 → 35-40 GB/s, qwen2-0.5b 1-thread decode ~10%
 * faster (BENCHMARKS.md, nineteenth session).
 */
final class Q8_0x8 extends Interleaved8 {
    static final Q8_0x8 FORMAT = new Q8_0x8();
    static final int GROUP_BLOCK_BYTES = 16 + 256;
    private static final int SRC_BLOCK_BYTES = 34;
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    /** Bit 15 of each int lane: flips the low 16-bit sum into offset binary (lo + 32768, never negative). */
    private static final IntVector LOW_SIGN = IntVector.broadcast(I8, 0x8000);

    private Q8_0x8() {}

    @Override int sourceBlockBytes() { return SRC_BLOCK_BYTES; }

    @Override int groupBlockBytes() { return GROUP_BLOCK_BYTES; }

    @Override
    void packBlock(byte[] in, byte[] out) {
        for (int r = 0; r < ROWS; r++) {
            int s = r * SRC_BLOCK_BYTES;
            out[2 * r] = in[s];
            out[2 * r + 1] = in[s + 1];
            for (int m = 0; m < 4; m++) {
                for (int j = 0; j < 4; j++) {
                    int at = 16 + 16 * (4 * m + j) + 2 * r;
                    out[at] = in[s + 2 + 8 * m + j];
                    out[at + 1] = in[s + 2 + 8 * m + 4 + j];
                }
            }
        }
    }

    @Override
    void dotGroup(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        if (Vec.WIDE) dotWide(w, base, blocks, x, out, o);
        else if (Vec.L == 4) dot128(w, base, blocks, x, out, o);
        else dot(w, base, blocks, x, out, o);
    }

    /** Groups per span: 4 (32 rows) with 512-bit vectors; none at 256 bits or with spans off. */
    static final int SPAN = PAIRS && Vec.WIDE ? 4 : 1;
    /** A span's block: the f16 scales of its 32 rows, then 16 vectors of 64 bytes (class comment). */
    private static final int SPAN_SCALES = 64, SPAN_BLOCK_BYTES = 4 * GROUP_BLOCK_BYTES;

    @Override
    int span() { return SPAN; }

    @Override
    boolean widePairKernel() { return true; }

    @Override
    void dotSpan(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        spanDotWide(w, base, blocks, x, out, o);
    }

    /**
     * Per block: the 4 members' scale rows one after another (row order), then vector k = 4m + j, whose int lane l
     * holds rows l and 16 + l at columns 8m + j and 8m + 4 + j: bytes W[l][a], W[16 + l][a], W[l][b], W[16 + l][b].
     */
    @Override
    void packSpan(byte[] plain, int blocks, byte[] packed) {
        int gb = GROUP_BLOCK_BYTES, memberBytes = blocks * gb;
        for (int b = 0; b < blocks; b++) {
            int at = SPAN_BLOCK_BYTES * b;
            for (int member = 0; member < 4; member++) {
                System.arraycopy(plain, member * memberBytes + b * gb, packed, at + 16 * member, 16);
            }
            for (int k = 0; k < 16; k++) {
                for (int l = 0; l < 16; l++) {
                    // row l is member l / 8's row l % 8; row 16 + l two members on; chunk k has a row's two bytes at 2r
                    int lo = (l / ROWS) * memberBytes + b * gb + 16 + 16 * k + 2 * (l % ROWS), hi = lo + 2 * memberBytes;
                    int o = at + SPAN_SCALES + 64 * k + 4 * l;
                    packed[o] = plain[lo];
                    packed[o + 1] = plain[hi];
                    packed[o + 2] = plain[lo + 1];
                    packed[o + 3] = plain[hi + 1];
                }
            }
        }
    }

    @Override
    void dequantizeRow(MemorySegment w, int row, int groups, int blocks, float[] out, int off) {
        long base = blockOffset(row / ROWS, 0, groups, blocks), stride = blockStride(row / ROWS, groups);
        if (spanned(row / ROWS, groups)) { // byte 0 (row < 16) or 1 of lane row % 16's shorts
            int r = row % (ROWS * SPAN), l = r % 16, shift = 8 * (r / 16);
            for (int b = 0; b < blocks; b++) {
                long p = base + b * stride;
                float d = Vec.f16(w, p + 2L * r);
                int o = off + 32 * b;
                for (int k = 0; k < 16; k++) {
                    int lane = w.get(Vec.INT, p + SPAN_SCALES + 64L * k + 4L * l);
                    int col = 8 * (k >> 2) + (k & 3);
                    out[o + col] = (byte) (lane >> shift) * d;
                    out[o + col + 4] = (byte) (lane >> 16 + shift) * d;
                }
            }
            return;
        }
        int r = row % ROWS;
        for (int b = 0; b < blocks; b++) {
            long p = base + b * stride;
            float d = Vec.f16(w, p + 2L * r);
            int o = off + 32 * b;
            for (int k = 0; k < 16; k++) {
                short two = w.get(Vec.SHORT, p + 16 + 16L * k + 2L * r);
                int col = 8 * (k >> 2) + (k & 3);
                out[o + col] = (byte) two * d; // q · d: one rounding, as the reference's
                out[o + col + 4] = (two >> 8) * d;
            }
        }
    }

    /** A row's quants are scattered over its group, two bytes per chunk; a column of the group is one load (two at 128 bits). */
    @Override
    boolean columnTiles() { return true; }

    @Override
    void dequantizeGroupColumns(MemorySegment w, int g, int groups, int blocks, int b0, int b1, MemorySegment dst,
            long ld, long at, boolean bf16) {
        long base = blockOffset(g, 0, groups, blocks), stride = blockStride(g, groups);
        if (spanned(g, groups)) {
            spanColumnsWide(w, base, b0, b1, dst, ld, at, bf16);
            return;
        }
        if (Vec.L == 4) {
            columns128(w, base, stride, b0, b1, dst, ld, at, bf16);
            return;
        }
        // the scales (see above dot) and the tile store written out, one column per step: a call of ours that C2 does not
        // inline boxes the vector it takes or returns (Q4_0x8.groupColumns)
        for (int b = b0; b < b1; b++) {
            long p = base + b * stride;
            FloatVector d = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p, LE)
                    .convertShape(VectorOperators.S2I, I8, 0)).lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
            for (int c = 0; c < 32; c++) {
                // lane r: row r's two quants of chunk k, sign-extended from their short: column 8m + j from bits
                // 0-7, column 8m + 4 + j from bits 8-15 (half 1)
                int k = c >> 1, half = c & 1;
                IntVector two = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p + 16 + 16L * k, LE)
                        .convertShape(VectorOperators.S2I, I8, 0);
                long element = (32L * b + 8 * (k >> 2) + (k & 3) + 4 * half) * ld + at;
                FloatVector f = ((FloatVector) two.lanewise(VectorOperators.LSHL, 24 - 8 * half)
                        .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).mul(d);
                // bf16: PrefillGemm.toBf16's rounding without its NaN lanes, as in spanColumnsWide: these scales are
                // finite (inf/NaN halves become large finite ones), so no lane is NaN
                if (bf16) {
                    IntVector bits = f.reinterpretAsInts();
                    ((ShortVector) bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, ShortVector.SPECIES_128, 0)).intoMemorySegment(dst, 2 * element, LE);
                } else {
                    f.intoMemorySegment(dst, 4 * element, LE);
                }
            }
        }
    }

    /**
     * The 8-row column fill above with 128-bit vectors (NEON): rows 4rh .. 4rh + 3 per pass, from bytes 8rh .. of each
     * chunk and scales 4rh ..; the same values, 4 rows per store. Written out as that fill is.
     */
    static void columns128(MemorySegment w, long base, long stride, int b0, int b1, MemorySegment dst, long ld, long at,
            boolean bf16) {
        for (int rh = 0; rh < 2; rh++) {
            for (int b = b0; b < b1; b++) {
                long p = base + b * stride;
                FloatVector d = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_64, w, p + 8L * rh, LE)
                        .convertShape(VectorOperators.S2I, I4, 0)).lanewise(VectorOperators.LSHL, 16)
                        .lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
                for (int c = 0; c < 32; c++) {
                    int k = c >> 1, half = c & 1;
                    IntVector two = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_64, w, p + 16 + 16L * k + 8L * rh, LE)
                            .convertShape(VectorOperators.S2I, I4, 0);
                    long element = (32L * b + 8 * (k >> 2) + (k & 3) + 4 * half) * ld + at + 4 * rh;
                    FloatVector f = ((FloatVector) two.lanewise(VectorOperators.LSHL, 24 - 8 * half)
                            .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).mul(d);
                    if (bf16) { // as in dequantizeGroupColumns: finite scales, no NaN lanes
                        IntVector bits = f.reinterpretAsInts();
                        ((ShortVector) bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                                .convertShape(VectorOperators.I2S, ShortVector.SPECIES_64, 0)).intoMemorySegment(dst, 2 * element, LE);
                    } else {
                        f.intoMemorySegment(dst, 4 * element, LE);
                    }
                }
            }
        }
    }

    // The 8 rows' f16 scales at p as floats, written out wherever they are needed (a vector returned from a call of
    // ours that C2 does not inline is boxed), exact for finite values and subnormals: each half, sign-extended, shifted
    // so that its exponent and mantissa land at the bottom of a float's (sign copies cleared), rescaled by 2^112.
    // Inf/NaN scales (a broken file) become large finite ones.

    /**
     * Per block: u_k = chunk 2k's products + chunk 2k+1's, 16 short lanes = 8 rows × (lo, hi). With the low half
     * made offset binary (XOR bit 15), an int lane of u_k reads 65536 · hi + lo + 32768 exactly, so over the 8
     * u_k of a block X = Σ u_k and H = Σ (u_k >> 16) = Σ hi give Σ (lo + hi) = X − 65535 · H − 8 · 32768, in
     * wrapping int arithmetic: two ops per u_k instead of three shifts to sign-extend both halves.
     */
    static void dot(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        float[] xScale = x.scale;
        FloatVector acc = FloatVector.zero(Vec.F);
        IntVector sum = IntVector.zero(I8), high = sum;
        // Unrolled by hand, with no method of ours in the body: past C2's inlining budget a call to a helper of
        // ours is not inlined and every vector it returns is boxed (measured 25x slower); see Q4_0x8. One loop
        // over half blocks (8 chunks, 8 pairs broadcast from memory): a whole block's 16 broadcasts in one body ran
        // C1 out of registers (C1CompileCheck)
        for (int i = 0, halves = 2 * blocks; i < halves; i++) {
            long p = base + (long) (i >>> 1) * GROUP_BLOCK_BYTES;
            long c = p + 16 + 128L * (i & 1); // the half's chunks
            long a = 32L * i; // its pairs, linear in i (C2 still checks each broadcast in the loop: BENCHMARKS.md, 24th session)
            IntVector u0 = ((ShortVector) ByteVector.fromMemorySegment(B16, w, c, LE).convertShape(VectorOperators.B2S, S16, 0))
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a)).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromMemorySegment(B16, w, c + 16, LE).convertShape(VectorOperators.B2S, S16, 0))
                            .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts()))
                    .reinterpretAsInts().lanewise(VectorOperators.XOR, LOW_SIGN);
            IntVector u1 = ((ShortVector) ByteVector.fromMemorySegment(B16, w, c + 32, LE).convertShape(VectorOperators.B2S, S16, 0))
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromMemorySegment(B16, w, c + 48, LE).convertShape(VectorOperators.B2S, S16, 0))
                            .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()))
                    .reinterpretAsInts().lanewise(VectorOperators.XOR, LOW_SIGN);
            IntVector u2 = ((ShortVector) ByteVector.fromMemorySegment(B16, w, c + 64, LE).convertShape(VectorOperators.B2S, S16, 0))
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromMemorySegment(B16, w, c + 80, LE).convertShape(VectorOperators.B2S, S16, 0))
                            .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()))
                    .reinterpretAsInts().lanewise(VectorOperators.XOR, LOW_SIGN);
            IntVector u3 = ((ShortVector) ByteVector.fromMemorySegment(B16, w, c + 96, LE).convertShape(VectorOperators.B2S, S16, 0))
                    .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromMemorySegment(B16, w, c + 112, LE).convertShape(VectorOperators.B2S, S16, 0))
                            .mul(IntVector.broadcast(I8, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()))
                    .reinterpretAsInts().lanewise(VectorOperators.XOR, LOW_SIGN);
            sum = sum.add(u0.add(u1).add(u2.add(u3)));
            high = high.add(u0.lanewise(VectorOperators.ASHR, 16).add(u1.lanewise(VectorOperators.ASHR, 16))
                    .add(u2.lanewise(VectorOperators.ASHR, 16).add(u3.lanewise(VectorOperators.ASHR, 16))));
            if ((i & 1) == 0) continue;
            // X − 65535 · H: the carried sums only as receivers (an operand merged at the loop's head could stay boxed)
            IntVector dot = sum.sub(high.mul(65535)).sub(8 * 32768);
            // the scales as floats (see above)
            IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p, LE)
                    .convertShape(VectorOperators.S2I, I8, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            acc = acc.add(((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).mul(xScale[i >>> 1]));
            sum = IntVector.zero(I8);
            high = sum;
        }
        acc.intoArray(out, o);
    }

    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    private static final VectorSpecies<Short> S8 = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I4 = IntVector.SPECIES_128;

    /**
     * {@link #dot} with 128-bit vectors (NEON; {@link Vec#L} = 4): the group's rows in two halves of 4, each the same
     * steps on bytes 8h .. 8h + 7 of every chunk (rows 4h ..) and scales 4h .., so the same integers and float steps
     * as {@link #dot}, to the bit; about a third of the row-major float kernel's operations per weight
     * (BENCHMARKS.md, twenty-third session). Written out as {@link #dot} is.
     */
    static void dot128(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        float[] xScale = x.scale;
        for (int rh = 0; rh < 2; rh++) {
            FloatVector acc = FloatVector.zero(FloatVector.SPECIES_128);
            IntVector sum = IntVector.zero(I4), high = sum;
            long hb = base + 8L * rh; // the half's rows: bytes 8rh .. of each chunk, scales at 8rh ..
            for (int i = 0, halves = 2 * blocks; i < halves; i++) {
                long p = hb + (long) (i >>> 1) * GROUP_BLOCK_BYTES;
                long c = p + 16 + 128L * (i & 1);
                long a = 32L * i;
                IntVector u0 = ((ShortVector) ByteVector.fromMemorySegment(B8, w, c, LE).convertShape(VectorOperators.B2S, S8, 0))
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a)).reinterpretAsShorts())
                        .add(((ShortVector) ByteVector.fromMemorySegment(B8, w, c + 16, LE).convertShape(VectorOperators.B2S, S8, 0))
                                .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts()))
                        .reinterpretAsInts().lanewise(VectorOperators.XOR, 0x8000);
                IntVector u1 = ((ShortVector) ByteVector.fromMemorySegment(B8, w, c + 32, LE).convertShape(VectorOperators.B2S, S8, 0))
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts())
                        .add(((ShortVector) ByteVector.fromMemorySegment(B8, w, c + 48, LE).convertShape(VectorOperators.B2S, S8, 0))
                                .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts()))
                        .reinterpretAsInts().lanewise(VectorOperators.XOR, 0x8000);
                IntVector u2 = ((ShortVector) ByteVector.fromMemorySegment(B8, w, c + 64, LE).convertShape(VectorOperators.B2S, S8, 0))
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts())
                        .add(((ShortVector) ByteVector.fromMemorySegment(B8, w, c + 80, LE).convertShape(VectorOperators.B2S, S8, 0))
                                .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts()))
                        .reinterpretAsInts().lanewise(VectorOperators.XOR, 0x8000);
                IntVector u3 = ((ShortVector) ByteVector.fromMemorySegment(B8, w, c + 96, LE).convertShape(VectorOperators.B2S, S8, 0))
                        .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts())
                        .add(((ShortVector) ByteVector.fromMemorySegment(B8, w, c + 112, LE).convertShape(VectorOperators.B2S, S8, 0))
                                .mul(IntVector.broadcast(I4, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts()))
                        .reinterpretAsInts().lanewise(VectorOperators.XOR, 0x8000);
                sum = sum.add(u0.add(u1).add(u2.add(u3)));
                high = high.add(u0.lanewise(VectorOperators.ASHR, 16).add(u1.lanewise(VectorOperators.ASHR, 16))
                        .add(u2.lanewise(VectorOperators.ASHR, 16).add(u3.lanewise(VectorOperators.ASHR, 16))));
                if ((i & 1) == 0) continue;
                IntVector dot = sum.sub(high.mul(65535)).sub(8 * 32768); // X − 65535 · H, as in dot
                IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_64, w, p, LE)
                        .convertShape(VectorOperators.S2I, I4, 0);
                FloatVector d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                        .reinterpretAsFloats().mul(0x1p112f);
                acc = acc.add(((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).mul(xScale[i >>> 1]));
                sum = IntVector.zero(I4);
                high = sum;
            }
            acc.intoArray(out, o + 4 * rh);
        }
    }

    /** A shuffle of {@code species} whose first 8 lanes take lane {@code lo} and the next 8 (if any) lane {@code hi}. */
    private static VectorShuffle<Integer> broadcastLane(VectorSpecies<Integer> species, int lo, int hi) {
        int[] lanes = new int[species.length()];
        for (int i = 0; i < lanes.length; i++) lanes[i] = i < 8 ? lo : hi;
        return VectorShuffle.fromArray(species, lanes, 0);
    }

    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512;
    /** PAIRS_i: pair 2i in the low 8 lanes, pair 2i + 1 in the high 8 ({@link #broadcastLane}). */
    private static final VectorShuffle<Integer> PAIRS_0 = broadcastLane(I16, 0, 1),
            PAIRS_1 = broadcastLane(I16, 2, 3), PAIRS_2 = broadcastLane(I16, 4, 5),
            PAIRS_3 = broadcastLane(I16, 6, 7), PAIRS_4 = broadcastLane(I16, 8, 9),
            PAIRS_5 = broadcastLane(I16, 10, 11), PAIRS_6 = broadcastLane(I16, 12, 13),
            PAIRS_7 = broadcastLane(I16, 14, 15);

    /**
     * {@link #dot} with 512-bit integer vectors ({@link Vec#WIDE}): one 32-byte load sign-extends two chunks at
     * once and their pairs are one 64-byte load, so u_k covers 4 chunks; the 16 int lanes (rows twice) are
     * folded into 8 once per block. Half the instructions per weight byte of {@link #dot}.
     */
    static void dotWide(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        int[] pairs = x.pairs;
        float[] xScale = x.scale;
        FloatVector acc = FloatVector.zero(Vec.F);
        IntVector lowSign = IntVector.broadcast(I16, 0x8000);
        for (int b = 0; b < blocks; b++) {
            long p = base + (long) b * GROUP_BLOCK_BYTES;
            IntVector q = IntVector.fromArray(I16, pairs, 16 * b);
            IntVector u0 = ((ShortVector) ByteVector.fromMemorySegment(B32, w, p + 16, LE).convertShape(VectorOperators.B2S, S32, 0))
                    .mul(q.rearrange(PAIRS_0).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromMemorySegment(B32, w, p + 48, LE).convertShape(VectorOperators.B2S, S32, 0))
                            .mul(q.rearrange(PAIRS_1).reinterpretAsShorts()))
                    .reinterpretAsInts().lanewise(VectorOperators.XOR, lowSign);
            IntVector u1 = ((ShortVector) ByteVector.fromMemorySegment(B32, w, p + 80, LE).convertShape(VectorOperators.B2S, S32, 0))
                    .mul(q.rearrange(PAIRS_2).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromMemorySegment(B32, w, p + 112, LE).convertShape(VectorOperators.B2S, S32, 0))
                            .mul(q.rearrange(PAIRS_3).reinterpretAsShorts()))
                    .reinterpretAsInts().lanewise(VectorOperators.XOR, lowSign);
            IntVector u2 = ((ShortVector) ByteVector.fromMemorySegment(B32, w, p + 144, LE).convertShape(VectorOperators.B2S, S32, 0))
                    .mul(q.rearrange(PAIRS_4).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromMemorySegment(B32, w, p + 176, LE).convertShape(VectorOperators.B2S, S32, 0))
                            .mul(q.rearrange(PAIRS_5).reinterpretAsShorts()))
                    .reinterpretAsInts().lanewise(VectorOperators.XOR, lowSign);
            IntVector u3 = ((ShortVector) ByteVector.fromMemorySegment(B32, w, p + 208, LE).convertShape(VectorOperators.B2S, S32, 0))
                    .mul(q.rearrange(PAIRS_6).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromMemorySegment(B32, w, p + 240, LE).convertShape(VectorOperators.B2S, S32, 0))
                            .mul(q.rearrange(PAIRS_7).reinterpretAsShorts()))
                    .reinterpretAsInts().lanewise(VectorOperators.XOR, lowSign);
            IntVector sum = u0.add(u1).add(u2.add(u3));
            IntVector high = u0.lanewise(VectorOperators.ASHR, 16).add(u1.lanewise(VectorOperators.ASHR, 16))
                    .add(u2.lanewise(VectorOperators.ASHR, 16).add(u3.lanewise(VectorOperators.ASHR, 16)));
            IntVector dot16 = sum.sub(high.lanewise(VectorOperators.LSHL, 16)).add(high).sub(4 * 32768);
            IntVector dot = ((IntVector) dot16.reinterpretShape(I8, 0)).add((IntVector) dot16.reinterpretShape(I8, 1));
            // the scales as floats, as in dot
            IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, w, p, LE)
                    .convertShape(VectorOperators.S2I, I8, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            acc = acc.add(((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).mul(xScale[b]));
        }
        acc.intoArray(out, o);
    }

    /**
     * A span's 32 rows at 512 bits, per block and column: rows 0-15 and 16-31 (contiguous in the tile) from one load,
     * 16 rows per store. The scales as the kernels convert them (every value finite: bf16 rounding without the NaN
     * blend), as the 8-row groups' fill in {@link #dequantizeGroupColumns}.
     */
    private static void spanColumnsWide(MemorySegment w, long base, int b0, int b1, MemorySegment dst, long ld, long at,
            boolean bf16) {
        int size = bf16 ? 2 : 4;
        for (int b = b0; b < b1; b++) {
            long p = base + (long) SPAN_BLOCK_BYTES * b;
            IntVector h0 = (IntVector) ShortVector.fromMemorySegment(S16, w, p, LE).convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d0 = h0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            IntVector h1 = (IntVector) ShortVector.fromMemorySegment(S16, w, p + 32, LE).convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d1 = h1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            for (int k = 0; k < 16; k++) { // column a = 8m + j from bytes 0 and 1 of each lane, b = a + 4 from 2 and 3
                IntVector v = IntVector.fromMemorySegment(I16, w, p + SPAN_SCALES + 64L * k, LE);
                long a = size * ((32L * b + 8 * (k >> 2) + (k & 3)) * ld + at), c = a + 4L * size * ld;
                FloatVector f0 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).mul(d0);
                FloatVector f1 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).mul(d1);
                FloatVector f2 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).mul(d0);
                FloatVector f3 = ((FloatVector) v.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).mul(d1);
                if (bf16) { // PrefillGemm.toBf16's rounding without its NaN lanes, 16 lanes
                    IntVector i0 = f0.reinterpretAsInts();
                    ((ShortVector) i0.add(i0.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, S16, 0)).intoMemorySegment(dst, a, LE);
                    IntVector i1 = f1.reinterpretAsInts();
                    ((ShortVector) i1.add(i1.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, S16, 0)).intoMemorySegment(dst, a + 32, LE);
                    IntVector i2 = f2.reinterpretAsInts();
                    ((ShortVector) i2.add(i2.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, S16, 0)).intoMemorySegment(dst, c, LE);
                    IntVector i3 = f3.reinterpretAsInts();
                    ((ShortVector) i3.add(i3.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, S16, 0)).intoMemorySegment(dst, c + 32, LE);
                } else {
                    f0.intoMemorySegment(dst, a, LE);
                    f1.intoMemorySegment(dst, a + 64, LE);
                    f2.intoMemorySegment(dst, c, LE);
                    f3.intoMemorySegment(dst, c + 64, LE);
                }
            }
        }
    }

    /**
     * A span of 32 rows ({@link #packSpan}'s layout) at 512 bits. Each 16-bit lane holds one column of two rows, l
     * and 16 + l: the low byte sign-extended (two shifts) and the high one (one) give both rows' quants to multiply
     * by the column's activation, broadcast straight from memory, with no sign-extending load nor shuffle. Two
     * vectors' products are added in 16 bits and widened as in {@link #dot}, into {@code sum0}/{@code high0} (rows
     * 0-15) and {@code sum1}/{@code high1} (rows 16-31): 20 operations per 128 weights instead of 26, none on the
     * shuffle unit. The same integers and float steps as {@link #dotWide}, so the same results.
     */
    static void spanDotWide(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        MemorySegment pairs = x.pairMemory;
        float[] xScale = x.scale;
        FloatVector acc0 = FloatVector.zero(Vec.F16), acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long p = base + (long) b * SPAN_BLOCK_BYTES;
            IntVector sum0 = IntVector.zero(I16), high0 = sum0, sum1 = sum0, high1 = sum0;
            // a loop over the block's halves (8 vectors, 8 broadcasts per body: C1 compiles it), as Q4_0x8.spanDotWide:
            // a flat loop over half blocks with the block's tail every other iteration compiled, after a long prompt,
            // to 57 kB of code and 10-15% slower decode
            for (int half = 0; half < 2; half++) {
                long c = p + SPAN_SCALES + 512L * half;
                long a = 64L * b + 32L * half; // linear in b and half (C2 still checks each broadcast in the loop: BENCHMARKS.md, 24th session)
                ShortVector v = ShortVector.fromMemorySegment(S32, w, c, LE);
                ShortVector y = IntVector.broadcast(I16, pairs.get(Vec.INT, a)).reinterpretAsShorts();
                ShortVector l = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(y);
                ShortVector h = v.lanewise(VectorOperators.ASHR, 8).mul(y);
                v = ShortVector.fromMemorySegment(S32, w, c + 64, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 4)).reinterpretAsShorts();
                IntVector l0 = l.add(v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(y)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x8000);
                IntVector h0 = h.add(v.lanewise(VectorOperators.ASHR, 8).mul(y)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x8000);
                v = ShortVector.fromMemorySegment(S32, w, c + 128, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 8)).reinterpretAsShorts();
                l = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(y);
                h = v.lanewise(VectorOperators.ASHR, 8).mul(y);
                v = ShortVector.fromMemorySegment(S32, w, c + 192, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 12)).reinterpretAsShorts();
                IntVector l1 = l.add(v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(y)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x8000);
                IntVector h1 = h.add(v.lanewise(VectorOperators.ASHR, 8).mul(y)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x8000);
                v = ShortVector.fromMemorySegment(S32, w, c + 256, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 16)).reinterpretAsShorts();
                l = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(y);
                h = v.lanewise(VectorOperators.ASHR, 8).mul(y);
                v = ShortVector.fromMemorySegment(S32, w, c + 320, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 20)).reinterpretAsShorts();
                IntVector l2 = l.add(v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(y)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x8000);
                IntVector h2 = h.add(v.lanewise(VectorOperators.ASHR, 8).mul(y)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x8000);
                v = ShortVector.fromMemorySegment(S32, w, c + 384, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 24)).reinterpretAsShorts();
                l = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(y);
                h = v.lanewise(VectorOperators.ASHR, 8).mul(y);
                v = ShortVector.fromMemorySegment(S32, w, c + 448, LE);
                y = IntVector.broadcast(I16, pairs.get(Vec.INT, a + 28)).reinterpretAsShorts();
                IntVector l3 = l.add(v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(y)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x8000);
                IntVector h3 = h.add(v.lanewise(VectorOperators.ASHR, 8).mul(y)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x8000);
                sum0 = sum0.add(l0.add(l1).add(l2.add(l3)));
                high0 = high0.add(l0.lanewise(VectorOperators.ASHR, 16).add(l1.lanewise(VectorOperators.ASHR, 16))
                        .add(l2.lanewise(VectorOperators.ASHR, 16).add(l3.lanewise(VectorOperators.ASHR, 16))));
                sum1 = sum1.add(h0.add(h1).add(h2.add(h3)));
                high1 = high1.add(h0.lanewise(VectorOperators.ASHR, 16).add(h1.lanewise(VectorOperators.ASHR, 16))
                        .add(h2.lanewise(VectorOperators.ASHR, 16).add(h3.lanewise(VectorOperators.ASHR, 16))));
            }
            float xs = xScale[b];
            // X − 65535 · H (dot's step): the carried sums only as receivers
            IntVector dot = sum0.sub(high0.mul(65535)).sub(8 * 32768);
            IntVector hs = (IntVector) ShortVector.fromMemorySegment(S16, w, p, LE).convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d = hs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            acc0 = acc0.add(((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).mul(xs));
            dot = sum1.sub(high1.mul(65535)).sub(8 * 32768);
            hs = (IntVector) ShortVector.fromMemorySegment(S16, w, p + 32, LE).convertShape(VectorOperators.S2I, I16, 0);
            d = hs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                    .reinterpretAsFloats().mul(0x1p112f);
            acc1 = acc1.add(((FloatVector) dot.convert(VectorOperators.I2F, 0)).mul(d).mul(xs));
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + 16);
    }
}
