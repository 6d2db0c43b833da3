package dev.edgellm.sampling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Each stage on hand-made logits, checked through the exact set of surviving candidates. */
class SamplerFilterTest {

    /** All filters off, temperature 1: the starting point for testing one stage at a time. */
    static SamplerSpec.Builder plain() {
        return SamplerSpec.builder().temperature(1f).topK(0).topP(1f).minP(0f).seed(1);
    }

    static float[] logitsOf(double... probs) {
        float[] l = new float[probs.length];
        for (int i = 0; i < probs.length; i++) {
            l[i] = (float) Math.log(probs[i]);
        }
        return l;
    }

    static Set<Integer> survivors(SamplerSpec spec, float[] logits) {
        Sampler s = new Sampler(spec, logits.length);
        int n = s.prepare(logits);
        Set<Integer> ids = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            ids.add(s.candidateId(i));
        }
        return ids;
    }

    @Test
    void greedyIsArgmaxWithTiesToLowestId() {
        Sampler g = new Sampler(SamplerSpec.greedy(), 4);
        assertEquals(1, g.sample(new float[] {1f, 3f, 3f, 2f}));
        assertEquals(3, g.sample(new float[] {-5f, -4f, -9f, -1f}));
        assertEquals(0, g.sample(new float[] {7f, 7f, 7f, 7f}));
        assertEquals(2, g.sample(new float[] {Float.NaN, 1f, 2f, Float.NaN}), "NaN is never the max");
        Sampler g2 = new Sampler(SamplerSpec.greedy(), 2);
        assertEquals(0, g2.sample(new float[] {-0f, 0f}), "-0 and +0 tie");
    }

    @Test
    void greedyDoesNotDependOnSeed() {
        float[] logits = {0.1f, 0.4f, 0.39f};
        for (long seed = 0; seed < 20; seed++) {
            Sampler g = new Sampler(SamplerSpec.builder().temperature(0f).seed(seed).build(), 3);
            assertEquals(1, g.sample(logits));
        }
    }

    @Test
    void topKOneEqualsGreedy() {
        SplittableRandom r = new SplittableRandom(11);
        Sampler greedy = new Sampler(SamplerSpec.greedy(), 1000);
        for (int trial = 0; trial < 50; trial++) {
            Sampler k1 = new Sampler(SamplerSpec.builder().temperature(1.5f).topK(1).seed(trial).build(), 1000);
            float[] logits = new float[1000];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) r.nextInt(200) / 10f; // ties happen
            }
            assertEquals(greedy.sample(logits), k1.sample(logits));
        }
    }

    @Test
    void topKKeepsTheKLargestWithTiesToLowestIds() {
        float[] logits = {1f, 5f, 3f, 4f, 2f};
        assertEquals(Set.of(1, 3), survivors(plain().topK(2).build(), logits));
        assertEquals(Set.of(1, 2, 3), survivors(plain().topK(3).build(), logits));
        assertEquals(Set.of(0, 1, 2, 3, 4), survivors(plain().topK(5).build(), logits));
        assertEquals(Set.of(0, 1, 2, 3, 4), survivors(plain().topK(99).build(), logits));
        assertEquals(Set.of(0, 1, 2, 3, 4), survivors(plain().topK(0).build(), logits));
        assertEquals(Set.of(0, 2), survivors(plain().topK(2).build(), new float[] {2f, 1f, 2f, 2f}));
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        // probabilities by id: 0.30, 0.05, 0.15, 0.50 -> sorted 3, 0, 2, 1 with cumulative 0.5, 0.8, 0.95, 1
        float[] logits = logitsOf(0.30, 0.05, 0.15, 0.50);
        assertEquals(Set.of(3, 0, 2), survivors(plain().topP(0.9f).build(), logits));
        assertEquals(Set.of(3, 0), survivors(plain().topP(0.79f).build(), logits));
        assertEquals(Set.of(3), survivors(plain().topP(0.45f).build(), logits));
        assertEquals(Set.of(3, 0, 2, 1), survivors(plain().topP(0.99f).build(), logits));
        assertEquals(Set.of(3, 0, 2, 1), survivors(plain().topP(1f).build(), logits));
    }

    @Test
    void topPOnALargeVocabularyMatchesABruteForceSort() {
        // top-k off, so the unsorted (quickselect) path handles 5000 candidates
        int v = 5000;
        SplitMix64 r = new SplitMix64(3);
        float[] flat = new float[v];
        float[] peaked = new float[v];
        for (int i = 0; i < v; i++) {
            flat[i] = (float) (r.nextDouble() * 4 - 2);
            peaked[i] = (float) (r.nextDouble() * 30 - 20);
        }
        for (float p : new float[] {0.05f, 0.3f, 0.9f, 0.999f}) {
            assertEquals(bruteForceTopP(flat, p), survivors(plain().topP(p).build(), flat), "flat, top_p " + p);
            assertEquals(bruteForceTopP(peaked, p), survivors(plain().topP(p).build(), peaked), "peaked " + p);
        }
    }

    @Test
    void topPOnEqualLogitsKeepsExactlyTheLowestIds() {
        // 2000 candidates take the unsorted path; equal weights sum exactly, so the cut is exact
        Set<Integer> kept = survivors(plain().topP(0.5f).build(), new float[2000]);
        assertEquals(1000, kept.size());
        assertEquals(0, (int) ((TreeSet<Integer>) kept).first());
        assertEquals(999, (int) ((TreeSet<Integer>) kept).last());
    }

    /** Sort everything, then keep the shortest prefix whose softmax mass reaches p. */
    private static Set<Integer> bruteForceTopP(float[] logits, float p) {
        float max = Float.NEGATIVE_INFINITY;
        double total = 0;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        for (float l : logits) {
            total += StrictMath.exp(l - max);
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < logits.length; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -logits[i]).thenComparingInt(i -> i));
        Set<Integer> kept = new TreeSet<>();
        double cum = 0;
        for (int id : order) {
            kept.add(id);
            cum += StrictMath.exp(logits[id] - max);
            if (cum >= p * total) {
                break;
            }
        }
        return kept;
    }

    @Test
    void minPKeepsTokensWithAtLeastPTimesTheMaxProbability() {
        // p_max 0.5, so min_p 0.1 keeps p >= 0.05: everything except id 3 (0.04)
        float[] logits = logitsOf(0.5, 0.2, 0.06, 0.04, 0.2);
        assertEquals(Set.of(0, 1, 2, 4), survivors(plain().minP(0.1f).build(), logits));
        assertEquals(Set.of(0, 1, 4), survivors(plain().minP(0.3f).build(), logits));
        assertEquals(Set.of(0), survivors(plain().minP(0.5f).build(), logits));
        assertEquals(Set.of(0, 1, 2, 3, 4), survivors(plain().minP(0.05f).build(), logits));
        // the same rule on the sorted path (after top-k)
        assertEquals(Set.of(0, 1, 2, 4), survivors(plain().topK(4).minP(0.1f).build(), logits));
        assertEquals(Set.of(0, 1, 4), survivors(plain().topK(4).minP(0.15f).build(), logits));
    }

    @Test
    void stagesRunInLlamaCppOrderAndRenormalise() {
        float[] logits = logitsOf(0.4, 0.3, 0.2, 0.1);
        // alone, top-p 0.5 needs 0.4 + 0.3
        assertEquals(Set.of(0, 1), survivors(plain().topP(0.5f).build(), logits));
        // after top-k 2 the survivors are renormalised to 0.571 / 0.429, so id 0 alone reaches 0.5
        assertEquals(Set.of(0), survivors(plain().topK(2).topP(0.5f).build(), logits));
        // min-p after top-p: top-p 0.95 keeps 0..3, then min-p 0.3 drops p < 0.12
        assertEquals(Set.of(0, 1, 2), survivors(plain().topP(0.95f).minP(0.3f).build(), logits));
    }

    @Test
    void filtersSeeTheUntemperedDistribution() {
        float[] logits = logitsOf(0.5, 0.2, 0.06, 0.04, 0.2);
        for (float t : new float[] {0.1f, 1f, 5f}) {
            assertEquals(Set.of(0, 1, 2, 4), survivors(plain().temperature(t).minP(0.1f).build(), logits));
            assertEquals(Set.of(0, 1, 4), survivors(plain().temperature(t).topP(0.8f).build(), logits));
        }
    }

    @Test
    void rejectsWrongLogitsLengthAndBadTokens() {
        Sampler s = new Sampler(plain().build(), 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.sample(new float[4]));
        assertEquals("logits length must equal vocabSize 3, got 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.accept(3));
        assertEquals("token must be in [0, 3), got 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Sampler(plain().build(), 0));
        assertEquals("vocabSize must be > 0, got 0", e.getMessage());
    }

    @Test
    void callerLogitsAreNotModified() {
        float[] logits = {1f, 2f, 3f, -4f};
        float[] copy = logits.clone();
        Sampler s = new Sampler(SamplerSpec.builder().repeatPenalty(1.5f).seed(2).build(), 4);
        s.accept(2);
        s.sample(logits);
        assertEquals(Arrays.toString(copy), Arrays.toString(logits));
    }
}
