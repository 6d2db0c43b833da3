package dev.edgellm.sampling;

/**
 * A candidate token packed into one {@code long}: the high 32 bits order by logit descending, the low 32 bits
 * hold the token id. Ascending {@code long} order is therefore "most likely first, ties by lowest id", which is
 * the one order every stage of the sampler uses. Packing keeps the candidate list a single primitive array, so
 * selecting and sorting move 8 bytes per token and allocate nothing.
 */
final class Candidates {
    private Candidates() {
    }

    /** NaN becomes -inf (never chosen over a real logit) and -0.0 becomes +0.0 so that the two tie. */
    static long key(float logit, int id) {
        float l = logit != logit ? Float.NEGATIVE_INFINITY : logit + 0.0f;
        int bits = Float.floatToRawIntBits(l);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // signed-int order == float order
        return ((long) ~ordered << 32) | (id & 0xffffffffL);
    }

    static float logit(long key) {
        int ordered = ~(int) (key >>> 32);
        return Float.intBitsToFloat(ordered ^ ((ordered >> 31) & 0x7fffffff));
    }

    static int id(long key) {
        return (int) key;
    }

    /** Index of the smallest key (the argmax logit, lowest id on ties) in {@code a[0, n)}. */
    static int best(long[] a, int n) {
        int bi = 0;
        for (int i = 1; i < n; i++) {
            if (a[i] < a[bi]) {
                bi = i;
            }
        }
        return bi;
    }

    /**
     * Permutes {@code a[0, n)} so that its {@code k} smallest keys come first, in ascending order; the rest
     * stay behind them in some order. A max-heap of the k best seen so far rejects most tokens with one
     * comparison, so this is O(n log k) at worst, and sorts fully (heapsort, no allocation) when k == n.
     */
    static void selectTop(long[] a, int n, int k) {
        if (k <= 0) {
            return;
        }
        for (int i = k / 2 - 1; i >= 0; i--) {
            siftDown(a, i, k);
        }
        for (int i = k; i < n; i++) {
            if (a[i] < a[0]) {
                // swap rather than overwrite: the tail must stay a permutation for a later, wider selection
                long t = a[i];
                a[i] = a[0];
                a[0] = t;
                siftDown(a, 0, k);
            }
        }
        for (int end = k - 1; end > 0; end--) {
            long t = a[end];
            a[end] = a[0];
            a[0] = t;
            siftDown(a, 0, end);
        }
    }

    private static void siftDown(long[] a, int i, int size) {
        long v = a[i];
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) {
                break;
            }
            if (c + 1 < size && a[c + 1] > a[c]) {
                c++;
            }
            if (a[c] <= v) {
                break;
            }
            a[i] = a[c];
            i = c;
        }
        a[i] = v;
    }
}
