package dev.edgellm.sampling;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The quickselect cut must keep exactly the set that sorting and scanning keeps. */
class NucleusTest {

    private static void assertSameCut(float[] logits, double fraction) {
        int n = logits.length;
        long[] keys = new long[n];
        double[] w = new double[n];
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            keys[i] = Candidates.key(logits[i], i);
            w[i] = Math.exp(logits[i] - max); // as the sampler does: equal logits weigh exactly 1
            total += w[i];
        }
        long[] sorted = keys.clone();
        Arrays.sort(sorted);
        int expected = Nucleus.sortedCut(sorted, n, w, fraction * total);

        int got = Nucleus.unsortedCut(keys, n, w, fraction * total);
        assertEquals(expected, got, "n=" + n + " fraction=" + fraction);
        long[] kept = Arrays.copyOf(keys, got);
        Arrays.sort(kept);
        assertArrayEquals(Arrays.copyOf(sorted, expected), kept);
        long[] all = keys.clone();
        Arrays.sort(all);
        assertArrayEquals(sorted, all, "keys stay a permutation");
    }

    @Test
    void randomInputs() {
        SplittableRandom r = new SplittableRandom(21);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + r.nextInt(4000);
            float[] l = new float[n];
            float scale = (float) (r.nextDouble() * 20);
            for (int i = 0; i < n; i++) {
                l[i] = (float) (r.nextDouble() * scale);
            }
            assertSameCut(l, r.nextDouble());
        }
    }

    @Test
    void adversarialOrders() {
        int n = 3000;
        float[] ascending = new float[n];
        float[] descending = new float[n];
        float[] equal = new float[n];
        float[] organPipe = new float[n];
        float[] mostlyImpossible = new float[n];
        for (int i = 0; i < n; i++) {
            ascending[i] = i * 0.01f;
            descending[i] = -i * 0.01f;
            equal[i] = 1f;
            organPipe[i] = Math.min(i, n - i) * 0.01f;
            mostlyImpossible[i] = i % 100 == 0 ? 0f : Float.NEGATIVE_INFINITY;
        }
        for (double f : new double[] {1e-9, 0.1, 0.5, 0.95, 0.999}) {
            assertSameCut(ascending, f);
            assertSameCut(descending, f);
            assertSameCut(equal, f);
            assertSameCut(organPipe, f);
            assertSameCut(mostlyImpossible, f);
        }
    }
}
