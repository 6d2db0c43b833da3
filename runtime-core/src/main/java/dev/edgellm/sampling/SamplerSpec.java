package dev.edgellm.sampling;

/**
 * Immutable sampling parameters, with llama.cpp's defaults and meanings (common_params_sampling).
 * Build with {@link #builder()}; {@link Builder#build()} validates every field and throws
 * {@link IllegalArgumentException} naming the parameter (llama.cpp's snake_case name) and the bad value.
 *
 * <ul>
 *   <li>{@code temperature} (0.8): logits are divided by it after filtering; {@code <= 0} means greedy.</li>
 *   <li>{@code top_k} (40): keep the k most likely tokens; {@code <= 0} disables.</li>
 *   <li>{@code top_p} (0.95), in (0, 1]: keep the smallest most-likely prefix whose mass reaches p; 1 disables.</li>
 *   <li>{@code min_p} (0.05), in [0, 1]: keep tokens with {@code p >= min_p * p_max}; 0 disables.</li>
 *   <li>{@code repeat_penalty} (1.0 = off), {@code > 0}: positive logits of recent tokens are divided by it,
 *       non-positive ones multiplied.</li>
 *   <li>{@code frequency_penalty} (0) and {@code presence_penalty} (0): subtracted per occurrence / once.</li>
 *   <li>{@code penalty_last_n} (64): how many of the most recently accepted tokens the penalties look at;
 *       0 disables penalties, -1 means every token accepted since the sampler was created or reset
 *       (llama.cpp's "-1 = context size", without the sampler needing to know the context size).</li>
 *   <li>{@code seed} (-1): RNG seed; -1 picks a random seed, which {@link Sampler#seed()} then reports so the
 *       run can be reproduced.</li>
 * </ul>
 */
public final class SamplerSpec {
    /** Seed value that asks for a randomly chosen seed. */
    public static final long RANDOM_SEED = -1L;

    private static final SamplerSpec DEFAULTS = new Builder().build();

    private final float temperature;
    private final int topK;
    private final float topP;
    private final float minP;
    private final float repeatPenalty;
    private final float frequencyPenalty;
    private final float presencePenalty;
    private final int penaltyLastN;
    private final long seed;

    private SamplerSpec(Builder b) {
        this.temperature = b.temperature;
        this.topK = b.topK;
        this.topP = b.topP;
        this.minP = b.minP;
        this.repeatPenalty = b.repeatPenalty;
        this.frequencyPenalty = b.frequencyPenalty;
        this.presencePenalty = b.presencePenalty;
        this.penaltyLastN = b.penaltyLastN;
        this.seed = b.seed;
    }

    public static SamplerSpec defaults() {
        return DEFAULTS;
    }

    /** Greedy decoding: temperature 0, penalties off, everything else at defaults (and irrelevant). */
    public static SamplerSpec greedy() {
        return builder().temperature(0f).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .temperature(temperature).topK(topK).topP(topP).minP(minP)
                .repeatPenalty(repeatPenalty).frequencyPenalty(frequencyPenalty)
                .presencePenalty(presencePenalty).penaltyLastN(penaltyLastN).seed(seed);
    }

    public float temperature() { return temperature; }
    public int topK() { return topK; }
    public float topP() { return topP; }
    public float minP() { return minP; }
    public float repeatPenalty() { return repeatPenalty; }
    public float frequencyPenalty() { return frequencyPenalty; }
    public float presencePenalty() { return presencePenalty; }
    public int penaltyLastN() { return penaltyLastN; }
    public long seed() { return seed; }

    public boolean isGreedy() {
        return temperature <= 0f;
    }

