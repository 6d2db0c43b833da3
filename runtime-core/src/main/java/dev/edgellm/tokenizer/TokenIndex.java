package dev.edgellm.tokenizer;

/**
 * Token text to id, as one open-addressing int table over the token array: no per-entry objects, and
 * lookups of a slice of a string or of the concatenation of two tokens without building a new string.
 * Hashes are {@link String#hashCode()}'s, so a whole-string lookup reuses the string's cached hash.
 * Immutable after construction; thread-safe.
 */
final class TokenIndex {
    private final String[] tokens;
    private final int[] slots; // id + 1; 0 = empty
    private final int[] hashes; // the hash of each slot's token: most mismatches end here, without a string compare
    private final int shift;
    private final int duplicate;

    /** Builds the index; {@link #duplicate()} reports the first token whose text an earlier id already has. */
    TokenIndex(String[] tokens) {
        this.tokens = tokens;
        int bits = 32 - Integer.numberOfLeadingZeros(Math.max(4, tokens.length * 2 - 1));
        slots = new int[1 << bits];
        hashes = new int[1 << bits];
        shift = 32 - bits;
        int dup = -1;
        for (int id = 0; id < tokens.length && dup < 0; id++) {
            String t = tokens[id];
            int h = t.hashCode(), mask = slots.length - 1;
            for (int i = slot(h); ; i = (i + 1) & mask) {
                int s = slots[i];
                if (s == 0) {
                    slots[i] = id + 1;
                    hashes[i] = h;
                    break;
                }
                if (hashes[i] == h && tokens[s - 1].equals(t)) {
                    dup = id;
                    break;
                }
            }
        }
        duplicate = dup;
    }

    /** The id of the first token that repeats an earlier one, or -1. */
    int duplicate() { return duplicate; }

    private int slot(int hash) {
        return (hash * 0x9E3779B9) >>> shift;
    }

    /** The id of {@code text}, or -1. */
    int get(String text) {
        int h = text.hashCode(), mask = slots.length - 1;
        for (int i = slot(h); ; i = (i + 1) & mask) {
            int s = slots[i];
            if (s == 0) return -1;
            if (hashes[i] == h && tokens[s - 1].equals(text)) return s - 1;
        }
    }

    /** The id of {@code text.substring(from, to)}, or -1. */
    int get(String text, int from, int to) {
        int h = 0;
        for (int k = from; k < to; k++) h = 31 * h + text.charAt(k);
        int len = to - from, mask = slots.length - 1;
        for (int i = slot(h); ; i = (i + 1) & mask) {
            int s = slots[i];
            if (s == 0) return -1;
            if (hashes[i] != h) continue;
            String t = tokens[s - 1];
            if (t.length() == len && t.regionMatches(0, text, from, len)) return s - 1;
        }
    }

    /** The id of the token whose text is token {@code a}'s followed by token {@code b}'s, or -1. */
    int getConcat(int a, int b) {
        String ta = tokens[a], tb = tokens[b];
        int h = ta.hashCode();
        for (int k = 0; k < tb.length(); k++) h *= 31; // hash(a + b) = hash(a) * 31^|b| + hash(b)
        h += tb.hashCode();
        int la = ta.length(), len = la + tb.length(), mask = slots.length - 1;
        for (int i = slot(h); ; i = (i + 1) & mask) {
            int s = slots[i];
            if (s == 0) return -1;
            if (hashes[i] != h) continue;
            String t = tokens[s - 1];
            if (t.length() == len && t.startsWith(ta) && t.regionMatches(la, tb, 0, tb.length())) return s - 1;
        }
    }
}
