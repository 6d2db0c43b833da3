package dev.edgellm.sampling;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerSpecTest {

    @Test
    void defaultsMatchLlamaCpp() {
        SamplerSpec s = SamplerSpec.defaults();
        assertEquals(0.8f, s.temperature());
        assertEquals(40, s.topK());
        assertEquals(0.95f, s.topP());
        assertEquals(0.05f, s.minP());
        assertEquals(1.0f, s.repeatPenalty());
        assertEquals(0f, s.frequencyPenalty());
        assertEquals(0f, s.presencePenalty());
        assertEquals(64, s.penaltyLastN());
        assertEquals(SamplerSpec.RANDOM_SEED, s.seed());
        assertFalse(s.isGreedy());
        assertFalse(s.penaltiesEnabled());
    }

    @Test
    void builderSetsEveryFieldAndRoundTrips() {
        SamplerSpec s = SamplerSpec.builder().temperature(0.3f).topK(7).topP(0.5f).minP(0.2f)
                .repeatPenalty(1.3f).frequencyPenalty(-0.5f).presencePenalty(0.25f).penaltyLastN(-1)
                .seed(42).build();
        assertEquals(0.3f, s.temperature());
        assertEquals(7, s.topK());
        assertEquals(0.5f, s.topP());
        assertEquals(0.2f, s.minP());
        assertEquals(1.3f, s.repeatPenalty());
        assertEquals(-0.5f, s.frequencyPenalty());
        assertEquals(0.25f, s.presencePenalty());
        assertEquals(-1, s.penaltyLastN());
        assertEquals(42L, s.seed());
        assertTrue(s.penaltiesEnabled());
        assertEquals(s, s.toBuilder().build());
        assertEquals(s.hashCode(), s.toBuilder().build().hashCode());
        assertNotEquals(s, s.toBuilder().seed(43).build());
    }

    @Test
    void greedyAndDisabledValuesAreAccepted() {
        assertTrue(SamplerSpec.greedy().isGreedy());
        assertTrue(SamplerSpec.builder().temperature(-1f).build().isGreedy());
        SamplerSpec off = SamplerSpec.builder().topK(0).topP(1f).minP(0f).penaltyLastN(0)
                .repeatPenalty(1.5f).build();
        assertFalse(off.penaltiesEnabled(), "penalty_last_n 0 disables penalties");
        assertEquals(-5, SamplerSpec.builder().topK(-5).build().topK());
        assertEquals(1f, SamplerSpec.builder().minP(1f).build().minP());
    }

    @Test
    void invalidValuesNameTheParameterAndValue() {
        assertMessage("top_p must be in (0, 1], got 1.5", SamplerSpec.builder().topP(1.5f));
        assertMessage("top_p must be in (0, 1], got 0.0", SamplerSpec.builder().topP(0f));
        assertMessage("top_p must be in (0, 1], got NaN", SamplerSpec.builder().topP(Float.NaN));
        assertMessage("min_p must be in [0, 1], got -0.1", SamplerSpec.builder().minP(-0.1f));
        assertMessage("min_p must be in [0, 1], got 1.01", SamplerSpec.builder().minP(1.01f));
        assertMessage("repeat_penalty must be finite and > 0, got 0.0", SamplerSpec.builder().repeatPenalty(0f));
        assertMessage("repeat_penalty must be finite and > 0, got -1.1",
                SamplerSpec.builder().repeatPenalty(-1.1f));
        assertMessage("repeat_penalty must be finite and > 0, got Infinity",
                SamplerSpec.builder().repeatPenalty(Float.POSITIVE_INFINITY));
        assertMessage("temperature must be finite, got NaN", SamplerSpec.builder().temperature(Float.NaN));
        assertMessage("frequency_penalty must be finite, got NaN",
                SamplerSpec.builder().frequencyPenalty(Float.NaN));
        assertMessage("presence_penalty must be finite, got -Infinity",
                SamplerSpec.builder().presencePenalty(Float.NEGATIVE_INFINITY));
        assertMessage("penalty_last_n must be >= -1 (-1 = all accepted tokens), got -2",
                SamplerSpec.builder().penaltyLastN(-2));
    }

    private static void assertMessage(String expected, SamplerSpec.Builder b) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertEquals(expected, e.getMessage());
    }
}
