package dev.edgellm.sampling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The random part: reproducibility, and that draws follow softmax(logits / temperature). */
class SamplerDrawTest {
    private static final int VOCAB = 512;

    /** A stand-in model: logits depend only on the previous token, through our own fixed PRNG. */
    private static float[] fakeLogits(int prev) {
        SplitMix64 r = new SplitMix64(prev * 1_000_003L + 17);
        float[] l = new float[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            l[i] = (float) (r.nextDouble() * 12 - 6);
        }
        return l;
    }

    private static List<Integer> generate(Sampler s, int count) {
        List<Integer> out = new ArrayList<>();
        int prev = 0;
        for (int i = 0; i < count; i++) {
            prev = s.sample(fakeLogits(prev));
            s.accept(prev);
            out.add(prev);
        }
        return out;
    }

    private static SamplerSpec.Builder chatLike() {
        return SamplerSpec.builder().repeatPenalty(1.1f).frequencyPenalty(0.05f).presencePenalty(0.1f);
    }

    @Test
    void sameSeedGivesTheSameSequenceAndDifferentSeedsDiffer() {
        List<Integer> a = generate(new Sampler(chatLike().seed(1234).build(), VOCAB), 200);
        List<Integer> b = generate(new Sampler(chatLike().seed(1234).build(), VOCAB), 200);
        List<Integer> c = generate(new Sampler(chatLike().seed(1235).build(), VOCAB), 200);
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertTrue(a.stream().distinct().count() > 20, "really sampling, not stuck on one token");
    }

    @Test
    void pinnedSequenceIsStableAcrossJvms() {
        // depends only on our own PRNG, IEEE float/double arithmetic and StrictMath, all pinned by the JLS
        List<Integer> seq = generate(new Sampler(chatLike().seed(7).build(), VOCAB), 12);
        assertEquals(List.of(PINNED), seq);
    }

    // recorded from this implementation; a change here means seeded runs no longer reproduce old ones
    private static final Integer[] PINNED = {149, 510, 473, 303, 129, 151, 127, 487, 277, 324, 354, 53};

    @Test
    void resetRepeatsTheRun() {
        Sampler s = new Sampler(chatLike().seed(99).build(), VOCAB);
        List<Integer> first = generate(s, 200);
        s.reset();
        assertEquals(first, generate(s, 200));
    }

    @Test
    void randomSeedIsReportedAndReproducible() {
        Sampler s = new Sampler(chatLike().build(), VOCAB);
        assertNotEquals(SamplerSpec.RANDOM_SEED, s.seed());
        List<Integer> run = generate(s, 100);
        Sampler again = new Sampler(s.spec().toBuilder().seed(s.seed()).build(), VOCAB);
        assertEquals(run, generate(again, 100));
    }

    @Test
    void drawsMatchSoftmaxAtTemperatureOne() {
        assertEmpiricalSoftmax(1f, 1);
    }

    @Test
    void temperatureScalesLogitsBeforeTheDraw() {
        assertEmpiricalSoftmax(0.5f, 2);
        assertEmpiricalSoftmax(2f, 3);
    }

    private static void assertEmpiricalSoftmax(float temperature, long seed) {
        float[] logits = {1.0f, 2.0f, 0.5f, -1.0f};
        Sampler s = new Sampler(SamplerFilterTest.plain().temperature(temperature).seed(seed).build(), 4);
        int draws = 100_000;
        int[] hits = new int[4];
        for (int i = 0; i < draws; i++) {
            hits[s.sample(logits)]++;
        }
        double total = 0;
        for (float l : logits) {
            total += Math.exp(l / temperature);
        }
        for (int i = 0; i < 4; i++) {
            double expected = Math.exp(logits[i] / temperature) / total;
            assertEquals(expected, hits[i] / (double) draws, 0.01, "T=" + temperature + " token " + i);
        }
    }

    @Test
    void lowTemperatureConcentratesAndHighTemperatureFlattens() {
        float[] logits = {1.0f, 2.0f, 0.5f, -1.0f};
        assertTrue(share(logits, 0.25f, 1) > 0.97, "T=0.25 puts ~98.0% on the max");
        assertTrue(share(logits, 10f, 1) < 0.30, "T=10 is nearly uniform (~28.5% on the max)");
    }

    private static double share(float[] logits, float t, int token) {
        Sampler s = new Sampler(SamplerFilterTest.plain().temperature(t).seed(5).build(), logits.length);
        int hit = 0;
        for (int i = 0; i < 20_000; i++) {
            if (s.sample(logits) == token) {
                hit++;
            }
        }
        return hit / 20_000.0;
    }

    @Test
    void neverDrawsAFilteredOrImpossibleToken() {
        float[] logits = {3f, Float.NEGATIVE_INFINITY, 2.9f, -20f, Float.NaN};
        Sampler s = new Sampler(SamplerSpec.builder().topK(3).topP(1f).minP(0f).seed(8).build(), 5);
        for (int i = 0; i < 20_000; i++) {
            int t = s.sample(logits);
            assertTrue(t == 0 || t == 2 || t == 3, "drew " + t);
        }
        Sampler allInf = new Sampler(SamplerFilterTest.plain().build(), 3);
        float ninf = Float.NEGATIVE_INFINITY;
        assertEquals(0, allInf.sample(new float[] {ninf, ninf, ninf}));
    }
}
