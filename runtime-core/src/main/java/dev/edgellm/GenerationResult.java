package dev.edgellm;

/** The outcome of one {@link Session#generate} call. Immutable. */
public final class GenerationResult {
    private final String text;
    private final int[] tokens;
    private final int promptTokens;
    private final FinishReason finishReason;
    private final Timings timings;

    public GenerationResult(String text, int[] tokens, int promptTokens, FinishReason finishReason, Timings timings) {
        this.text = text;
        this.tokens = tokens.clone();
        this.promptTokens = promptTokens;
        this.finishReason = finishReason;
        this.timings = timings;
    }

    /** Generated text (not the prompt), cut before a stop string if one matched. */
    public String text() { return text; }

    /** Generated token ids, including the end-of-generation token if one ended the generation. */
    public int[] tokens() { return tokens.clone(); }

    public int promptTokens() { return promptTokens; }

    public int completionTokens() { return tokens.length; }

    public FinishReason finishReason() { return finishReason; }

    public Timings timings() { return timings; }
}
