package dev.edgellm;

import dev.edgellm.kv.KvCache;
import dev.edgellm.model.ForwardPass;
import dev.edgellm.model.ModelConfig;
import dev.edgellm.sampling.Sampler;
import dev.edgellm.spi.LayerOffload;
import dev.edgellm.sampling.StopStrings;
import dev.edgellm.tokenizer.Tokenizer;
import dev.edgellm.tokenizer.Utf8StreamDecoder;
import dev.edgellm.tokenizer.Vocabulary;

import java.util.Arrays;

/**
 * A conversation with a model: owns a KV cache sized to the requested context and the scratch buffers of
 * the forward pass. Consecutive {@link #generate} calls reuse the cached prefix they share with the
 * previous call (a chat that grows turn by turn only evaluates the new tokens).
 *
 * <p>Thread-safety: one generation at a time ({@link #generate} is synchronized); {@link #cancel()} may be
 * called from any thread and stops the running generation before its next token.
 */
public final class Session implements AutoCloseable {
    private final Model model;
    private final ModelConfig config;
    private final ForwardPass forward;
    private final int contextLength;
    private final boolean contextShift;
    private final int keepTokens;
    private int contextShifts;
    /** Tokens whose keys/values are in the cache, in order; valid up to {@link #cached}. */
    private final int[] history;
    private int cached;
    private volatile boolean cancelRequested;
    private volatile boolean closed;

    Session(Model model, SessionOptions options) {
        this.model = model;
        this.config = model.config();
        int ctx = options.contextLength() > 0 ? options.contextLength() : Math.min(config.trainedContext, 4096);
        this.contextLength = ctx;
        this.contextShift = options.contextShift();
        this.keepTokens = options.keepTokens();
        int batch = Math.min(options.batchSize(), ctx);
        LayerOffload offload = null;
        if (model.gpuLayers() > 0) {
            offload = model.offloadBackend().offloadLayers(config, model.weights(), model.gpuLayers(), options.kvType(), ctx, batch);
            // null: nothing could go to the GPU (the backend logged why); the session runs on the CPU
        }
        try {
            KvCache cache = KvCache.allocate(options.kvType(), config.layers, offload == null ? 0 : offload.layers(), ctx,
                    config.kvDim());
            this.forward = new ForwardPass(config, model.weights(), model.backend(), cache, batch, offload);
        } catch (RuntimeException | Error e) {
            if (offload != null) offload.close();
            throw e;
        }
        this.history = new int[ctx];
    }

    public int contextLength() { return contextLength; }

    /** The host KV cache: every block's, or only those not on the GPU ({@link #gpuLayers()}). */
    public KvCache kvCache() { return forward.cache(); }

    /** Blocks this session runs on the GPU (0 when none). */
    public int gpuLayers() { return forward.offload() == null ? 0 : forward.offload().layers(); }

    /** Device memory of this session's GPU blocks (KV cache and scratch), 0 when none. */
    public long gpuBytes() { return forward.offload() == null ? 0 : forward.offload().deviceBytes(); }

    /** Where this session's GPU blocks run, or null when none. */
    public String gpuDescription() { return forward.offload() == null ? null : forward.offload().description(); }

    /** Context shifts done by this session so far (see {@link SessionOptions.Builder#contextShift}). */
    public synchronized int contextShifts() { return contextShifts; }

    /** Tokens of the prompt as this session would evaluate them (template applied for chat requests). */
    public int[] promptTokens(GenerationRequest req) {
        Tokenizer tok = model.tokenizer();
        if (req.isChat()) {
            int[] ids = tok.encode(model.renderChat(req.messages()), true, true);
            // templates that write the BOS text themselves would otherwise get it twice
            int bos = tok.vocabulary().bosId();
            if (ids.length >= 2 && ids[0] == bos && ids[1] == bos) ids = Arrays.copyOfRange(ids, 1, ids.length);
            return ids;
        }
        return tok.encode(req.prompt(), true, true);
    }

