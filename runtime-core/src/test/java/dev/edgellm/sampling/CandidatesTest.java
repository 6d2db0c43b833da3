package dev.edgellm.sampling;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CandidatesTest {

    @Test
    void keyRoundTripsLogitAndId() {
        float[] values = {0f, 1.5f, -1.5f, 1e-30f, -1e30f, Float.MAX_VALUE, -Float.MIN_VALUE,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (float v : values) {
            long k = Candidates.key(v, 123_456);
            assertEquals(v, Candidates.logit(k));
            assertEquals(123_456, Candidates.id(k));
        }
        assertEquals(Float.NEGATIVE_INFINITY, Candidates.logit(Candidates.key(Float.NaN, 3)));
        assertEquals(0f, Candidates.logit(Candidates.key(-0f, 3)));
    }

    @Test
    void ascendingKeysMeanDescendingLogitThenAscendingId() {
        assertTrue(Candidates.key(2f, 9) < Candidates.key(1f, 0));
        assertTrue(Candidates.key(-1f, 9) < Candidates.key(-2f, 0));
        assertTrue(Candidates.key(0f, 9) < Candidates.key(-1e-30f, 0));
        assertTrue(Candidates.key(3f, 1) < Candidates.key(3f, 2));
        assertEquals(Candidates.key(0f, 4), Candidates.key(-0f, 4), "-0 and +0 tie");
        assertTrue(Candidates.key(-1e30f, 0) < Candidates.key(Float.NaN, 0));
    }

    @Test
    void selectTopMatchesFullSortAndKeepsAPermutation() {
        SplittableRandom r = new SplittableRandom(5);
        for (int trial = 0; trial < 40; trial++) {
            int n = 1 + r.nextInt(3000);
            long[] a = new long[n];
            for (int i = 0; i < n; i++) {
                // few distinct logits so that ties by id matter
                a[i] = Candidates.key((float) r.nextInt(50) - 25f, i);
            }
            long[] expected = a.clone();
            Arrays.sort(expected);
            int k = trial % 4 == 0 ? n : 1 + r.nextInt(n);
            Candidates.selectTop(a, n, k);
            assertArrayEquals(Arrays.copyOf(expected, k), Arrays.copyOf(a, k), "n=" + n + " k=" + k);
            long[] all = a.clone();
            Arrays.sort(all);
            assertArrayEquals(expected, all);
        }
    }

    @Test
    void bestIsArgmaxWithLowestIdOnTies() {
        long[] a = {Candidates.key(1f, 0), Candidates.key(3f, 1), Candidates.key(3f, 2), Candidates.key(2f, 3)};
        assertEquals(1, Candidates.best(a, a.length));
    }
}
