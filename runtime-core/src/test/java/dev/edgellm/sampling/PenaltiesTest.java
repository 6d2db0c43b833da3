package dev.edgellm.sampling;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** llama_sampler_penalties: divide positive / multiply non-positive, then subtract count*freq + presence. */
class PenaltiesTest {

    private static float[] penalised(Sampler s, float[] logits) {
        int n = s.prepare(logits);
        assertEquals(logits.length, n, "all filters are off");
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            assertEquals(i, s.candidateId(i), "without filters candidates stay in id order");
            out[i] = s.candidateLogit(i);
        }
        return out;
    }

    @Test
    void repeatFrequencyAndPresenceExactValues() {
        Sampler s = new Sampler(SamplerFilterTest.plain().repeatPenalty(2f).frequencyPenalty(0.1f)
                .presencePenalty(0.3f).build(), 6);
        for (int t : new int[] {0, 0, 1, 3, 3, 3, 5}) {
            s.accept(t);
        }
        float[] out = penalised(s, new float[] {2f, -1f, 0.5f, 3f, -0.5f, 0f});
        assertEquals(0.5f, out[0], 1e-6f);   // 2 / 2 - (2*0.1 + 0.3)
        assertEquals(-2.4f, out[1], 1e-6f);  // -1 * 2 - (0.1 + 0.3)
        assertEquals(0.5f, out[2]);          // not in history
        assertEquals(0.9f, out[3], 1e-6f);   // 3 / 2 - (3*0.1 + 0.3)
        assertEquals(-0.5f, out[4]);         // not in history
        assertEquals(-0.4f, out[5], 1e-6f);  // 0 * 2 - (0.1 + 0.3): zero counts as non-positive
    }

    @Test
    void repeatPenaltyAloneDividesPositiveAndMultipliesNegative() {
        Sampler s = new Sampler(SamplerFilterTest.plain().repeatPenalty(1.25f).build(), 3);
        s.accept(0);
        s.accept(1);
        s.accept(1);
        float[] out = penalised(s, new float[] {4f, -4f, 4f});
        assertEquals(3.2f, out[0]);
        assertEquals(-5f, out[1], "count does not matter for repeat_penalty");
        assertEquals(4f, out[2]);
    }

    @Test
    void negativeFrequencyPenaltyRaisesTheLogit() {
        Sampler s = new Sampler(SamplerFilterTest.plain().frequencyPenalty(-0.5f).build(), 2);
        s.accept(1);
        s.accept(1);
        float[] out = penalised(s, new float[] {1f, 1f});
        assertEquals(1f, out[0]);
        assertEquals(2f, out[1]);
    }

    @Test
    void windowOnlyCountsTheLastNTokens() {
        Sampler s = new Sampler(SamplerFilterTest.plain().presencePenalty(1f).penaltyLastN(2).build(), 3);
        s.accept(0);
        s.accept(1);
        s.accept(2);
        float[] out = penalised(s, new float[] {0f, 0f, 0f});
        assertEquals(0f, out[0], "token 0 fell out of the window");
        assertEquals(-1f, out[1]);
        assertEquals(-1f, out[2]);
        s.accept(2);
        out = penalised(s, new float[] {0f, 0f, 0f});
        assertEquals(0f, out[1]);
        assertEquals(-1f, out[2], "presence is applied once, however often the token occurs");
    }

    @Test
    void minusOneMeansEveryAcceptedToken() {
        Sampler s = new Sampler(SamplerFilterTest.plain().frequencyPenalty(1f).penaltyLastN(-1).build(), 2);
        s.accept(0);
        for (int i = 0; i < 10_000; i++) {
            s.accept(1);
        }
        float[] out = penalised(s, new float[] {0f, 0f});
        assertEquals(-1f, out[0]);
        assertEquals(-10_000f, out[1]);
    }

    @Test
    void zeroWindowDisablesAndResetForgets() {
        Sampler off = new Sampler(SamplerFilterTest.plain().repeatPenalty(3f).penaltyLastN(0).build(), 2);
        off.accept(0);
        assertEquals(6f, penalised(off, new float[] {6f, 1f})[0]);

        Sampler s = new Sampler(SamplerFilterTest.plain().repeatPenalty(3f).build(), 2);
        s.accept(0);
        assertEquals(2f, penalised(s, new float[] {6f, 1f})[0]);
        s.reset();
        assertEquals(6f, penalised(s, new float[] {6f, 1f})[0]);
    }

    @Test
    void greedyPicksAfterPenalties() {
        Sampler g = new Sampler(SamplerSpec.builder().temperature(0f).repeatPenalty(2f).build(), 3);
        float[] logits = {5f, 4f, 1f};
        assertEquals(0, g.sample(logits));
        g.accept(0);
        assertEquals(1, g.sample(logits), "5 / 2 = 2.5 < 4");
    }
}
