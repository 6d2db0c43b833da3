package dev.edgellm.tokenizer;

import dev.edgellm.ModelFormatException;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.gguf.GgufValueType;
import dev.edgellm.gguf.MetadataValue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Byte-level BPE as GPT-2 defined it (openai/gpt-2 src/encoder.py) and llama.cpp runs it
 * ({@code llm_tokenizer_bpe_session}, src/llama-vocab.cpp): the {@link PreTokenizer} splits the text into
 * words; each word's UTF-8 bytes become GPT-2 characters, one symbol per byte; then the adjacent pair with
 * the lowest merge rank ({@code tokenizer.ggml.merges} order) is merged, leftmost first on ties, until no
 * pair has a rank. Symbols that are not tokens fall back to their single-byte tokens. With Llama 3's
 * {@code ignore_merges}, a word that is itself a token is taken whole.
 *
 * <p>Merges are held as a hash from a (left id, right id) pair to its rank plus the id of the merged
 * token, so merging works on ids; nothing grows with use.
 */
public final class BpeTokenizer extends BaseTokenizer {
    private final PreTokenizer preTokenizer;
    private final boolean ignoreMerges;
    private final int[] byteTokens = new int[256];
    private final PairRanks ranks;
    private final int[] mergeResult; // rank -> id of the merged text, or NONE when that text is not a token

    private BpeTokenizer(Vocabulary vocab, PreTokenizer pre, PairRanks ranks, int[] mergeResult) {
        super(vocab);
        this.preTokenizer = pre;
        this.ignoreMerges = pre.kind().ignoreMerges;
        this.ranks = ranks;
        this.mergeResult = mergeResult;
        for (int b = 0; b < 256; b++) byteTokens[b] = vocab.id(String.valueOf(Unicode.byteToChar(b)));
    }

    static BpeTokenizer create(Vocabulary vocab, GgufFile f) throws ModelFormatException {
        PreTokenizer pre;
        try {
            pre = PreTokenizer.forName(vocab.pre());
        } catch (IllegalArgumentException e) {
            throw Vocabulary.bad(f, Vocabulary.KEY_PRE, e.getMessage());
        }
        MetadataValue v = f.get(Vocabulary.KEY_MERGES);
        if (v == null) throw Vocabulary.bad(f, Vocabulary.KEY_MERGES, "missing: a BPE tokenizer needs its merges");
        if (!v.isArray() || v.elementType() != GgufValueType.STRING) {
            throw Vocabulary.bad(f, Vocabulary.KEY_MERGES, "should be an array of strings but is " + v.describe());
        }
        String[] merges = v.asStringArray();
        PairRanks ranks = new PairRanks(merges.length);
        int[] result = new int[merges.length];
        for (int rank = 0; rank < merges.length; rank++) {
            String m = merges[rank];
            int space = m.indexOf(' ', 1); // from 1: a merge may start with a literal space token
            if (space < 0) {
                throw Vocabulary.bad(f, Vocabulary.KEY_MERGES + "[" + rank + "]", "'" + m + "' is not two tokens separated by a space");
            }
            int left = vocab.id(m, 0, space), right = vocab.id(m, space + 1, m.length());
            if (left == Vocabulary.NONE || right == Vocabulary.NONE) {
                throw Vocabulary.bad(f, Vocabulary.KEY_MERGES + "[" + rank + "]", "'" + m + "' refers to '"
                        + (left == Vocabulary.NONE ? m.substring(0, space) : m.substring(space + 1))
                        + "', which is not in " + Vocabulary.KEY_TOKENS);
            }
            result[rank] = vocab.concatId(left, right);
            ranks.putIfAbsent(pair(left, right), rank); // a repeated merge keeps its first rank, as in llama.cpp
        }
        return new BpeTokenizer(vocab, pre, ranks, result);
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | right;
    }

    public PreTokenizer preTokenizer() { return preTokenizer; }

