package dev.edgellm.sampling;

/**
 * Occurrence counts of the last N accepted tokens, and the llama_sampler_penalties rule applied to them.
 * Counts live in a vocab-sized array and the distinct tokens in a dense list (swap-remove via a slot index),
 * so accepting is O(1) and applying touches only the distinct recent tokens, never the whole vocabulary.
 */
final class PenaltyHistory {
    private final int window;   // > 0: last `window` tokens; -1: everything since reset
    private final int[] ring;   // the window itself, needed to know which token falls out; null if unbounded
    private int ringStart;
    private int ringSize;

    private final int[] counts;   // per token id
    private final int[] slot;     // position of a token in `distinct` while its count > 0
    private final int[] distinct;
    private int nDistinct;

    PenaltyHistory(int window, int vocabSize) {
        this.window = window;
        this.ring = window > 0 ? new int[window] : null;
        this.counts = new int[vocabSize];
        this.slot = new int[vocabSize];
        this.distinct = new int[window > 0 ? Math.min(window, vocabSize) : vocabSize];
    }

    void accept(int token) {
        if (ring != null) {
            if (ringSize == window) {
                int old = ring[ringStart];
                ringStart = (ringStart + 1) % window;
                ringSize--;
                decrement(old);
            }
            ring[(ringStart + ringSize) % window] = token;
            ringSize++;
        }
        if (counts[token]++ == 0) {
            slot[token] = nDistinct;
            distinct[nDistinct++] = token;
        }
    }

    private void decrement(int token) {
        if (--counts[token] == 0) {
            int last = distinct[--nDistinct];
            distinct[slot[token]] = last;
            slot[last] = slot[token];
        }
    }

    /**
     * Penalises {@code keys[t]} for every recent token t; requires keys still in id order (keys[t] has id t).
     * Per token: logit <= 0 is multiplied by {@code repeat}, else divided; then
     * {@code count * freq + presence} is subtracted, all in float as llama.cpp does.
     */
    void apply(long[] keys, float repeat, float freq, float presence) {
        for (int i = 0; i < nDistinct; i++) {
            int t = distinct[i];
            float l = Candidates.logit(keys[t]);
            l = l <= 0f ? l * repeat : l / repeat;
            l -= (float) counts[t] * freq + presence; // count > 0 here, so presence applies once
            keys[t] = Candidates.key(l, t);
        }
    }

    /** Occurrences of {@code token} in the window (for tests and diagnostics). */
    int count(int token) {
        return counts[token];
    }

    void clear() {
        for (int i = 0; i < nDistinct; i++) {
            counts[distinct[i]] = 0;
        }
        nDistinct = 0;
        ringStart = 0;
        ringSize = 0;
    }
}
