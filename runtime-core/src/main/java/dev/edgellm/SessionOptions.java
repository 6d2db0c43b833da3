package dev.edgellm;

import dev.edgellm.kv.KvCacheType;

/** Per-session settings: context length, KV cache type, prefill batch, context shift. Immutable. */
public final class SessionOptions {
    /** Default tokens per prefill batch: large enough for the sgemm path of the SIMD backend to pay off. */
    public static final int DEFAULT_BATCH_SIZE = 256;
    private final int contextLength;
    private final KvCacheType kvType;
    private final int batchSize;
    private final boolean contextShift;
    private final int keepTokens;

    private SessionOptions(Builder b) {
        this.contextLength = b.contextLength;
        this.kvType = b.kvType;
        this.batchSize = b.batchSize;
        this.contextShift = b.contextShift;
        this.keepTokens = b.keepTokens;
    }

    public static Builder builder() { return new Builder(); }

    public static SessionOptions defaults() { return builder().build(); }

    /** Requested context in tokens; 0 means min(model's trained context, 4096). */
    public int contextLength() { return contextLength; }

    public KvCacheType kvType() { return kvType; }

    /** Tokens per prefill batch. */
    public int batchSize() { return batchSize; }

    /** Whether a generation that fills the context drops older tokens and goes on (default true). */
    public boolean contextShift() { return contextShift; }

    /** Tokens kept at the start on a context shift; -1 (default) = the prompt, up to half the context. */
    public int keepTokens() { return keepTokens; }

    public static final class Builder {
        private int contextLength;
        private KvCacheType kvType = KvCacheType.F16;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private boolean contextShift = true;
        private int keepTokens = -1;

        public Builder contextLength(int n) {
            if (n < 0) throw new IllegalArgumentException("context length must be > 0, got " + n);
            this.contextLength = n;
            return this;
        }

        public Builder kvType(KvCacheType t) {
            this.kvType = java.util.Objects.requireNonNull(t);
            return this;
        }

        public Builder batchSize(int n) {
            if (n < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + n);
            this.batchSize = n;
            return this;
        }

        /**
         * On (default): when a generation fills the context, the oldest half of the tokens after the kept
         * ones is dropped and generation goes on (llama.cpp's context shift). Off: it ends with
         * {@code length} at the full context.
         */
        public Builder contextShift(boolean on) {
            this.contextShift = on;
            return this;
        }

        /** Tokens a context shift keeps at the start (system prompt, BOS); -1 = the prompt, up to half the context. */
        public Builder keepTokens(int n) {
            if (n < -1) throw new IllegalArgumentException("keep tokens must be >= -1, got " + n);
            this.keepTokens = n;
            return this;
        }

        public SessionOptions build() { return new SessionOptions(this); }
    }
}
