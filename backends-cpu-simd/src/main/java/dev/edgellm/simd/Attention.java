package dev.edgellm.simd;

import dev.edgellm.kv.KvCache;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import static dev.edgellm.simd.Vec.F;
import static dev.edgellm.simd.Vec.L;

/**
 * Causal attention, GQA-aware. One query position (decode): single-pass online softmax (flash-style), positions
 * walked once per KV head and every query head of the group scored against a key while it is hot in cache; each
 * head keeps a running max m, a running sum l and an unnormalized output o, rescaled by exp(m_old - m_new) when
 * the max grows. {@link #attend} does it position by position through the cache interface (f32 caches);
 * {@link #attendTiled} reads f16/q8_0/q4_0 caches directly, {@link #TILE} positions at a time. Prefill:
 * {@link #attendBatch}, two-pass over keys and values converted once per batch. {@code m} and {@code l} are
 * caller scratch of at least {@code group} floats each.
 */
final class Attention {
    private Attention() {}

    static void attend(KvCache cache, int layer, int pos, float[] q, int qOff, int heads, int kvHeads,
                       int headDim, float scale, float[] out, int outOff, float[] m, float[] l) {
        int group = heads / kvHeads;
        for (int kh = 0; kh < kvHeads; kh++) {
            int kvOff = kh * headDim;
            int h0 = kh * group;
            begin(group, out, outOff + h0 * headDim, headDim, m, l, 0);
            for (int t = 0; t <= pos; t++) {
                for (int g = 0; g < group; g++) {
                    int o = outOff + (h0 + g) * headDim;
                    float s = cache.dotKey(layer, t, kvOff, q, qOff + (h0 + g) * headDim, headDim) * scale;
                    cache.addValue(layer, t, kvOff, weigh(s, g, t, out, o, headDim, m, l), out, o, headDim);
                }
            }
            end(group, out, outOff + h0 * headDim, headDim, l, 0);
        }
    }