    /**
     * Generates a completion, streaming it to {@code listener}. Blocks until an end-of-generation token, a
     * stop string, {@code maxTokens}, {@link #cancel()}, or a full context when context shift is off (with
     * it on, a full context drops older tokens and generation goes on).
     *
     * @throws IllegalArgumentException if the prompt is empty or does not leave room for one new token
     */
    public synchronized GenerationResult generate(GenerationRequest req, TokenListener listener) {
        if (closed) throw new IllegalStateException("session is closed");
        cancelRequested = false;
        long t0 = System.nanoTime();
        int[] prompt = promptTokens(req);
        if (prompt.length == 0) throw new IllegalArgumentException("prompt is empty and the model adds no BOS token");
        if (prompt.length >= contextLength) {
            throw new IllegalArgumentException("prompt has " + prompt.length + " tokens but the context holds "
                    + contextLength + "; shorten it or use a larger context");
        }
        // reuse the cached prefix; always re-evaluate at least the last prompt token to get its logits
        int reuse = 0;
        while (reuse < cached && reuse < prompt.length - 1 && history[reuse] == prompt[reuse]) reuse++;
        System.arraycopy(prompt, 0, history, 0, prompt.length);
        cached = reuse;
        long tPrompt = System.nanoTime();
        float[] logits = forward.forward(prompt, reuse, prompt.length - reuse, reuse);
        cached = prompt.length;
        double promptMs = (System.nanoTime() - tPrompt) / 1e6;

        Vocabulary vocab = model.tokenizer().vocabulary();
        Sampler sampler = new Sampler(req.sampler(), config.vocabSize);
        for (int t : prompt) sampler.accept(t);
        Utf8StreamDecoder utf8 = new Utf8StreamDecoder();
        StopStrings stops = new StopStrings(req.stop());
        StringBuilder visible = new StringBuilder();
        int limit = contextShift ? req.maxTokens() : Math.min(req.maxTokens(), contextLength - prompt.length);
        int[] out = new int[Math.min(limit, contextLength)]; // grows (rarely) past one context's worth
        int keep = keepTokens >= 0 ? Math.min(keepTokens, contextLength / 2) : Math.min(prompt.length, contextLength / 2);
        int n = 0;
        double ttftMs = 0;
        long tFirst = 0;
        FinishReason reason = FinishReason.LENGTH;
        while (true) {
            if (cancelRequested) {
                reason = FinishReason.CANCELLED;
                break;
            }
            int token = sampler.sample(logits);
            sampler.accept(token);
            if (n == 0) {
                tFirst = System.nanoTime();
                ttftMs = (tFirst - t0) / 1e6;
            }
            if (n == out.length) out = Arrays.copyOf(out, (int) Math.min(limit, 2L * n));
            out[n++] = token;
            if (!req.ignoreEos() && vocab.isEndOfGeneration(token)) {
                reason = FinishReason.STOP;
                listener.onToken("", token);
                break;
            }
            stops.append(utf8.feed(model.tokenizer().tokenBytes(token)));
            String delta = stops.takeEmittable();
            visible.append(delta);
            listener.onToken(delta, token);
            if (stops.stopped()) {
                reason = FinishReason.STOP;
                break;
            }
            if (n == limit) {
                reason = FinishReason.LENGTH;
                break;
            }
            if (cached == contextLength) shiftContext(keep);
            history[cached] = token;
            logits = forward.forward(history, cached, 1, cached);
            cached++;
        }
        if (reason != FinishReason.STOP) {
            // flush what was held back for a possible stop string or an incomplete UTF-8 sequence
            stops.append(utf8.flush());
            String rest = stops.flush();
            if (!rest.isEmpty()) {
                visible.append(rest);
                listener.onToken(rest, -1);
            }
        }
        long tEnd = System.nanoTime();
        double decodeMs = n > 1 ? (tEnd - tFirst) / 1e6 : 0;
        Timings timings = new Timings(promptMs, prompt.length - reuse, ttftMs, decodeMs, Math.max(0, n - 1), (tEnd - t0) / 1e6);
        return new GenerationResult(visible.toString(), Arrays.copyOf(out, n), prompt.length, reason, timings);
    }