    /** True when the penalty stage can change a logit (llama.cpp skips it otherwise). */
    public boolean penaltiesEnabled() {
        return penaltyLastN != 0
                && (repeatPenalty != 1f || frequencyPenalty != 0f || presencePenalty != 0f);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof SamplerSpec)) return false;
        SamplerSpec s = (SamplerSpec) o;
        // compare bits so that equals agrees with hashCode for -0.0f
        return Float.floatToIntBits(temperature) == Float.floatToIntBits(s.temperature)
                && topK == s.topK
                && Float.floatToIntBits(topP) == Float.floatToIntBits(s.topP)
                && Float.floatToIntBits(minP) == Float.floatToIntBits(s.minP)
                && Float.floatToIntBits(repeatPenalty) == Float.floatToIntBits(s.repeatPenalty)
                && Float.floatToIntBits(frequencyPenalty) == Float.floatToIntBits(s.frequencyPenalty)
                && Float.floatToIntBits(presencePenalty) == Float.floatToIntBits(s.presencePenalty)
                && penaltyLastN == s.penaltyLastN
                && seed == s.seed;
    }

    @Override
    public int hashCode() {
        int h = Float.floatToIntBits(temperature);
        h = 31 * h + topK;
        h = 31 * h + Float.floatToIntBits(topP);
        h = 31 * h + Float.floatToIntBits(minP);
        h = 31 * h + Float.floatToIntBits(repeatPenalty);
        h = 31 * h + Float.floatToIntBits(frequencyPenalty);
        h = 31 * h + Float.floatToIntBits(presencePenalty);
        h = 31 * h + penaltyLastN;
        return 31 * h + Long.hashCode(seed);
    }

    @Override
    public String toString() {
        return "SamplerSpec{temperature=" + temperature + ", top_k=" + topK + ", top_p=" + topP
                + ", min_p=" + minP + ", repeat_penalty=" + repeatPenalty
                + ", frequency_penalty=" + frequencyPenalty + ", presence_penalty=" + presencePenalty
                + ", penalty_last_n=" + penaltyLastN + ", seed=" + seed + '}';
    }

    /** Mutable builder; starts at llama.cpp's defaults. Not thread-safe. */
    public static final class Builder {
        private float temperature = 0.8f;
        private int topK = 40;
        private float topP = 0.95f;
        private float minP = 0.05f;
        private float repeatPenalty = 1.0f;
        private float frequencyPenalty = 0f;
        private float presencePenalty = 0f;
        private int penaltyLastN = 64;
        private long seed = RANDOM_SEED;

        private Builder() {
        }

        public Builder temperature(float v) { temperature = v; return this; }
        public Builder topK(int v) { topK = v; return this; }
        public Builder topP(float v) { topP = v; return this; }
        public Builder minP(float v) { minP = v; return this; }
        public Builder repeatPenalty(float v) { repeatPenalty = v; return this; }
        public Builder frequencyPenalty(float v) { frequencyPenalty = v; return this; }
        public Builder presencePenalty(float v) { presencePenalty = v; return this; }
        public Builder penaltyLastN(int v) { penaltyLastN = v; return this; }
        public Builder seed(long v) { seed = v; return this; }

        /** @throws IllegalArgumentException naming the first invalid parameter and its value */
        public SamplerSpec build() {
            requireFinite("temperature", temperature);
            // written as negations so that NaN fails too
            if (!(topP > 0f && topP <= 1f)) {
                throw invalid("top_p must be in (0, 1]", topP);
            }
            if (!(minP >= 0f && minP <= 1f)) {
                throw invalid("min_p must be in [0, 1]", minP);
            }
            if (!(repeatPenalty > 0f) || Float.isInfinite(repeatPenalty)) {
                throw invalid("repeat_penalty must be finite and > 0", repeatPenalty);
            }
            requireFinite("frequency_penalty", frequencyPenalty);
            requireFinite("presence_penalty", presencePenalty);
            if (penaltyLastN < -1) {
                throw new IllegalArgumentException(
                        "penalty_last_n must be >= -1 (-1 = all accepted tokens), got " + penaltyLastN);
            }
            return new SamplerSpec(this);
        }

        private static void requireFinite(String name, float v) {
            if (!Float.isFinite(v)) {
                throw invalid(name + " must be finite", v);
            }
        }

        private static IllegalArgumentException invalid(String rule, float v) {
            return new IllegalArgumentException(rule + ", got " + v);
        }
    }
}