    /** Number of merge rules. */
    public int mergeCount() { return mergeResult.length; }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        Word w = new Word();
        for (String word : preTokenizer.split(text)) {
            byte[] bytes = Unicode.utf8(word);
            if (ignoreMerges) {
                char[] chars = new char[bytes.length];
                for (int i = 0; i < bytes.length; i++) chars[i] = Unicode.byteToChar(bytes[i]);
                int id = vocab.id(new String(chars));
                if (id != Vocabulary.NONE) {
                    out.add(id);
                    continue;
                }
            }
            w.merge(bytes, out);
        }
    }

    /** The merge state of one word; reused across the words of one call. */
    private final class Word {
        int[] id = new int[64], len = new int[64], next = new int[64], prev = new int[64];
        final MergeQueue queue = new MergeQueue();

        void merge(byte[] bytes, IntList out) {
            int n = bytes.length;
            if (id.length < n) {
                int cap = Math.max(n, id.length * 2);
                id = new int[cap];
                len = new int[cap];
                next = new int[cap];
                prev = new int[cap];
            }
            for (int i = 0; i < n; i++) {
                id[i] = byteTokens[bytes[i] & 0xFF];
                len[i] = 1;
                prev[i] = i - 1;
                next[i] = i + 1 < n ? i + 1 : -1;
            }
            queue.clear();
            for (int i = 1; i < n; i++) addPair(i - 1, i);
            while (!queue.isEmpty()) {
                long key = queue.peekKey();
                int size = queue.peekValue();
                queue.pop();
                int left = MergeQueue.left(key), right = next[left];
                if (len[left] == 0 || right < 0 || len[left] + len[right] != size) continue; // stale
                id[left] = mergeResult[(int) (key >>> 32)];
                len[left] += len[right];
                len[right] = 0;
                next[left] = next[right];
                if (next[right] >= 0) prev[next[right]] = left;
                if (prev[left] >= 0) addPair(prev[left], left);
                if (next[left] >= 0) addPair(left, next[left]);
            }
            for (int i = 0; i >= 0; i = next[i]) { // symbol i covers bytes [i, i + len[i])
                if (id[i] != Vocabulary.NONE) {
                    out.add(id[i]);
                } else { // not a token: its bytes one by one, skipping bytes the vocabulary lacks
                    for (int k = i; k < i + len[i]; k++) {
                        int t = byteTokens[bytes[k] & 0xFF];
                        if (t != Vocabulary.NONE) out.add(t);
                    }
                }
            }
        }

        private void addPair(int left, int right) {
            if (id[left] == Vocabulary.NONE || id[right] == Vocabulary.NONE) return;
            int rank = ranks.get(pair(id[left], id[right]));
            if (rank >= 0) queue.push(MergeQueue.key(rank, left), len[left] + len[right]);
        }
    }

    @Override
    byte[] normalBytes(int id) {
        String t = vocab.token(id);
        ByteArrayOutputStream out = new ByteArrayOutputStream(t.length());
        for (int i = 0; i < t.length(); ) {
            int c = t.codePointAt(i);
            i += Character.charCount(c);
            int b = Unicode.charToByte(c);
            if (b >= 0) out.write(b);
            else Unicode.appendUtf8(out, c); // not a GPT-2 byte character: keep it as text
        }
        return out.toByteArray();
    }

    /** Open-addressing hash from a non-negative long pair key to an int rank; absent keys give -1. */
    static final class PairRanks {
        private final long[] keys;
        private final int[] values;
        private final int mask;

        PairRanks(int expected) {
            int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
            keys = new long[cap];
            values = new int[cap];
            mask = cap - 1;
            Arrays.fill(keys, -1L);
        }

        private int slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 29)) & mask;
        }

        void putIfAbsent(long key, int value) {
            for (int i = slot(key); ; i = (i + 1) & mask) {
                if (keys[i] == key) return;
                if (keys[i] == -1L) {
                    keys[i] = key;
                    values[i] = value;
                    return;
                }
            }
        }

        int get(long key) {
            for (int i = slot(key); ; i = (i + 1) & mask) {
                if (keys[i] == key) return values[i];
                if (keys[i] == -1L) return -1;
            }
        }
    }
}
