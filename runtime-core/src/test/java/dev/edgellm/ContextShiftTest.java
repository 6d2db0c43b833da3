package dev.edgellm;

import dev.edgellm.kv.KvCache;
import dev.edgellm.kv.KvCacheType;
import dev.edgellm.sampling.SamplerSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Context shift on the real stories260K model: a generation longer than the context goes on, and the moved
 * cache entries are what evaluating the kept tokens at their new positions gives. Layer 0 is compared
 * exactly (its keys and values depend only on the token and its position; deeper layers also saw the
 * dropped tokens, so they legitimately differ).
 */
class ContextShiftTest {
    static final int CTX = 32;
    static Model model;

    @BeforeAll
    static void load() throws Exception {
        model = Engine.builder().backend("scalar").build().load(TestData.model("stories260K-q8_0.gguf"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static GenerationRequest greedy(int n) {
        return GenerationRequest.builder().prompt("Once upon a time").maxTokens(n).sampler(SamplerSpec.greedy()).build();
    }

    @Test
    void aGenerationLongerThanTheContextGoesOn() {
        try (Session s = model.newSession(SessionOptions.builder().contextLength(CTX).kvType(KvCacheType.F32).build())) {
            GenerationResult r = s.generate(greedy(100), TokenListener.NONE);
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(100, r.completionTokens());
            assertTrue(s.contextShifts() >= 3, "5 prompt + 100 tokens in a context of 32 shift several times: " + s.contextShifts());
            assertTrue(s.cachedTokens() <= CTX);
            // up to the first shift the text is the unshifted one
            try (Session plain = model.newSession(SessionOptions.builder().contextLength(128).kvType(KvCacheType.F32).build())) {
                int[] ref = plain.generate(greedy(100), TokenListener.NONE).tokens();
                int unshifted = CTX - 5 + 1; // tokens produced before the cache filled up
                assertArrayEquals(Arrays.copyOf(ref, unshifted), Arrays.copyOf(r.tokens(), unshifted));
            }
        }
    }

    @Test
    void withoutShiftTheContextEndsTheGeneration() {
        try (Session s = model.newSession(SessionOptions.builder().contextLength(CTX).contextShift(false).build())) {
            GenerationResult r = s.generate(greedy(100), TokenListener.NONE);
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(CTX - 5, r.completionTokens());
            assertEquals(0, s.contextShifts());
        }
    }

    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void movedEntriesEqualFreshOnesAtTheirNewPositions(KvCacheType type) {
        SessionOptions o = SessionOptions.builder().contextLength(CTX).kvType(type).keepTokens(5).build();
        try (Session shifted = model.newSession(o); Session fresh = model.newSession(o)) {
            shifted.generate(greedy(CTX), TokenListener.NONE); // fills the context once: one shift
            assertEquals(1, shifted.contextShifts());
            int n = shifted.cachedTokens();
            int[] history = shifted.historyForTest();
            fresh.evaluate(Arrays.copyOf(history, n));
            KvCache a = shifted.kvCache(), b = fresh.kvCache();
            int d = a.kvDim();
            float[] ka = new float[d], va = new float[d], kb = new float[d], vb = new float[d];
            // error relative to the largest |key| of its 32-element block: f32/f16 rounding only; q8_0/q4_0
            // quantize the rotated key a second time, so up to ~1.5 quantization steps (1/127, 1/8 of the max)
            double tol = type == KvCacheType.Q4_0 ? 0.25 : type == KvCacheType.Q8_0 ? 0.02 : 2e-3;
            double worst = 0;
            for (int pos = 0; pos < n; pos++) {
                a.load(0, pos, ka, 0, va, 0);
                b.load(0, pos, kb, 0, vb, 0);
                for (int blk = 0; blk < d; blk += 32) {
                    float max = 1e-6f;
                    for (int i = blk; i < blk + 32; i++) max = Math.max(max, Math.abs(kb[i]));
                    for (int i = blk; i < blk + 32; i++) worst = Math.max(worst, Math.abs(ka[i] - kb[i]) / max);
                }
                for (int i = 0; i < d; i++) assertEquals(vb[i], va[i], 1e-6, "value " + i + " at " + pos);
            }
            assertTrue(worst <= tol, type + ": worst key error relative to its block's max " + worst);
        }
    }
}
