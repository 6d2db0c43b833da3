package dev.edgellm.simd;

import dev.edgellm.kv.KvCache;
import jdk.incubator.vector.FloatVector;

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
            for (int g = 0; g < group; g++) {
                m[g] = Float.NEGATIVE_INFINITY;
                l[g] = 0f;
                java.util.Arrays.fill(out, outOff + (h0 + g) * headDim, outOff + (h0 + g + 1) * headDim, 0f);
            }
            for (int t = 0; t <= pos; t++) {
                for (int g = 0; g < group; g++) {
                    int h = h0 + g;
                    float s = cache.dotKey(layer, t, kvOff, q, qOff + h * headDim, headDim) * scale;
                    int o = outOff + h * headDim;
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
                    cache.addValue(layer, t, kvOff, w, out, o, headDim);
                }
            }
            for (int g = 0; g < group; g++) scaleInPlace(out, outOff + (h0 + g) * headDim, headDim, 1f / l[g]);
        }
    }

    static void scaleInPlace(float[] a, int off, int n, float c) {
        int i = 0;
        for (; i + L <= n; i += L) FloatVector.fromArray(F, a, off + i).mul(c).intoArray(a, off + i);
        for (; i < n; i++) a[off + i] *= c;
    }
}
