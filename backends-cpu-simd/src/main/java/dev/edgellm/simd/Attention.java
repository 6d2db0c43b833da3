package dev.edgellm.simd;

import dev.edgellm.kv.KvCache;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.edgellm.simd.Vec.F;
import static dev.edgellm.simd.Vec.L;

/**
 * Single-pass (online-softmax, flash-style) causal attention for one query position, GQA-aware: positions
 * are walked once per KV head and every query head of the group is scored against the key while it is hot
 * in cache. Each head keeps a running max m, a running sum l and an unnormalized output o; a new score s
 * above m rescales o and l by exp(m - s) once, so no score array and no second pass over the values.
 * {@code m} and {@code l} are caller scratch of at least {@code group} floats each.
 */
final class Attention {
    private Attention() {}

    static void attend(KvCache cache, int layer, int pos, float[] q, int qOff, int heads, int kvHeads,
                       int headDim, float scale, float[] out, int outOff, float[] m, float[] l) {
        int group = heads / kvHeads;
        for (int kh = 0; kh < kvHeads; kh++) {
            int kvOff = kh * headDim;
            int h0 = kh * group;
            begin(group, out, outOff + h0 * headDim, headDim, m, l);
            for (int t = 0; t <= pos; t++) {
                for (int g = 0; g < group; g++) {
                    int o = outOff + (h0 + g) * headDim;
                    float s = cache.dotKey(layer, t, kvOff, q, qOff + (h0 + g) * headDim, headDim) * scale;
                    cache.addValue(layer, t, kvOff, weigh(s, g, t, out, o, headDim, m, l), out, o, headDim);
                }
            }
            end(group, out, outOff + h0 * headDim, headDim, l);
        }
    }

    /** Resets the running max, sum and output of the {@code group} heads whose outputs start at {@code o}. */
    private static void begin(int group, float[] out, int o, int headDim, float[] m, float[] l) {
        java.util.Arrays.fill(m, 0, group, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(l, 0, group, 0f);
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
    private static void end(int group, float[] out, int o, int headDim, float[] l) {
        for (int g = 0; g < group; g++) scaleInPlace(out, o + g * headDim, headDim, 1f / l[g]);
    }

    /**
     * {@link #attend} for an f16 cache read directly: each key and value row of a KV head is converted to floats
     * once (8 lanes at a time, {@link #halfToFloat}) and reused by every query head of the group, instead of one
     * software f16 conversion per element and head through the cache interface. Only KV heads
     * {@code [kh0, kh1)} (and their query heads) are computed, so that threads can split the heads.
     * {@code kf}, {@code vf}: scratch of {@code headDim} floats.
     */
    static void attendHalf(short[] keys, short[] values, int kvDim, int pos, float[] q, int qOff, int heads,
                           int kvHeads, int kh0, int kh1, int headDim, float scale, float[] out, int outOff, float[] m,
                           float[] l, float[] kf, float[] vf) {
        int group = heads / kvHeads;
        for (int kh = kh0; kh < kh1; kh++) {
            int h0 = kh * group;
            begin(group, out, outOff + h0 * headDim, headDim, m, l);
            for (int t = 0; t <= pos; t++) {
                int base = t * kvDim + kh * headDim;
                halfToFloat(keys, base, kf, headDim);
                halfToFloat(values, base, vf, headDim);
                for (int g = 0; g < group; g++) {
                    int o = outOff + (h0 + g) * headDim;
                    float s = Vec.dot(kf, 0, q, qOff + (h0 + g) * headDim, headDim) * scale;
                    axpy(weigh(s, g, t, out, o, headDim, m, l), vf, out, o, headDim);
                }
            }
            end(group, out, outOff + h0 * headDim, headDim, l);
        }
    }

    private static final VectorSpecies<Short> H = ShortVector.SPECIES_128;

    /**
     * dst[0 .. n) = the halfs at src[off ..] as floats: magnitude bits moved into a float and rescaled by 2^112
     * (exact for normals and subnormals), sign copied, all-ones exponent mapped to inf/NaN.
     */
    static void halfToFloat(short[] src, int off, float[] dst, int n) {
        int i = 0;
        if (L == 8) {
            for (; i + 8 <= n; i += 8) {
                IntVector h = (IntVector) ShortVector.fromArray(H, src, off + i)
                        .convertShape(VectorOperators.S2I, Vec.I8, 0);
                h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                        .reinterpretAsInts()
                        .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .lanewise(VectorOperators.OR, 0x7F800000, h.and(0x7C00).compare(VectorOperators.EQ, 0x7C00))
                        .reinterpretAsFloats().intoArray(dst, i);
            }
        }
        for (; i < n; i++) dst[i] = Float.float16ToFloat(src[off + i]);
    }

    /** out[o ..] += w · v[0 .. n). */
    static void axpy(float w, float[] v, float[] out, int o, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, v, i).fma(FloatVector.broadcast(F, w), FloatVector.fromArray(F, out, o + i))
                    .intoArray(out, o + i);
        }
        for (; i < n; i++) out[o + i] += w * v[i];
    }

    static void scaleInPlace(float[] a, int off, int n, float c) {
        int i = 0;
        for (; i + L <= n; i += L) FloatVector.fromArray(F, a, off + i).mul(c).intoArray(a, off + i);
        for (; i < n; i++) a[off + i] *= c;
    }
}
