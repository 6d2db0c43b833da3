package dev.edgellm;

import dev.edgellm.chat.Message;
import dev.edgellm.sampling.SamplerSpec;

import java.util.List;

/**
 * What to generate: a raw prompt or chat messages (rendered with the model's chat template), how many tokens
 * at most, sampling parameters and stop strings. Immutable; build with {@link #builder()}.
 */
public final class GenerationRequest {
    private final String prompt;
    private final List<Message> messages;
    private final int maxTokens;
    private final SamplerSpec sampler;
    private final List<String> stop;
    private final boolean ignoreEos;

    private GenerationRequest(Builder b) {
        this.prompt = b.prompt;
        this.messages = b.messages;
        this.maxTokens = b.maxTokens;
        this.sampler = b.sampler;
        this.stop = b.stop;
        this.ignoreEos = b.ignoreEos;
    }

    public static Builder builder() { return new Builder(); }

    /** Raw prompt text, or null when {@link #messages()} is set. */
    public String prompt() { return prompt; }

    /** Chat messages, or null when {@link #prompt()} is set. */
    public List<Message> messages() { return messages; }

    public boolean isChat() { return messages != null; }

    /** Upper bound on generated tokens; the context length also bounds it. */
    public int maxTokens() { return maxTokens; }

    public SamplerSpec sampler() { return sampler; }

    public List<String> stop() { return stop; }

    /** Keep generating past end-of-generation tokens (benchmarks, reference runs). */
    public boolean ignoreEos() { return ignoreEos; }

    public static final class Builder {
        private String prompt;
        private List<Message> messages;
        private int maxTokens = 256;
        private SamplerSpec sampler = SamplerSpec.builder().build();
        private List<String> stop = List.of();
        private boolean ignoreEos;

        public Builder prompt(String prompt) {
            this.prompt = prompt;
            this.messages = null;
            return this;
        }

        public Builder messages(List<Message> messages) {
            this.messages = List.copyOf(messages);
            this.prompt = null;
            return this;
        }

        public Builder maxTokens(int maxTokens) {
            if (maxTokens < 1) throw new IllegalArgumentException("max_tokens must be >= 1, got " + maxTokens);
            this.maxTokens = maxTokens;
            return this;
        }

        public Builder sampler(SamplerSpec sampler) {
            this.sampler = java.util.Objects.requireNonNull(sampler, "sampler");
            return this;
        }

        public Builder stop(List<String> stop) {
            for (String s : stop) {
                if (s == null || s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
            }
            this.stop = List.copyOf(stop);
            return this;
        }

        public Builder ignoreEos(boolean ignoreEos) {
            this.ignoreEos = ignoreEos;
            return this;
        }

        public GenerationRequest build() {
            if (prompt == null && messages == null) throw new IllegalStateException("set a prompt or messages");
            if (messages != null && messages.isEmpty()) throw new IllegalArgumentException("messages must not be empty");
            return new GenerationRequest(this);
        }
    }
}
