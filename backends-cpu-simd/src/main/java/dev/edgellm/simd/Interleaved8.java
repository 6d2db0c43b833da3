package dev.edgellm.simd;

import dev.edgellm.gguf.GgmlType;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A block format repacked for decode with eight rows interleaved (the idea of llama.cpp's {@code block_q4_0x8};
 * the layouts are our own, see {@link Q4_0x8}, {@link Q5_0x8}, {@link Q8_0x8}, {@link Q4_Kx8}, {@link Q5_Kx8} and {@link Q6_Kx8}): for every
 * group of 8 rows and every block, the 8 rows' data side by side so that one load holds 8 rows, the kernel
 * produces 8 outputs at once and multiplies 8-bit-quantized activations ({@link QuantizedInput}) with 16-bit
 * integer products. The copy has the source's size (Q4_K: its scales unpacked; Q5_0's 48-row spans: 6% more); rows
 * past the last full group stay in the source layout.
 *
 * <p>Nibbles are stored the same way by every 4- and 5-bit format ({@link Q8_0x8} stores whole bytes in its own
 * order): four 32-byte vectors V0..V3 per block, where int lane r of V_m holds 8 nibbles of row r: bits 4j..4j+3
 * = column 8m+j and bits 16+4j.. = column 8m+4+j (j < 4). One int shift and one mask then give 16 short lanes =
 * 8 rows × 2 columns. Groups in a full {@link #span} may be stored otherwise: Q4_0's spans put 4 rows' nibbles of
 * one column in each short, Q5_0's 3 rows' 5-bit quants, Q8_0's (AVX-512) 2 rows' quants.
 */
abstract class Interleaved8 {
    static final int ROWS = 8;

    /** Where a source row lives: its segment and byte offset. */
    interface Rows {
        MemorySegment segment(int row);

        long offset(int row);
    }

    /** The repacked format for {@code type}, or null where decode keeps the row-major kernel. */
    static Interleaved8 forType(GgmlType type) {
        return switch (type) {
            case Q4_0 -> Q4_0x8.FORMAT;
            case Q5_0 -> Q5_0x8.FORMAT;
            case Q8_0 -> Q8_0x8.FORMAT;
            case Q4_K -> Q4_Kx8.FORMAT;
            case Q5_K -> Q5_Kx8.FORMAT;
            case Q6_K -> Q6_Kx8.FORMAT;
            default -> null;
        };
    }

    /** Elements per source block: 32, or 256 for K-quant super-blocks. */
    int blockElements() { return 32; }

    abstract int sourceBlockBytes();

    abstract int groupBlockBytes();

    /** 8 source blocks (row order, {@link #sourceBlockBytes} each) into one group block. */
    abstract void packBlock(byte[] in, byte[] out);

    /**
     * out[o .. o+8) = the 8 rows of the group whose first block is at byte {@code base} (blocks
     * {@link #groupBlockBytes} apart: a group that is not part of a {@link #span}) dotted with the quantized
     * input. Every format has a 256-bit kernel for it and a 128-bit one ({@code dot128}, NEON: each half of the rows
     * through the 256-bit kernel's steps, bit-identical), picked by {@link Vec#L}.
     */
    abstract void dotGroup(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o);

    /**
     * Whether full pairs of groups are stored interleaved, block by block (group 2i's block b, then group 2i+1's),
     * and dotted together by {@link #dotSpan}: one broadcast of an activation pair then feeds 16 rows' products.
     * A last group without a partner keeps the plain layout.
     */
    boolean pairs() { return false; }

    /**
     * Spans of groups ({@link #span}: pairs for the K-quants at 512 bits, Q4_0's 32- or 64-row spans, Q5_0's 24 or 48): each
     * activation broadcast feeds several groups, and the span's blocks are one sequential stream: pairs made decode
     * 5-30% faster in same-run A/Bs (BENCHMARKS.md, tenth session, when a broadcast was a {@code vpermd}).
     * On wherever the JVM runs with {@link HotSpotFlags#RECOMMENDED} (as {@code ./edgellm} does): under the default
     * cutoff C2's compile of the larger pair kernels boxed their vectors in about 1 run of 5 ({@link HotSpotFlags}).
     * {@code -Dedgellm.simd.pairs=true|false} overrides (for spans too).
     */
    static final boolean PAIRS = Boolean.parseBoolean(System.getProperty("edgellm.simd.pairs",
            String.valueOf(HotSpotFlags.recompilationCutoffRaised())));

    /** Whether {@link #dotSpan} has a 512-bit kernel, which it runs where {@link Vec#WIDE}. */
    boolean widePairKernel() { return false; }

    /**
     * Whether {@link #dotSpan} has a 256-bit kernel (Q4_0, Q5_0), which spans on AVX2; formats without one span only
     * where {@link Vec#WIDE} (the K-quants). The memory planner's {@code simdNarrowPairKernel} names the same types.
     */
    boolean narrowPairKernel() { return false; }

    /**
     * Groups stored together, block by block, and dotted by one {@link #dotSpan} call: 2 where the format has
     * {@link #pairs}, else 1; {@link Q4_0x8} stores 4 or 8 groups (32 rows at 256 bits, 64 at 512), {@link Q5_0x8} 3
     * or 6 and {@link Q8_0x8} 4 (at 512 bits) in layouts of their own. Not always a power of two. Groups past the last
     * full span keep the plain layout.
     */
    int span() { return pairs() ? 2 : 1; }

    /**
     * Bytes of one block of a full span: its groups' block bytes by default; more where a span's layout needs room
     * of its own ({@link Q5_0x8}'s spans: 16 bits per 3 weights).
     */
    int spanBlockBytes() { return span() * groupBlockBytes(); }

    /** out[o .. o + 8 · span) = the rows of the span whose first block is at byte {@code base}; only if span > 1. */
    void dotSpan(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no span layout");
    }

    /**
     * Where byte {@code i} of a paired group's block ({@code member} 0 or 1 of the pair) is stored, from the start
     * of the pair's block ({@code 2 · groupBlockBytes()} bytes): by default member 1's bytes follow member 0's (Q5_0);
     * the K-quants interleave them ({@link #kQuantPairByte}).
     */
    long pairByte(int member, int i) {
        return (long) member * groupBlockBytes() + i;
    }

    /**
     * {@link #pairByte} for the K-quant layouts ({@link Q4_Kx8}, {@link Q5_Kx8}, {@link Q6_Kx8}): a head of f16 rows ({@code head}
     * bytes of 16-byte runs, d then dmin), then per sub-block a {@code sub}-byte record of two 8-byte scale runs and
     * 32-byte vectors; in the pair's block each run of member 0 is followed by the same run of member 1, so that one
     * 128-bit load holds 16 rows' scales and one 512-bit load 16 rows' vector.
     */
    static long kQuantPairByte(int head, int sub, int member, int i) {
        if (i < head) return 32L * (i / 16) + 16L * member + i % 16;
        int s = (i - head) / sub, j = (i - head) % sub;
        long rec = 2L * head + 2L * sub * s;
        if (j < 16) return rec + 16L * (j / 8) + 8L * member + j % 8;
        return rec + 32 + 64L * ((j - 16) / 32) + 32L * member + (j - 16) % 32;
    }

    /** Per member, the runs of bytes {@link #pairByte} keeps together, computed once per format (see pairRuns). */
    private volatile int[][] pairRuns;

    /**
     * For members 0 and 1: {offset in the group's block, offset in the pair's block, length} triples, one per run of
     * consecutive bytes that {@link #pairByte} keeps together (the whole block by default, 5 runs for Q4_0), so that
     * repacking copies runs rather than asking pairByte for every byte of a model.
     */
    private int[][] pairRuns() {
        int[][] runs = pairRuns;
        if (runs == null) {
            runs = new int[2][];
            int gb = groupBlockBytes();
            for (int member = 0; member < 2; member++) {
                java.util.List<Integer> triples = new java.util.ArrayList<>();
                for (int i = 0; i < gb; ) {
                    long to = pairByte(member, i);
                    int run = 1;
                    while (i + run < gb && pairByte(member, i + run) == to + run) run++;
                    triples.addAll(java.util.List.of(i, (int) to, run));
                    i += run;
                }
                runs[member] = triples.stream().mapToInt(Integer::intValue).toArray();
            }
            pairRuns = runs;
        }
        return runs;
    }

    /**
     * A span's blocks from its groups' blocks in the plain order ({@code plain}: member m's block b at
     * {@code (m · blocks + b) · groupBlockBytes()}) into {@code packed} as stored (block b at
     * {@code b · spanBlockBytes()}). By default each member's bytes go where {@link #pairByte} places them,
     * copied as runs: {@code System.arraycopy} costs a fraction of a small {@code MemorySegment.copy}.
     */
    void packSpan(byte[] plain, int blocks, byte[] packed) {
        int gb = groupBlockBytes(), span = span();
        for (int member = 0; member < span; member++) {
            int[] runs = pairRuns()[member];
            for (int b = 0; b < blocks; b++) {
                int from = (member * blocks + b) * gb, at = span * b * gb;
                for (int k = 0; k < runs.length; k += 3) System.arraycopy(plain, from + runs[k], packed, at + runs[k + 1], runs[k + 2]);
            }
        }
    }

    /**
     * Byte offset of byte {@code i} of group g's block b: what {@link #blockOffset} + i is for groups outside a span;
     * for the formats whose spans are {@link #pairs} (a span of another kind does not keep a group's bytes).
     */
    final long byteOffset(int g, int b, int groups, int blocks, int i) {
        return blockOffset(g, b, groups, blocks) + (spanned(g, groups) ? pairByte(g & 1, i) : i);
    }

    /**
     * Whether group g of {@code groups} is stored in a full span ({@link #span} > 1). Power-of-two spans keep their
     * mask test: these offsets are computed per kernel call, and with them written for any span, llama-1b Q8_0's
     * 2-thread decode measured a few percent slower (BENCHMARKS.md, twentieth session; span() is a constant per
     * format, so C2 keeps one branch).
     */
    final boolean spanned(int g, int groups) {
        int span = span();
        if (span <= 1) return false;
        if ((span & (span - 1)) == 0) return (g | (span - 1)) < groups;
        return (g / span + 1) * span <= groups;
    }

    /** The groups {@link #dot} does at group g: {@link #span} where g starts a full span, else 1. */
    final int groupsAt(int g, int groups) {
        return spanned(g, groups) ? span() : 1;
    }

    /**
     * Byte offset of block b of group g in a tensor of {@code groups} groups of {@code blocks} blocks; for a spanned
     * group, of its span's block b ({@link #spanBlockBytes}, shared with the span's other groups). Full spans come
     * first, the groups past the last one after them.
     */
    final long blockOffset(int g, int b, int groups, int blocks) {
        int span = span();
        long gb = groupBlockBytes();
        if (span <= 1 || spanBlockBytes() == span * gb) { // spans keep their groups' bytes
            if (spanned(g, groups)) return ((long) (g - g % span) * blocks + (long) span * b) * gb;
            return ((long) g * blocks + b) * gb;
        }
        if (spanned(g, groups)) return ((long) (g / span) * blocks + b) * spanBlockBytes();
        int spans = groups / span;
        return (long) spans * blocks * spanBlockBytes() + ((long) (g - spans * span) * blocks + b) * gb;
    }

    /** Bytes from one block of group g to its next. */
    final long blockStride(int g, int groups) {
        return spanned(g, groups) ? spanBlockBytes() : groupBlockBytes();
    }

    /** out[o ..] = group g dotted with the quantized input, with the rest of its span where g starts one. */
    final void dot(MemorySegment w, int g, int groups, int blocks, QuantizedInput x, float[] out, int o) {
        long base = blockOffset(g, 0, groups, blocks);
        if (spanned(g, groups)) dotSpan(w, base, blocks, x, out, o);
        else dotGroup(w, base, blocks, x, out, o);
    }

    /** Row {@code row} (< 8 · groups) as floats, exactly as the scalar reference dequantizes it. */
    abstract void dequantizeRow(MemorySegment w, int row, int groups, int blocks, float[] out, int off);

    /**
     * Row {@code row} (< 8 · groups) as bf16 at byte {@code at} of {@code dst}: {@link #dequantizeRow} rounded by
     * {@link PrefillGemm#toBf16} (a prefill tile for oneDNN), with {@code scratch} (a row of floats) in between.
     * Formats override it with a fused loop giving the same bits.
     */
    void dequantizeRowBf16(MemorySegment w, int row, int groups, int blocks, float[] scratch, MemorySegment dst, long at) {
        int n = blocks * blockElements();
        dequantizeRow(w, row, groups, blocks, scratch, 0);
        PrefillGemm.toBf16(scratch, 0, dst, at, n);
    }

    /**
     * Whether prefill tiles of this format are dequantized by groups into column-major tiles
     * ({@link #dequantizeGroupColumns}) rather than row by row: where a row's quants are scattered over its group.
     */
    boolean columnTiles() { return false; }

    /**
     * Blocks [b0, b1) of rows 8g .. 8g+8 (where g starts a span, the span's {@link #groupsAt} groups) as floats,
     * exactly as the scalar reference dequantizes them, into a column-major tile: row 8g + i, column c at element
     * {@code c · ld + at + i}; as f32 or, if {@code bf16}, rounded to bf16 as {@link PrefillGemm#toBf16} rounds. Only for
     * formats with {@link #columnTiles}.
     */
    void dequantizeGroupColumns(MemorySegment w, int g, int groups, int blocks, int b0, int b1, MemorySegment dst,
            long ld, long at, boolean bf16) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " dequantizes by rows");
    }

    /** Bytes of the repacked form of {@code groups} groups of {@code blocks} blocks. */
    final long packedBytes(int groups, int blocks) {
        return blockOffset(groups, 0, groups, blocks); // where a group past the last would start
    }

    /**
     * Repacks groups {@code [g0, g1)} of a tensor of {@code groups} groups with {@code blocks} blocks per row into
     * {@code dst}; g0 and g1 must not fall inside a full span (a worker's share is whole spans).
     */
    final void repack(Rows src, int g0, int g1, int groups, int blocks, MemorySegment dst) {
        int span = span();
        for (int g : new int[] {g0, g1}) {
            if (g < groups && spanned(g, groups) && g % span != 0) {
                throw new IllegalArgumentException("repack range [" + g0 + ", " + g1 + ") splits a span of " + span + " groups at " + g);
            }
        }
        int sb = sourceBlockBytes(), gb = groupBlockBytes(), rowBytes = sb * blocks;
        byte[] rows = new byte[ROWS * rowBytes]; // one group's source rows, read with one copy per row
        byte[] plain = new byte[span * gb * blocks]; // a span's groups in the plain order (or one group)
        byte[] packed = span > 1 ? new byte[spanBlockBytes() * blocks] : null; // ... as stored
        byte[] in = new byte[sb * ROWS];
        byte[] out = new byte[gb];
        for (int g = g0; g < g1; g++) {
            for (int r = 0; r < ROWS; r++) {
                int row = ROWS * g + r;
                MemorySegment.copy(src.segment(row), ValueLayout.JAVA_BYTE, src.offset(row), rows, r * rowBytes, rowBytes);
            }
            boolean spanned = spanned(g, groups);
            int member = spanned ? g % span : 0;
            for (int b = 0; b < blocks; b++) {
                for (int r = 0; r < ROWS; r++) System.arraycopy(rows, r * rowBytes + b * sb, in, r * sb, sb);
                packBlock(in, out);
                System.arraycopy(out, 0, plain, (member * blocks + b) * gb, gb);
            }
            if (!spanned) {
                MemorySegment.copy(plain, 0, dst, ValueLayout.JAVA_BYTE, blockOffset(g, 0, groups, blocks), gb * blocks);
            } else if (member == span - 1) { // the span is complete
                packSpan(plain, blocks, packed);
                MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, blockOffset(g, 0, groups, blocks), packed.length);
            }
        }
    }

    /**
     * Writes V0..V3 at {@code out[at ..]} from the 16 nibble bytes at {@code qs} of each source block (ggml's
     * order: low nibble = element i, high nibble = element i + 16), and copies each block's f16 scale (the
     * first 2 bytes) to {@code out[2r ..]}.
     */
    static void packNibblesAndScales(byte[] in, int sourceBlockBytes, int qs, byte[] out, int at) {
        for (int r = 0; r < ROWS; r++) {
            int base = r * sourceBlockBytes;
            out[2 * r] = in[base];
            out[2 * r + 1] = in[base + 1];
            // columns 0-7: low nibbles of bytes 0-7; 8-15: of bytes 8-15; 16-23, 24-31: their high nibbles
            putInt(out, at + 4 * r, nibbleLane(in, base + qs, false));
            putInt(out, at + 32 + 4 * r, nibbleLane(in, base + qs + 8, false));
            putInt(out, at + 64 + 4 * r, nibbleLane(in, base + qs, true));
            putInt(out, at + 96 + 4 * r, nibbleLane(in, base + qs + 8, true));
        }
    }

    /**
     * The 16 vectors of a span's 4-bit block ({@link Q4_0x8}'s layout; a 32-column K-quant sub-block could take the same) at
     * {@code packed[at ..]}: vector k = 4m + j has 2 · span int lanes, lane l holding rows {@code 2 · span · n + l}
     * (n < 4) at nibble n of its low short (column 8m + j) and high short (8m + 4 + j). From V0..V3 at {@code v0}
     * of each member's block ({@code plain}: member i's at {@code i · memberBytes + v0}): per vector lane, a 4 × 8
     * nibble transpose of 4 rows' V_m lanes, as two 4 × 4 transposes in a long each.
     */
    static void spanNibbles(int span, byte[] plain, long memberBytes, int v0, byte[] packed, int at) {
        int lanes = 2 * span;
        for (int m = 0; m < 4; m++) {
            for (int l = 0; l < lanes; l++) {
                long left = 0, right = 0; // row n's nibbles of columns 8m..8m+3 (left), 8m+4.. (right) at bits 16n
                for (int n = 0; n < 4; n++) {
                    int row = lanes * n + l;
                    int lane = getInt(plain, (int) ((row / ROWS) * memberBytes) + v0 + 32 * m + 4 * (row % ROWS));
                    left |= (long) (lane & 0xFFFF) << 16 * n;
                    right |= (long) (lane >>> 16) << 16 * n;
                }
                left = transposeNibbles(left);
                right = transposeNibbles(right);
                for (int j = 0; j < 4; j++) { // now 16-bit chunk j = column j's nibbles of the 4 rows
                    putInt(packed, at + 4 * lanes * (4 * m + j) + 4 * l,
                            (int) (left >>> 16 * j) & 0xFFFF | (int) (right >>> 16 * j) << 16);
                }
            }
        }
    }

    /** A 4 × 4 matrix of nibbles, row r at bits 16r, transposed: two exchanges, of nibbles then of bytes. */
    static long transposeNibbles(long x) {
        long t = (x ^ (x >>> 12)) & 0x0000F0F00000F0F0L;
        x ^= t ^ (t << 12);
        t = (x ^ (x >>> 24)) & 0x00000000FF00FF00L;
        return x ^ t ^ (t << 24);
    }

    static int getInt(byte[] b, int o) {
        return b[o] & 0xFF | (b[o + 1] & 0xFF) << 8 | (b[o + 2] & 0xFF) << 16 | b[o + 3] << 24;
    }

    static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * A V_m lane of 8 consecutive columns: the low ({@code high} false) or high nibbles of the 8 bytes at
     * {@code in[p ..]}, in byte order, so column k of the 8 lands at bits 4k (k < 4) or 16 + 4(k - 4) as the
     * layout wants. {@code Long.compress} is one PEXT on x86 with BMI2: repacking runs at memory speed instead of
     * a loop per nibble (llama-1b Q4_0: seconds of first-token latency).
     */
    static int nibbleLane(byte[] in, int p, boolean high) {
        return (int) Long.compress((long) LONG_LE.get(in, p), high ? 0xF0F0F0F0F0F0F0F0L : 0x0F0F0F0F0F0F0F0FL);
    }

    static void putInt(byte[] out, int o, int v) {
        out[o] = (byte) v;
        out[o + 1] = (byte) (v >>> 8);
        out[o + 2] = (byte) (v >>> 16);
        out[o + 3] = (byte) (v >>> 24);
    }

    /** Shifts that put nibble k of a lane at the bottom of int lane k: column 8m + k of V_m's lane, k < 8. */
    static final IntVector NIBBLE_SHIFTS = IntVector.fromArray(Vec.I8, new int[] {0, 4, 8, 12, 16, 20, 24, 28}, 0);

    /**
     * The 8 columns 8m .. 8m+8 of one row as unsigned nibbles in int lanes, from its V_m lane: the vector
     * dequantizers (prefill tiles read the repacked copy, whole rows at a time) build on this.
     */
    static IntVector laneNibbles(MemorySegment w, long at) {
        return IntVector.broadcast(Vec.I8, w.get(Vec.INT, at)).lanewise(VectorOperators.LSHR, NIBBLE_SHIFTS).and(0xF);
    }
}
