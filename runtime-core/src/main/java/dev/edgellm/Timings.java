package dev.edgellm;

/**
 * Timings of one generation in milliseconds and tokens per second. {@code ttftMs} runs from the start of
 * {@link Session#generate} to the first sampled token (tokenize + prefill + one sample). Decode speed counts
 * the tokens after the first over the time after the first, as llama.cpp reports eval speed.
 */
public final class Timings {
    public final double promptMs;
    public final int promptTokensEvaluated;
    public final double ttftMs;
    public final double decodeMs;
    public final int decodeTokens;
    public final double totalMs;

    public Timings(double promptMs, int promptTokensEvaluated, double ttftMs, double decodeMs, int decodeTokens,
                   double totalMs) {
        this.promptMs = promptMs;
        this.promptTokensEvaluated = promptTokensEvaluated;
        this.ttftMs = ttftMs;
        this.decodeMs = decodeMs;
        this.decodeTokens = decodeTokens;
        this.totalMs = totalMs;
    }

    public double promptTokensPerSecond() {
        return promptMs > 0 ? promptTokensEvaluated * 1000.0 / promptMs : 0;
    }

    public double decodeTokensPerSecond() {
        return decodeMs > 0 ? decodeTokens * 1000.0 / decodeMs : 0;
    }
}