    /** Drops the older half of the tokens after the first {@code keep}, as llama.cpp's context shift does. */
    private void shiftContext(int keep) {
        int discard = Math.max(1, (cached - keep) / 2);
        forward.shiftCache(keep, discard, cached);
        System.arraycopy(history, keep + discard, history, keep, cached - keep - discard);
        cached -= discard;
        contextShifts++;
    }

    /**
     * Evaluates {@code tokens} after what the cache already holds and returns a copy of the logits that
     * follow the last one: the low-level step for teacher forcing, scoring and tools. {@link #generate}
     * continues from the extended cache only where its prompt shares the prefix.
     */
    public synchronized float[] evaluate(int[] tokens) {
        if (closed) throw new IllegalStateException("session is closed");
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens to evaluate");
        if (cached + tokens.length > contextLength) {
            throw new IllegalArgumentException("context is full: " + cached + " cached + " + tokens.length
                    + " new tokens > " + contextLength);
        }
        System.arraycopy(tokens, 0, history, cached, tokens.length);
        float[] logits = forward.forward(history, cached, tokens.length, cached);
        cached += tokens.length;
        return logits.clone();
    }

    /**
     * Evaluates {@code tokens[offset .. offset+count)} after what the cache already holds, in batches of the
     * session's batch size, like {@link #evaluate} but without copying the logits out, so nothing is
     * allocated per call. This is the step benchmarks time: a prefill of exactly {@code count} tokens, or
     * decode one token per call with no sampling around it.
     *
     * @throws IllegalArgumentException if {@code count < 1}, the range is outside {@code tokens}, a token id
     *                                  is outside the vocabulary, or the context would overflow
     */
    public synchronized void advance(int[] tokens, int offset, int count) {
        if (closed) throw new IllegalStateException("session is closed");
        if (count < 1) throw new IllegalArgumentException("no tokens to evaluate");
        if (offset < 0 || offset > tokens.length - count) {
            throw new IllegalArgumentException("range " + offset + "+" + count + " outside an array of " + tokens.length);
        }
        if (cached + count > contextLength) {
            throw new IllegalArgumentException("context is full: " + cached + " cached + " + count
                    + " new tokens > " + contextLength);
        }
        System.arraycopy(tokens, offset, history, cached, count);
        forward.forward(history, cached, count, cached);
        cached += count;
    }

    /** Number of tokens whose keys and values are in the cache. */
    public synchronized int cachedTokens() {
        return cached;
    }

    /** The cached tokens in cache order (tests compare shifted caches with freshly evaluated ones). */
    synchronized int[] historyForTest() {
        return Arrays.copyOf(history, cached);
    }

    /** Asks the running generation (if any) to stop before its next token. Any thread. */
    public void cancel() {
        cancelRequested = true;
    }

    /** Forgets the cached prefix. */
    public synchronized void reset() {
        cached = 0;
    }

    /**
     * Keeps the first {@code tokens} cached tokens and forgets the rest (llama.cpp's removal of a sequence's tail):
     * the next evaluation continues at position {@code tokens}. Benchmarks use it to time steps at a fixed depth.
     *
     * @throws IllegalArgumentException if {@code tokens} is negative or more than are cached
     */
    public synchronized void truncate(int tokens) {
        if (tokens < 0 || tokens > cached) {
            throw new IllegalArgumentException("cannot keep " + tokens + " tokens: " + cached + " are cached");
        }
        cached = tokens;
    }

    @Override
    public void close() {
        cancel();
        closed = true;
        if (forward.offload() != null) {
            synchronized (this) { // after a running generation has seen the cancel
                forward.offload().close();
            }
        }
    }
}
