package dev.edgellm.mqtt;

import dev.edgellm.kv.KvCacheType;
import java.time.Duration;
import java.util.Objects;

/** Settings of an {@link MqttService}. Immutable; build with {@link #builder(String)}. */
public final class ServiceConfig {
    final String nodeId;
    final String prefix;
    final String pool;
    final int queueCapacity;
    final int maxTokensCap;
    final int defaultMaxTokens;
    final int maxPayloadBytes;
    final Duration requestTimeout;
    final long sessionExpirySeconds;
    final int contextLength;
    final KvCacheType kvType;
    final String profile;
    final long predictedPeakBytes;

    private ServiceConfig(Builder b) {
        this.nodeId = b.nodeId;
        this.prefix = b.prefix;
        this.pool = b.pool;
        this.queueCapacity = b.queueCapacity;
        this.maxTokensCap = b.maxTokensCap;
        this.defaultMaxTokens = b.defaultMaxTokens;
        this.maxPayloadBytes = b.maxPayloadBytes;
        this.requestTimeout = b.requestTimeout;
        this.sessionExpirySeconds = b.sessionExpirySeconds;
        this.contextLength = b.contextLength;
        this.kvType = b.kvType;
        this.profile = b.profile;
        this.predictedPeakBytes = b.predictedPeakBytes;
    }

    public static Builder builder(String nodeId) { return new Builder(nodeId); }

    public String nodeId() { return nodeId; }
    public String prefix() { return prefix; }
    public String pool() { return pool; }

    public static final class Builder {
        private final String nodeId;
        private String prefix = "edgellm";
        private String pool;
        private int queueCapacity = 64;
        private int maxTokensCap = 512;
        private int defaultMaxTokens = 256;
        private int maxPayloadBytes = 64 * 1024;
        private Duration requestTimeout = Duration.ofMinutes(2);
        private long sessionExpirySeconds = 3600;
        private int contextLength;
        private KvCacheType kvType = KvCacheType.F16;
        private String profile;
        private long predictedPeakBytes;

        private Builder(String nodeId) {
            this.nodeId = checkLevel(nodeId, "node id");
        }

        /** Topic prefix (default {@code edgellm}). */
        public Builder prefix(String p) { prefix = checkLevel(p, "topic prefix"); return this; }

        /** Joins the shared-subscription pool {@code $share/{pool}/{prefix}/pool/{pool}/request}; null = none. */
        public Builder pool(String p) { pool = p == null ? null : checkLevel(p, "pool name"); return this; }

        /** Requests waiting behind the running one; a full queue answers {@code busy}. */
        public Builder queueCapacity(int n) { queueCapacity = positive(n, "queue capacity"); return this; }

        public Builder maxTokensCap(int n) { maxTokensCap = positive(n, "max_tokens cap"); return this; }

        /** Used when a request has no max_tokens (never above the cap). */
        public Builder defaultMaxTokens(int n) { defaultMaxTokens = positive(n, "default max_tokens"); return this; }

        public Builder maxPayloadBytes(int n) { maxPayloadBytes = positive(n, "max payload"); return this; }

        /** From arrival to terminal message; a request over it ends with {@code timeout}. */
        public Builder requestTimeout(Duration d) {
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("request timeout must be > 0, got " + d);
            requestTimeout = d;
            return this;
        }

        /** How long the broker keeps this node's session (and queues its QoS 1 requests) while it is away. */
        public Builder sessionExpirySeconds(long s) {
            if (s < 0 || s > 0xFFFFFFFFL) throw new IllegalArgumentException("session expiry must be in [0, 2^32-1] s, got " + s);
            sessionExpirySeconds = s;
            return this;
        }

        /** Context of the serving session; 0 = the model's default. */
        public Builder contextLength(int n) {
            if (n < 0) throw new IllegalArgumentException("context length must be >= 0, got " + n);
            contextLength = n;
            return this;
        }

        /** KV cache type of the serving session (default f16). */
        public Builder kvType(KvCacheType t) {
            kvType = Objects.requireNonNull(t, "kv type");
            return this;
        }

        /**
         * The device profile the node was planned for and the plan's predicted peak, published in the status
         * message; null when the node runs unplanned.
         */
        public Builder plannedFor(String profileId, long predictedPeak) {
            if (predictedPeak < 0) throw new IllegalArgumentException("predicted peak must be >= 0, got " + predictedPeak);
            profile = profileId;
            predictedPeakBytes = predictedPeak;
            return this;
        }

        public ServiceConfig build() { return new ServiceConfig(this); }

        private static int positive(int n, String what) {
            if (n < 1) throw new IllegalArgumentException(what + " must be >= 1, got " + n);
            return n;
        }

        private static String checkLevel(String s, String what) {
            Objects.requireNonNull(s, what);
            if (s.isEmpty() || !RequestCodec.validTopic(s) || s.indexOf('/') >= 0 || s.startsWith("$")) {
                throw new IllegalArgumentException(what + " must be one non-empty topic level without / + # or a leading $, got '" + s + "'");
            }
            return s;
        }
    }
}
