package dev.edgellm;

import dev.edgellm.chat.Message;
import dev.edgellm.kv.KvCache;
import dev.edgellm.kv.KvCacheType;
import dev.edgellm.sampling.SamplerSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Engine/Session API on the real stories260K model: streaming, cancel, stop strings, prefix reuse, context shift. */
class SessionTest {
    /** First greedy tokens after BOS + "Once upon a time" (testdata/reference/stories260K-q8_0.json). */
    static final int[] REFERENCE_START = {432, 383, 286, 261, 376, 298, 315, 421};
    static Model model;

    @BeforeAll
    static void load() throws Exception {
        model = Engine.builder().backend("scalar").build().load(TestData.model("stories260K-q8_0.gguf"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static GenerationRequest.Builder greedy(String prompt, int n) {
        return GenerationRequest.builder().prompt(prompt).maxTokens(n).sampler(SamplerSpec.greedy());
    }

    static Session session() {
        return model.newSession(SessionOptions.builder().contextLength(128).kvType(KvCacheType.F32).build());
    }

    @Test
    void streamsEveryTokenAndTheDeltasMakeTheText() {
        try (Session s = session()) {
            StringBuilder streamed = new StringBuilder();
            List<Integer> ids = new ArrayList<>();
            GenerationResult r = s.generate(greedy("Once upon a time", 8).build(), (d, id) -> {
                streamed.append(d);
                ids.add(id);
            });
            assertArrayEquals(REFERENCE_START, r.tokens());
            assertEquals(8, ids.size());
            assertEquals(r.text(), streamed.toString());
            assertEquals(", there was a little girl", r.text());
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(5, r.promptTokens());
            assertTrue(r.timings().ttftMs > 0 && r.timings().decodeTokens == 7);
        }
    }

    @Test
    void cancelStopsBeforeTheNextToken() {
        try (Session s = session()) {
            AtomicInteger seen = new AtomicInteger();
            GenerationResult r = s.generate(greedy("Once upon a time", 100).build(), (d, id) -> {
                if (seen.incrementAndGet() == 3) s.cancel();
            });
            assertEquals(FinishReason.CANCELLED, r.finishReason());
            assertEquals(3, r.completionTokens());
            // the session stays usable, and a cancel before generate does not leak into the next one
            GenerationResult again = s.generate(greedy("Once upon a time", 4).build(), TokenListener.NONE);
            assertEquals(FinishReason.LENGTH, again.finishReason());
        }
    }

    @Test
    void cancelFromAnotherThread() throws Exception {
        try (Session s = session()) {
            CountDownLatch started = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                try {
                    started.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    return;
                }
                s.cancel();
            });
            t.start();
            GenerationResult r = s.generate(greedy("Once upon a time", 120).build(), (d, id) -> {
                started.countDown();
                try {
                    Thread.sleep(5); // give the canceller a chance
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            });
            t.join();
            assertEquals(FinishReason.CANCELLED, r.finishReason());
            assertTrue(r.completionTokens() < 120);
        }
    }

    @Test
    void stopStringCutsTheTextAndNeverStreamsIt() {
        try (Session s = session()) {
            StringBuilder streamed = new StringBuilder();
            GenerationResult r = s.generate(greedy("Once upon a time", 40).stop(List.of("Lily")).build(),
                    (d, id) -> streamed.append(d));
            assertEquals(FinishReason.STOP, r.finishReason());
            assertEquals(", there was a little girl named ", r.text());
            assertEquals(r.text(), streamed.toString());
        }
    }

    @Test
    void secondGenerationReusesTheCachedPrefix() {
        try (Session s = session()) {
            GenerationResult first = s.generate(greedy("Once upon a time", 8).build(), TokenListener.NONE);
            assertEquals(5, first.timings().promptTokensEvaluated);
            GenerationResult second = s.generate(greedy("Once upon a time", 8).build(), TokenListener.NONE);
            assertEquals(1, second.timings().promptTokensEvaluated, "only the last prompt token is re-evaluated");
            assertArrayEquals(first.tokens(), second.tokens());
            GenerationResult other = s.generate(greedy("The little dog", 8).build(), TokenListener.NONE);
            assertEquals(4, other.timings().promptTokensEvaluated, "BOS is shared");
        }
    }

    @Test
    void advanceFillsTheCacheLikeEvaluateWithoutReturningLogits() {
        int[] prompt = {1, 432, 383, 286, 261};
        try (Session a = session(); Session b = session()) {
            a.advance(prompt, 0, 3); // batched, then one token at a time, as bench runs prefill and decode
            a.advance(prompt, 3, 1);
            a.advance(prompt, 4, 1);
            b.evaluate(java.util.Arrays.copyOf(prompt, 4));
            assertEquals(5, a.cachedTokens());
            // both caches now hold the same prefix, so the next token's logits agree
            assertArrayEquals(b.evaluate(new int[] {261, 376}), a.evaluate(new int[] {376}), 1e-5f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.advance(new int[200], 0, 200));
            assertTrue(e.getMessage().contains("context is full"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> a.advance(prompt, 3, 3));
            assertThrows(IllegalArgumentException.class, () -> a.advance(prompt, 0, 0));
            assertEquals(6, a.cachedTokens());
        }
    }

    /** truncate(n) forgets the tail: what follows is computed as if only the first n tokens had been evaluated. */
    @Test
    void truncateKeepsThePrefixAndOverwritesTheTail() {
        int[] prefix = {1, 432, 383}, other = {286, 261, 376, 290}, next = {400, 401};
        try (Session a = session(); Session b = session()) {
            a.advance(prefix, 0, 3);
            a.advance(other, 0, 4); // a tail that truncate must forget
            a.truncate(3);
            assertEquals(3, a.cachedTokens());
            b.advance(prefix, 0, 3);
            assertArrayEquals(b.evaluate(next), a.evaluate(next), 0f, "same prefix, same positions: identical logits");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.truncate(6));
            assertTrue(e.getMessage().contains("cannot keep 6 tokens: 5 are cached"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> a.truncate(-1));
            a.truncate(0);
            assertEquals(0, a.cachedTokens());
        }
    }

    @Test
    void promptLongerThanTheContextIsRejected() {
        try (Session s = model.newSession(SessionOptions.builder().contextLength(8).contextShift(false).build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.generate(greedy("Once upon a time there was a little dog", 4).build(), TokenListener.NONE));
            assertTrue(e.getMessage().contains("context holds 8"), e.getMessage());
            GenerationResult r = s.generate(greedy("Once upon a time", 100).build(), TokenListener.NONE);
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(3, r.completionTokens(), "5 prompt tokens + 3 fill the context of 8");
        }
    }

    @Test
    void chatRequestsUseTheTemplate() {
        // stories260K has no template: the chatml fallback is rendered and tokenized (as plain text here)
        String rendered = model.renderChat(List.of(Message.user("hi")));
        assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", rendered);
        try (Session s = session()) {
            GenerationRequest req = GenerationRequest.builder().messages(List.of(Message.user("hi"))).maxTokens(2).build();
            int[] ids = s.promptTokens(req);
            assertEquals(1, ids[0], "BOS once");
            assertTrue(ids[1] != 1);
        }
    }

    @Test
    void seedMakesSamplingReproducible() {
        SamplerSpec spec = SamplerSpec.builder().temperature(1.0f).seed(7).build();
        try (Session a = session(); Session b = session()) {
            int[] x = a.generate(GenerationRequest.builder().prompt("The little dog").maxTokens(30).sampler(spec).build(), TokenListener.NONE).tokens();
            int[] y = b.generate(GenerationRequest.builder().prompt("The little dog").maxTokens(30).sampler(spec).build(), TokenListener.NONE).tokens();
            assertArrayEquals(x, y);
        }
    }

    @Test
    void closedSessionRefusesWork() {
        Session s = session();
        s.close();
        assertThrows(IllegalStateException.class, () -> s.generate(greedy("x", 1).build(), TokenListener.NONE));
    }

    @Test
    void unknownBackendNamesTheAvailableOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Engine.builder().backend("cuda").build().load(TestData.model("stories260K-q8_0.gguf")));
        assertTrue(e.getMessage().contains("scalar"), e.getMessage());
    }

    // ---- context shift: a generation longer than the context goes on, and the moved cache entries are what
    // evaluating the kept tokens at their new positions gives. Layer 0 is compared (its keys and values depend
    // only on the token and its position; deeper layers also saw the dropped tokens, so they legitimately differ).
    static final int SHIFT_CTX = 32;

    @Test
    void aGenerationLongerThanTheContextGoesOn() {
        try (Session s = model.newSession(SessionOptions.builder().contextLength(SHIFT_CTX).kvType(KvCacheType.F32).build())) {
            GenerationResult r = s.generate(greedy("Once upon a time", 100).build(), TokenListener.NONE);
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(100, r.completionTokens());
            assertTrue(s.contextShifts() >= 3, "5 prompt + 100 tokens in a context of 32 shift several times: " + s.contextShifts());
            assertTrue(s.cachedTokens() <= SHIFT_CTX);
            // up to the first shift the text is the unshifted one
            try (Session plain = model.newSession(SessionOptions.builder().contextLength(128).kvType(KvCacheType.F32).build())) {
                int[] ref = plain.generate(greedy("Once upon a time", 100).build(), TokenListener.NONE).tokens();
                int unshifted = SHIFT_CTX - 5 + 1; // tokens produced before the cache filled up
                assertArrayEquals(Arrays.copyOf(ref, unshifted), Arrays.copyOf(r.tokens(), unshifted));
            }
        }
    }

    @Test
    void withoutShiftTheContextEndsTheGeneration() {
        try (Session s = model.newSession(SessionOptions.builder().contextLength(SHIFT_CTX).contextShift(false).build())) {
            GenerationResult r = s.generate(greedy("Once upon a time", 100).build(), TokenListener.NONE);
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(SHIFT_CTX - 5, r.completionTokens());
            assertEquals(0, s.contextShifts());
        }
    }

    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void movedEntriesEqualFreshOnesAtTheirNewPositions(KvCacheType type) {
        SessionOptions o = SessionOptions.builder().contextLength(SHIFT_CTX).kvType(type).keepTokens(5).build();
        try (Session shifted = model.newSession(o); Session fresh = model.newSession(o)) {
            shifted.generate(greedy("Once upon a time", SHIFT_CTX).build(), TokenListener.NONE); // fills the context once: one shift
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
