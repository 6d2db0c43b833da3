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
     * comparison, so this is O(n log k) at worst, and a full in-place heapsort when k == n.
     */
    static void selectTop(long[] a, int n, int k) {
        selectTop(a, 0, n, k);
    }

    /** {@link #selectTop(long[], int, int)} on the range {@code a[lo, hi)}: its k smallest go to a[lo, lo+k). */
    static void selectTop(long[] a, int lo, int hi, int k) {
        if (k <= 0) {
            return;
        }
        for (int i = k / 2 - 1; i >= 0; i--) {
            siftDown(a, lo, i, k);
        }
        for (int i = lo + k; i < hi; i++) {
            if (a[i] < a[lo]) {
                // swap rather than overwrite: the range must stay a permutation of the candidates
                long t = a[i];
                a[i] = a[lo];
                a[lo] = t;
                siftDown(a, lo, 0, k);
            }
        }
        for (int end = k - 1; end > 0; end--) {
            long t = a[lo + end];
            a[lo + end] = a[lo];
            a[lo] = t;
            siftDown(a, lo, 0, end);
        }
    }

    /** Max-heap sift of heap index i in the heap stored at a[base, base+size). */
    private static void siftDown(long[] a, int base, int i, int size) {
        long v = a[base + i];
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) {
                break;
            }
            if (c + 1 < size && a[base + c + 1] > a[base + c]) {
                c++;
            }
            if (a[base + c] <= v) {
                break;
            }
            a[base + i] = a[base + c];
            i = c;
        }
        a[base + i] = v;
    }
}