    /** Resets the running max, sum and output of the {@code group} heads whose outputs start at {@code o}. */
    private static void begin(int group, float[] out, int o, int headDim, float[] m, float[] l, int ml) {
        java.util.Arrays.fill(m, ml, ml + group, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(l, ml, ml + group, 0f);
        java.util.Arrays.fill(out, o, o + group * headDim, 0f);
    }

    /**
     * The online-softmax step of head g for score s at position t: rescales its output (at {@code o}) and sum
     * when s is a new max, and returns the weight of this position's value.
     */
    private static float weigh(float s, int g, int t, float[] out, int o, int headDim, float[] m, float[] l) {
        float w;
        if (s > m[g]) {
            float c = (float) Math.exp(m[g] - s); // 0 on the first position (m = -inf)
            if (t > 0) scaleInPlace(out, o, headDim, c);
            l[g] *= c;
            m[g] = s;
            w = 1f;
        } else {
            w = (float) Math.exp(s - m[g]);
        }
        l[g] += w;
        return w;
    }

    /** Divides each of the group's outputs by its softmax sum. */
    private static void end(int group, float[] out, int o, int headDim, float[] l, int ml) {
        for (int g = 0; g < group; g++) scaleInPlace(out, o + g * headDim, headDim, 1f / l[ml + g]);
    }

    /**
     * dst[at .. at + n) = the halfs at src[off ..] as floats. A plain loop over {@link Float#float16ToFloat}, which
     * C2 vectorizes into the CPU's conversion instruction (F16C {@code vcvtph2ps}): alone 1.7-2.6x faster than the
     * shift-and-rescale Vector API code it replaced (64- and 128-half rows, AVX-512 and AVX2), the same bits; in a
     * 1-thread decode profile attention kept its ~5.5% of the samples (BENCHMARKS.md, eleventh session).
     */
    static void halfToFloat(short[] src, int off, float[] dst, int at, int n) {
        for (int i = 0; i < n; i++) dst[at + i] = Float.float16ToFloat(src[off + i]);
    }

    /** Scratch floats a quantized row slice of {@code n} elements needs: the blocks covering it. */
    static int quantScratch(int n) {
        return n + 64;
    }

    /**
     * Most key (or value) elements per row {@link #attendTiled} converts at once: its KV heads go in chunks of
     * {@code max(1, 1024 / headDim)}, so that a tile's converted keys and values (2 · TILE rows) stay in L2.
     */
    static final int TILE_SPAN_MAX = 1024;

    /** KV heads per chunk of {@link #attendTiled}. */
    static int chunkHeads(int kvHeads, int headDim) {
        return Math.min(kvHeads, Math.max(1, TILE_SPAN_MAX / headDim));
    }

    /** Floats per tile row of {@link #attendTiled}'s key and value scratch. */
    static int tileSpan(int kvHeads, int headDim) {
        return quantScratch(chunkHeads(kvHeads, headDim) * headDim);
    }

    /**
     * {@link #attend} for an f16 ({@code halfKeys}) or q8_0/q4_0 ({@code quantKeys}, {@code q4}) cache read directly,
     * KV heads {@code [kh0, kh1)} only (threads split the heads): flash-style, {@link #TILE} positions at a time.
     * A tile's key and value rows are converted to floats once for a chunk of KV heads ({@link #chunkHeads}): each
     * row's slice for the chunk is contiguous in the cache, so the tile is read as one sequential run. (Head by head,
     * every row was a 128-byte read a row apart: about one DRAM latency per row once the cache outgrew the CPU's
     * caches, 80% of the attention time at 1k positions.) Then per KV head, each key row is scored against every
     * query head of the group; each head's running max, sum and output are rescaled once per tile (not once per
     * new max), the tile's weights are one {@link Vec#exp} per 8 positions, and the tile's value rows are summed
     * into each head's output in registers ({@link #addWeightedRows}). The conversions are bit-identical to
     * the cache's own, so only the summation order differs from the reference. Quantized slices that do not
     * start on a block (headDim not a multiple of 32) are read from inside the first block. {@code kt} and
     * {@code vt}: {@link #TILE} · {@link #tileSpan} floats; {@code sc}: group · TILE floats; {@code m}, {@code l}:
     * group · chunkHeads floats.
     */
    static void attendTiled(short[] halfKeys, short[] halfValues, byte[] quantKeys, byte[] quantValues, boolean q4,
                            int kvDim, int pos, float[] q, int qOff, int heads, int kvHeads, int kh0, int kh1,
                            int headDim, float scale, float[] out, int outOff, float[] m, float[] l, float[] kt,
                            float[] vt, float[] sc) {
        int group = heads / kvHeads, chunk = chunkHeads(kvHeads, headDim), span = tileSpan(kvHeads, headDim);
        for (int c0 = kh0; c0 < kh1; c0 += chunk) {
            int c1 = Math.min(kh1, c0 + chunk), len = (c1 - c0) * headDim;
            for (int kh = c0; kh < c1; kh++) begin(group, out, outOff + kh * group * headDim, headDim, m, l, (kh - c0) * group);
            for (int t0 = 0; t0 <= pos; t0 += TILE) {
                int n = Math.min(TILE, pos + 1 - t0), kSkip = 0, vSkip = 0;
                for (int j = 0; j < n; j++) {
                    kSkip = row(halfKeys, quantKeys, q4, kvDim, t0 + j, c0 * headDim, len, kt, j * span);
                    vSkip = row(halfValues, quantValues, q4, kvDim, t0 + j, c0 * headDim, len, vt, j * span);
                }
                for (int kh = c0; kh < c1; kh++) {
                    int h0 = kh * group, o0 = outOff + h0 * headDim, ml = (kh - c0) * group;
                    int col = (kh - c0) * headDim;
                    if (L == 8 && headDim % 8 == 0) {
                        scoreEights(kt, kSkip + col, span, n, q, qOff + h0 * headDim, group, headDim, scale, sc);
                    } else {
                        for (int j = 0; j < n; j++) {
                            for (int g = 0; g < group; g++) {
                                sc[g * TILE + j] = Vec.dot(kt, j * span + kSkip + col, q, qOff + (h0 + g) * headDim, headDim) * scale;
                            }
                        }
                    }
                    for (int g = 0; g < group; g++) {
                        int base = g * TILE;
                        java.util.Arrays.fill(sc, base + n, base + TILE, Float.NEGATIVE_INFINITY); // exp → 0
                        FloatVector mx = FloatVector.fromArray(F, sc, base);
                        for (int j = L; j < TILE; j += L) mx = mx.max(FloatVector.fromArray(F, sc, base + j));
                        float tileMax = mx.reduceLanes(VectorOperators.MAX);
                        if (tileMax > m[ml + g]) { // a new running max: the output so far rescaled once (0 on the first tile)
                            float c = (float) Math.exp(m[ml + g] - tileMax);
                            if (t0 > 0) scaleInPlace(out, o0 + g * headDim, headDim, c);
                            l[ml + g] *= c;
                            m[ml + g] = tileMax;
                        }
                        l[ml + g] += Vec.exp(sc, base, sc, base, TILE, 1f, m[ml + g]);
                    }
                    for (int g = 0; g < group; g++) {
                        addWeightedRows(vt, vSkip + col, span, sc, g * TILE, n, 1f, out, o0 + g * headDim, headDim);
                    }
                }
            }
            for (int kh = c0; kh < c1; kh++) end(group, out, outOff + kh * group * headDim, headDim, l, (kh - c0) * group);
        }
    }

    // scoreEights' lane swaps (i^1, i^2, i^4) and blend masks (odd lanes, lanes 2-3 and 6-7, the upper half)
    private static final VectorShuffle<Float> SWAP1 = VectorShuffle.fromOp(F, i -> i ^ 1);
    private static final VectorShuffle<Float> SWAP2 = VectorShuffle.fromOp(F, i -> i ^ 2);
    private static final VectorShuffle<Float> SWAP4 = VectorShuffle.fromOp(F, i -> i ^ Math.min(4, L / 2));
    private static final VectorMask<Float> ODD = VectorMask.fromLong(F, 0xAA), PAIRS_2_3 = VectorMask.fromLong(F, 0xCC);
    private static final VectorMask<Float> UPPER = VectorMask.fromLong(F, 0xF0);

    /**
     * sc[g · TILE + j] = scale · (query head g)·(key row j) for the {@code group} heads whose queries start at
     * {@code q[qo]} and the tile's key rows {@code kt[at + j · span ..]}, j below n rounded up to 8 (rows past n
     * are scored too; the caller masks them): 8 rows at a time, each an FMA chain of its own, and one transposing
     * sum of the 8 accumulators (3 rounds of swap, add, blend: lane j ends as row j's sum) instead of 8 horizontal
     * sums; 8 lanes and headDim a multiple of 8 only. At 1k positions 30% less attention time than row-at-a-time
     * dots (16 layers of llama-1b: 10.5 -> 7.4 ms per token, 1 thread). The order of the additions is fixed.
     */
    private static void scoreEights(float[] kt, int at, int span, int n, float[] q, int qo, int group, int headDim,
                                    float scale, float[] sc) {
        for (int g = 0; g < group; g++) {
            int qg = qo + g * headDim;
            for (int j0 = 0; j0 < n; j0 += 8) {
                int r = at + j0 * span;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                for (int d = 0; d < headDim; d += 8) {
                    FloatVector qv = FloatVector.fromArray(F, q, qg + d);
                    a0 = FloatVector.fromArray(F, kt, r + d).fma(qv, a0);
                    a1 = FloatVector.fromArray(F, kt, r + span + d).fma(qv, a1);
                    a2 = FloatVector.fromArray(F, kt, r + 2 * span + d).fma(qv, a2);
                    a3 = FloatVector.fromArray(F, kt, r + 3 * span + d).fma(qv, a3);
                    a4 = FloatVector.fromArray(F, kt, r + 4 * span + d).fma(qv, a4);
                    a5 = FloatVector.fromArray(F, kt, r + 5 * span + d).fma(qv, a5);
                    a6 = FloatVector.fromArray(F, kt, r + 6 * span + d).fma(qv, a6);
                    a7 = FloatVector.fromArray(F, kt, r + 7 * span + d).fma(qv, a7);
                }
                // lane 2i of b01: a0's lanes 2i, 2i+1 added; lane 2i+1: a1's; then pairs of those, then halves
                FloatVector b01 = a0.add(a0.rearrange(SWAP1)).blend(a1.add(a1.rearrange(SWAP1)), ODD);
                FloatVector b23 = a2.add(a2.rearrange(SWAP1)).blend(a3.add(a3.rearrange(SWAP1)), ODD);
                FloatVector b45 = a4.add(a4.rearrange(SWAP1)).blend(a5.add(a5.rearrange(SWAP1)), ODD);
                FloatVector b67 = a6.add(a6.rearrange(SWAP1)).blend(a7.add(a7.rearrange(SWAP1)), ODD);
                FloatVector c03 = b01.add(b01.rearrange(SWAP2)).blend(b23.add(b23.rearrange(SWAP2)), PAIRS_2_3);
                FloatVector c47 = b45.add(b45.rearrange(SWAP2)).blend(b67.add(b67.rearrange(SWAP2)), PAIRS_2_3);
                c03.add(c03.rearrange(SWAP4)).blend(c47.add(c47.rearrange(SWAP4)), UPPER).mul(scale)
                        .intoArray(sc, g * TILE + j0);
            }
        }
    }

    /**
     * Elements {@code [e0, e0 + len)} of row t of an f16 ({@code half}) or q8_0/q4_0 ({@code quant}) cache array as
     * floats in dst from {@code at}; returns where element e0 lands relative to {@code at} (a quantized slice is
     * read from its first block's start).
     */
    private static int row(short[] half, byte[] quant, boolean q4, int kvDim, int t, int e0, int len, float[] dst,
                           int at) {
        if (half != null) {
            halfToFloat(half, t * kvDim + e0, dst, at, len);
            return 0;
        }
        int blockBytes = q4 ? Q4_0_BLOCK : Q8_0_BLOCK, b0 = e0 >>> 5;
        int blocks = ((e0 + len + 31) >>> 5) - b0, base = t * (kvDim / 32 * blockBytes) + b0 * blockBytes;
        if (q4) q4_0ToFloat(quant, base, blocks, dst, at);
        else q8_0ToFloat(quant, base, blocks, dst, at);
        return e0 - 32 * b0;
    }

    /** Per-thread scratch of {@link #attendBatch}: keys transposed, values as rows, one head's scores. */
    static final class BatchScratch {
        float[] keysT = new float[0], values = new float[0], scores = new float[0], row = new float[0];

        void ensure(int stride, int headDim) {
            if (keysT.length < stride * headDim) {
                keysT = new float[stride * headDim];
                values = new float[stride * headDim];
                scores = new float[stride];
            }
            if (row.length < quantScratch(headDim)) row = new float[quantScratch(headDim)];
        }
    }

    /** Positions scored together: 4 float vectors. */
    static final int TILE = 4 * L;

    /** Scratch positions {@link #attendBatch} needs for {@code positions} positions. */
    static int batchStride(int positions) {
        return (positions + TILE - 1) / TILE * TILE;
    }

    /**
     * Causal attention of {@code n} query positions {@code startPos ..} (prefill), two-pass softmax per query
     * head: the KV head's cached keys and values up to the last position needed are converted to floats once
     * per call into {@code s} (keys transposed in tiles, {@link #keyIndex}), so each score
     * tile is {@link #TILE} positions × headDim FMAs with a broadcast query element and no horizontal sums, the
     * exponentials are {@link Vec#exp}, and each head's output accumulates in registers over the positions.
     * Work items are (KV head, query position) pairs, KV-head major: this call does items {@code [from, to)}.
     * The cache is f16 ({@code halfKeys}) or q8_0/q4_0 ({@code quantKeys}, {@code q4}). Queries and outputs are
     * back to back per position ({@code heads · headDim} floats each).
     */
    static void attendBatch(short[] halfKeys, short[] halfValues, byte[] quantKeys, byte[] quantValues, boolean q4,
                            int kvDim, int startPos, int n, float[] q, int heads, int kvHeads, int headDim,
                            float scale, float[] out, int from, int to, BatchScratch s) {
        if (from >= to) return;
        int group = heads / kvHeads, qStride = heads * headDim;
        for (int kh = from / n, lastKh = (to - 1) / n; kh <= lastKh; kh++) {
            int i0 = kh == from / n ? from % n : 0, i1 = kh == lastKh ? (to - 1) % n + 1 : n;
            int positions = startPos + i1, stride = batchStride(positions);
            s.ensure(stride, headDim);
            float[] kt = s.keysT, vf = s.values, sc = s.scores, row = s.row;
            // keys transposed and values as rows, positions [0, positions)
            for (int j = 0; j < positions; j++) {
                int skip = row(halfKeys, quantKeys, q4, kvDim, j, kh * headDim, headDim, row, 0);
                for (int d = 0, r = keyIndex(j, headDim); d < headDim; d++) kt[r + d * TILE] = row[skip + d];
                skip = row(halfValues, quantValues, q4, kvDim, j, kh * headDim, headDim, row, 0);
                System.arraycopy(row, skip, vf, j * headDim, headDim);
            }
            for (int i = i0; i < i1; i++) {
                int len = startPos + i + 1, tiles = (len + TILE - 1) / TILE;
                for (int g = 0; g < group; g++) {
                    int qo = i * qStride + (kh * group + g) * headDim;
                    float max = scores(kt, headDim, q, qo, scale, sc, len, tiles);
                    float sum = Vec.exp(sc, 0, sc, 0, tiles * TILE, 1f, max);
                    addWeightedRows(vf, 0, headDim, sc, 0, len, 0f, out, qo, headDim);
                    scaleInPlace(out, qo, headDim, 1f / sum);
                }
            }
        }
    }

    /**
     * Where key element (position j, dimension 0) sits in the transposed keys: tile-major, so that a tile's
     * TILE positions of one dimension are contiguous and the score loop steps by the constant TILE (a step C2
     * can prove in bounds once per loop; a variable stride cost a bounds check per load).
     */
    private static int keyIndex(int j, int headDim) {
        return (j / TILE * headDim) * TILE + j % TILE;
    }

    /** sc[0 .. tiles·TILE) = scale · q·k for positions below len, −inf above; returns the max. */
    private static float scores(float[] kt, int headDim, float[] q, int qo, float scale, float[] sc, int len,
                                int tiles) {
        FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int t = 0; t < tiles; t++) {
            int j = t * TILE, base = t * headDim * TILE;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0; d < headDim; d++) {
                int r = base + d * TILE;
                FloatVector qd = FloatVector.broadcast(F, q[qo + d]);
                a0 = FloatVector.fromArray(F, kt, r).fma(qd, a0);
                a1 = FloatVector.fromArray(F, kt, r + L).fma(qd, a1);
                a2 = FloatVector.fromArray(F, kt, r + 2 * L).fma(qd, a2);
                a3 = FloatVector.fromArray(F, kt, r + 3 * L).fma(qd, a3);
            }
            a0.mul(scale).intoArray(sc, j);
            a1.mul(scale).intoArray(sc, j + L);
            a2.mul(scale).intoArray(sc, j + 2 * L);
            a3.mul(scale).intoArray(sc, j + 3 * L);
        }
        for (int j = len; j < tiles * TILE; j++) sc[j] = Float.NEGATIVE_INFINITY; // causal mask (and padding)
        for (int j = 0; j < tiles * TILE; j += L) max = max.max(FloatVector.fromArray(F, sc, j));
        return max.reduceLanes(VectorOperators.MAX);
    }

    /**
     * out[o .. o+headDim) = keep · out[o ..] + Σ_{j < len} w[w0 + j] · rows[first + j · stride ..], four vectors of
     * dimensions at a time in registers (independent FMA chains, no store per position); keep = 0 overwrites.
     */
    private static void addWeightedRows(float[] rows, int first, int stride, float[] w, int w0, int len, float keep,
                                        float[] out, int o, int headDim) {
        int d = 0;
        for (; d + 4 * L <= headDim; d += 4 * L) {
            FloatVector a0 = FloatVector.fromArray(F, out, o + d).mul(keep);
            FloatVector a1 = FloatVector.fromArray(F, out, o + d + L).mul(keep);
            FloatVector a2 = FloatVector.fromArray(F, out, o + d + 2 * L).mul(keep);
            FloatVector a3 = FloatVector.fromArray(F, out, o + d + 3 * L).mul(keep);
            for (int j = 0, r = first + d; j < len; j++, r += stride) {
                FloatVector p = FloatVector.broadcast(F, w[w0 + j]);
                a0 = FloatVector.fromArray(F, rows, r).fma(p, a0);
                a1 = FloatVector.fromArray(F, rows, r + L).fma(p, a1);
                a2 = FloatVector.fromArray(F, rows, r + 2 * L).fma(p, a2);
                a3 = FloatVector.fromArray(F, rows, r + 3 * L).fma(p, a3);
            }
            a0.intoArray(out, o + d);
            a1.intoArray(out, o + d + L);
            a2.intoArray(out, o + d + 2 * L);
            a3.intoArray(out, o + d + 3 * L);
        }
        for (; d < headDim; d++) {
            float a = keep * out[o + d];
            for (int j = 0; j < len; j++) a += w[w0 + j] * rows[first + j * stride + d];
            out[o + d] = a;
        }
    }

    static final int Q8_0_BLOCK = 34, Q4_0_BLOCK = 18;
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64, B16 = ByteVector.SPECIES_128;

    /** The fp16 scale at src[p], little-endian. */
    private static float scaleAt(byte[] src, int p) {
        return Float.float16ToFloat((short) ((src[p] & 0xFF) | src[p + 1] << 8));
    }

    /**
     * dst[at .. at + 32·blocks) = the Q8_0 blocks at src[off ..] dequantized (d·q). Hand-unrolled over the block's
     * four 8-byte groups (sign-extending loads straight into float lanes); no calls inside the vector body (C2 inlining
     * budget, README).
     */
    static void q8_0ToFloat(byte[] src, int off, int blocks, float[] dst, int at) {
        if (L != 8) {
            q8_0ToFloatAnyLanes(src, off, blocks, dst, at);
            return;
        }
        for (int b = 0; b < blocks; b++) {
            int p = off + Q8_0_BLOCK * b, o = at + 32 * b;
            FloatVector d = FloatVector.broadcast(F,
                    Float.float16ToFloat((short) ((src[p] & 0xFF) | src[p + 1] << 8)));
            ((FloatVector) ByteVector.fromArray(B8, src, p + 2).convertShape(VectorOperators.B2F, F, 0)).mul(d)
                    .intoArray(dst, o);
            ((FloatVector) ByteVector.fromArray(B8, src, p + 10).convertShape(VectorOperators.B2F, F, 0)).mul(d)
                    .intoArray(dst, o + 8);
            ((FloatVector) ByteVector.fromArray(B8, src, p + 18).convertShape(VectorOperators.B2F, F, 0)).mul(d)
                    .intoArray(dst, o + 16);
            ((FloatVector) ByteVector.fromArray(B8, src, p + 26).convertShape(VectorOperators.B2F, F, 0)).mul(d)
                    .intoArray(dst, o + 24);
        }
    }


    /** {@link #q8_0ToFloat} for any float lane count (8 bytes widened into 8 / L float vectors). */
    static void q8_0ToFloatAnyLanes(byte[] src, int off, int blocks, float[] dst, int at) {
        for (int b = 0; b < blocks; b++) {
            int p = off + Q8_0_BLOCK * b, o = at + 32 * b;
            FloatVector d = FloatVector.broadcast(F, scaleAt(src, p));
            for (int j = 0; j < 32; j += 8) {
                ByteVector q = ByteVector.fromArray(B8, src, p + 2 + j);
                for (int part = 0; part < Vec.PARTS; part++) {
                    ((FloatVector) q.convertShape(VectorOperators.B2F, F, part)).mul(d).intoArray(dst, o + j + part * L);
                }
            }
        }
    }


    /**
     * dst[at .. at + 32·blocks) = the Q4_0 blocks at src[off ..] dequantized (d·(nibble − 8)). For 8 float lanes:
     * the 16 quant bytes loaded once and widened to two int vectors (bytes 0-7, 8-15), nibbles split with int and/shift
     * (as {@link BlockKernels#q4_0Sums}: byte-lane shifts compile badly), hand-unrolled.
     */
    static void q4_0ToFloat(byte[] src, int off, int blocks, float[] dst, int at) {
        if (L != 8) {
            q4_0ToFloatAnyLanes(src, off, blocks, dst, at);
            return;
        }
        for (int b = 0; b < blocks; b++) {
            int p = off + Q4_0_BLOCK * b, o = at + 32 * b;
            FloatVector d = FloatVector.broadcast(F,
                    Float.float16ToFloat((short) ((src[p] & 0xFF) | src[p + 1] << 8)));
            ByteVector raw = ByteVector.fromArray(B16, src, p + 2);
            IntVector i0 = (IntVector) raw.convertShape(VectorOperators.B2I, Vec.I8, 0);
            IntVector i1 = (IntVector) raw.convertShape(VectorOperators.B2I, Vec.I8, 1);
            ((FloatVector) i0.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o);
            ((FloatVector) i1.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + 8);
            ((FloatVector) i0.lanewise(VectorOperators.LSHR, 4).and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(d)
                    .intoArray(dst, o + 16);
            ((FloatVector) i1.lanewise(VectorOperators.LSHR, 4).and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(d)
                    .intoArray(dst, o + 24);
        }
    }


    /** {@link #q4_0ToFloat} for any float lane count (byte lanes split into nibbles, widened into 8 / L float vectors). */
    static void q4_0ToFloatAnyLanes(byte[] src, int off, int blocks, float[] dst, int at) {
        for (int b = 0; b < blocks; b++) {
            int p = off + Q4_0_BLOCK * b, o = at + 32 * b;
            FloatVector d = FloatVector.broadcast(F, scaleAt(src, p));
            for (int j = 0; j < 16; j += 8) {
                ByteVector raw = ByteVector.fromArray(B8, src, p + 2 + j);
                ByteVector lo = raw.and((byte) 0xF).sub((byte) 8);
                ByteVector hi = raw.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF).sub((byte) 8);
                for (int part = 0; part < Vec.PARTS; part++) {
                    ((FloatVector) lo.convertShape(VectorOperators.B2F, F, part)).mul(d).intoArray(dst, o + j + part * L);
                    ((FloatVector) hi.convertShape(VectorOperators.B2F, F, part)).mul(d)
                            .intoArray(dst, o + 16 + j + part * L);
                }
            }
        }
    }


    static void scaleInPlace(float[] a, int off, int n, float c) {
        int i = 0;
        for (; i + L <= n; i += L) FloatVector.fromArray(F, a, off + i).mul(c).intoArray(a, off + i);
        for (; i < n; i++) a[off + i] *= c;
    }
}
