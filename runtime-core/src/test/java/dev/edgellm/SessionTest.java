package dev.edgellm;

import dev.edgellm.chat.Message;
import dev.edgellm.kv.KvCacheType;
import dev.edgellm.sampling.SamplerSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Engine/Session API on the real stories260K model: streaming, cancel, stop strings, prefix reuse. */
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

    @Test
    void promptLongerThanTheContextIsRejected() {
        try (Session s = model.newSession(SessionOptions.builder().contextLength(8).build())) {
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
}
