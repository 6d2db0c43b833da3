package dev.edgellm;

import dev.edgellm.kv.KvCacheType;

/** Per-session settings: context length, KV cache type, prefill batch. Immutable. */
public final class SessionOptions {
    private final int contextLength;
    private final KvCacheType kvType;
    private final int batchSize;

    private SessionOptions(Builder b) {
        this.contextLength = b.contextLength;
        this.kvType = b.kvType;
        this.batchSize = b.batchSize;
    }

    public static Builder builder() { return new Builder(); }

    public static SessionOptions defaults() { return builder().build(); }

    /** Requested context in tokens; 0 means min(model's trained context, 4096). */
    public int contextLength() { return contextLength; }

    public KvCacheType kvType() { return kvType; }

    /** Tokens per prefill batch. */
    public int batchSize() { return batchSize; }

    public static final class Builder {
        private int contextLength;
        private KvCacheType kvType = KvCacheType.F16;
        private int batchSize = 32;

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

        public SessionOptions build() { return new SessionOptions(this); }
    }
}
