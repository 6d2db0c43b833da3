package dev.edgellm;

/**
 * Receives a generation as it streams. Called on the generating thread, once per generated token, in order.
 * {@code textDelta} is the new visible text: complete UTF-8 characters only (a character split across
 * tokens arrives with the token that completes it) and never text that may still turn out to be part of a
 * stop string, so it can be empty. Keep it quick: the next token waits for it.
 */
@FunctionalInterface
public interface TokenListener {
    void onToken(String textDelta, int tokenId);

    TokenListener NONE = (d, t) -> { };
}
