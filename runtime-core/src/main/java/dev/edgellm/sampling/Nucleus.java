package dev.edgellm.sampling;

/**
 * The top-p (nucleus) cut: how many of the best candidates, taken most-likely-first, it takes for their
 * weight to reach a target. Weights are unnormalised probabilities looked up by token id.
 *
 * <p>On a sorted list this is a scan. On an unsorted one (top-k disabled, so the whole vocabulary) a
 * quickselect finds the boundary without sorting everything: each round partitions the open range around a
 * pivot and keeps only the side that holds the boundary, so the expected cost is O(n). After a bounded number
 * of rounds, or once the range is small, the rest is heapsorted, which caps the worst case at O(n log n).
 * The kept candidates come back in no particular order except for that final sorted stretch. The weight
 * before the boundary is summed in a different order than a sorted scan would, so the two can disagree
 * only when the running sum lands within double rounding of the target.
 */
final class Nucleus {
    private static final int SORT_BELOW = 64;

    private Nucleus() {
    }

    /** @return the shortest prefix of sorted {@code keys[0, n)} whose weight is {@code >= target}, or n */
    static int sortedCut(long[] keys, int n, double[] w, double target) {
        double cum = 0;
        for (int i = 0; i < n; i++) {
            cum += w[Candidates.id(keys[i])];
            if (cum >= target) {
                return i + 1;
            }
        }
        return n; // rounding left the target unreached: keep everything
    }

    /** Like {@link #sortedCut} for unsorted keys; permutes keys so the kept candidates are keys[0, result). */
    static int unsortedCut(long[] keys, int n, double[] w, double target) {
        int lo = 0;
        int hi = n;
        double above = 0; // weight of keys[0, lo): all better than anything in [lo, hi), and < target
        int rounds = 2 * (32 - Integer.numberOfLeadingZeros(n)) + 4;
        while (hi - lo > SORT_BELOW && rounds-- > 0) {
            // Lomuto partition around a median-of-3 pivot: [lo, m) better than it, (m, hi) worse
            int p = median3(keys, lo, (lo + hi) >>> 1, hi - 1);
            long pivot = keys[p];
            swap(keys, p, hi - 1);
            int m = lo;
            double left = 0;
            for (int j = lo; j < hi - 1; j++) {
                if (keys[j] < pivot) {
                    left += w[Candidates.id(keys[j])];
                    swap(keys, m++, j);
                }
            }
            swap(keys, m, hi - 1);
            double wp = w[Candidates.id(pivot)];
            if (above + left >= target) {
                hi = m;                 // the boundary is strictly better than the pivot
            } else if (above + left + wp >= target) {
                return m + 1;           // the pivot is the boundary
            } else {
                above += left + wp;     // everything up to the pivot is kept
                lo = m + 1;
            }
        }
        Candidates.selectTop(keys, lo, hi, hi - lo);
        double cum = above;
        for (int i = lo; i < hi; i++) {
            cum += w[Candidates.id(keys[i])];
            if (cum >= target) {
                return i + 1;
            }
        }
        return hi; // only through rounding: keep everything not already ruled out
    }

    private static int median3(long[] a, int i, int j, int k) {
        if (a[i] < a[j]) {
            return a[j] < a[k] ? j : (a[i] < a[k] ? k : i);
        }
        return a[i] < a[k] ? i : (a[j] < a[k] ? k : j);
    }

    private static void swap(long[] a, int i, int j) {
        long t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
