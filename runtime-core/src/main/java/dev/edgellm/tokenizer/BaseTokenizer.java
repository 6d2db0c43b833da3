package dev.edgellm.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static dev.edgellm.tokenizer.Vocabulary.ATTR_BYTE;
import static dev.edgellm.tokenizer.Vocabulary.ATTR_CONTROL;
import static dev.edgellm.tokenizer.Vocabulary.ATTR_LSTRIP;
import static dev.edgellm.tokenizer.Vocabulary.ATTR_NORMAL;
import static dev.edgellm.tokenizer.Vocabulary.ATTR_RSTRIP;
import static dev.edgellm.tokenizer.Vocabulary.ATTR_UNKNOWN;
import static dev.edgellm.tokenizer.Vocabulary.ATTR_USER_DEFINED;

/**
 * What all tokenizers share, following llama.cpp's {@code llama_vocab::impl::tokenize}: special-token text is
 * cut out first ({@code tokenizer_st_partition}), the remaining text fragments go to the model's algorithm,
 * BOS/EOS/SEP are added by the vocabulary's flags; and the token-to-bytes rules of {@code token_to_piece}.
 */
abstract class BaseTokenizer implements Tokenizer {
    private static final byte[] EMPTY = new byte[0];

    final Vocabulary vocab;
    // special tokens grouped by first char, to find in one pass which of them occur in a text at all
    private final BitSet specialFirstChars = new BitSet(1 << 16);
    private final Map<Character, int[]> specialsByFirstChar = new HashMap<>();

    BaseTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        Map<Character, IntList> groups = new HashMap<>();
        for (int id : vocab.specialIds()) {
            char first = vocab.token(id).charAt(0);
            groups.computeIfAbsent(first, c -> new IntList(4)).add(id);
            specialFirstChars.set(first);
        }
        groups.forEach((c, ids) -> specialsByFirstChar.put(c, ids.toArray()));
    }

    /**
     * Tokenizes one fragment of plain text (never empty).
     *
     * @param afterSpecial the fragment starts the text or follows a special token (SentencePiece adds its
     *                     space prefix then)
     */
    abstract void encodeText(String text, boolean afterSpecial, IntList out);

    /** The bytes of a NORMAL token. */
    abstract byte[] normalBytes(int id);

    @Override
    public Vocabulary vocabulary() { return vocab; }

    @Override
    public final int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        Objects.requireNonNull(text, "text");
        IntList out = new IntList(text.length() / 3 + 4);
        if (addSpecial && vocab.addBos()) out.add(vocab.bosId());
        boolean afterSpecial = true;
        for (long f : partition(text, parseSpecial)) {
            int token = fragmentToken(f);
            if (token >= 0) {
                out.add(token);
                afterSpecial = true;
            } else {
                encodeText(text.substring(fragmentStart(f), fragmentEnd(f)), afterSpecial, out);
                afterSpecial = false;
            }
        }
        if (addSpecial && vocab.addEos()) out.add(vocab.eosId());
        if (addSpecial && vocab.addSep()) out.add(vocab.sepId());
        return out.toArray();
    }

    // A fragment is a special token (id >= 0) or a text range [start, end), packed in a long:
    // bit 63 set for text, then start and end in 31 bits each.
    private static long textFragment(int start, int end) {
        return Long.MIN_VALUE | ((long) start << 31) | end;
    }

    private static int fragmentToken(long f) { return f < 0 ? -1 : (int) f; }

    private static int fragmentStart(long f) { return (int) ((f >>> 31) & 0x7FFFFFFF); }

    private static int fragmentEnd(long f) { return (int) (f & 0x7FFFFFFF); }

    /**
     * Cuts special-token text out of {@code text}: longest token first, every occurrence, left to right
     * ({@code tokenizer_st_partition}). Without parseSpecial only user-defined tokens are matched.
     */
    private List<Long> partition(String text, boolean parseSpecial) {
        List<Long> frags = new ArrayList<>();
        if (text.isEmpty()) return frags;
        frags.add(textFragment(0, text.length()));
        BitSet present = specialTokensIn(text);
        for (int id : vocab.specialIds()) {
            if (!present.get(id)) continue; // fragments are pieces of the text: what it lacks, they lack
            int attr = vocab.attrs(id);
            if (!parseSpecial && (attr & (ATTR_CONTROL | ATTR_UNKNOWN)) != 0) continue;
            String special = vocab.token(id);
            List<Long> next = new ArrayList<>(frags.size() + 4);
            for (long f : frags) {
                if (fragmentToken(f) >= 0) {
                    next.add(f);
                    continue;
                }
                int start = fragmentStart(f), end = fragmentEnd(f);
                while (start < end) {
                    int at = text.indexOf(special, start);
                    if (at < 0 || at + special.length() > end) break;
                    int leftEnd = at;
                    if ((attr & ATTR_LSTRIP) != 0) while (leftEnd > start && isSpace(text.charAt(leftEnd - 1))) leftEnd--;
                    if (leftEnd > start) next.add(textFragment(start, leftEnd));
                    next.add((long) id);
                    start = at + special.length();
                    if ((attr & ATTR_RSTRIP) != 0) while (start < end && isSpace(text.charAt(start))) start++;
                }
                if (start < end) next.add(textFragment(start, end));
            }
            frags = next;
        }
        return frags;
    }

    /** The special tokens that occur somewhere in {@code text}, found in one pass. */
    private BitSet specialTokensIn(String text) {
        BitSet present = new BitSet();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!specialFirstChars.get(c)) continue;
            for (int id : specialsByFirstChar.get(c)) {
                if (!present.get(id) && text.startsWith(vocab.token(id), i)) present.set(id);
            }
        }
        return present;
    }

    /** C's isspace, which llama.cpp uses for lstrip/rstrip. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        boolean stripSpace = vocab.addSpacePrefix();
        for (int id : ids) {
            byte[] b = tokenBytes(id, false);
            if (b.length == 0) continue;
            int skip = stripSpace && b[0] == ' ' ? 1 : 0;
            out.write(b, skip, b.length - skip);
            stripSpace = false;
        }
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    @Override
    public String detokenize(int[] ids, boolean removeSpecial, boolean unparseSpecial) {
        int from = 0, to = ids.length;
        boolean removeSpace = vocab.addSpacePrefix();
        if (removeSpecial && vocab.addBos() && to > 0 && ids[0] == vocab.bosId()) {
            removeSpace = false;
            from++;
        }
        if (removeSpecial && vocab.addEos() && to > from && ids[to - 1] == vocab.eosId()) to--;
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int i = from; i < to; i++) {
            byte[] b = tokenBytes(ids[i], unparseSpecial);
            int skip = removeSpace && b.length > 0 && b[0] == ' ' ? 1 : 0;
            out.write(b, skip, b.length - skip);
            removeSpace = false;
        }
        byte[] text = out.toByteArray();
        int n = vocab.cleanSpaces() ? cleanSpaces(text) : text.length;
        return new String(text, 0, n, StandardCharsets.UTF_8);
    }

    /** llama.cpp's three clean-up passes over the detokenized bytes, in place; returns the new length. */
    private static int cleanSpaces(byte[] t) {
        int n = t.length;
        int total = n > 0 ? 1 : 0; // " ?", " !", " .", " ," lose the space
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) total--;
            t[total++] = x;
        }
        n = total;
        total = n > 0 ? 1 : 0; // " ' " between spaces: both spaces go
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            if (x == '\'' && i + 1 < n && t[i - 1] == ' ' && t[i + 1] == ' ') {
                total--;
                t[++i] = 0; // the next space is overwritten, as llama.cpp does
            }
            t[total++] = x;
        }
        n = total;
        total = n > 0 ? 1 : 0; // " 's", " 'm", " 're", " 've" join the word before
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && x == '\'' && i + 1 < n) {
                byte x1 = t[i + 1];
                if (x1 == 's' || x1 == 'm') total--;
                else if (i + 2 < n && ((x1 == 'r' || x1 == 'v') && t[i + 2] == 'e')) total--;
            }
            t[total++] = x;
        }
        return total;
    }

    @Override
    public byte[] tokenBytes(int id, boolean special) {
        if (id < 0 || id >= vocab.size()) {
            throw new IndexOutOfBoundsException("token id " + id + " is outside the vocabulary (" + vocab.size() + " tokens)");
        }
        int attr = vocab.attrs(id);
        if ((attr & (ATTR_UNKNOWN | ATTR_CONTROL)) != 0 && !special) return EMPTY;
        if ((attr & (ATTR_UNKNOWN | ATTR_CONTROL | ATTR_USER_DEFINED)) != 0) return Unicode.utf8(vocab.token(id));
        if ((attr & ATTR_NORMAL) != 0) return normalBytes(id);
        if ((attr & ATTR_BYTE) != 0) {
            int b = parseByteToken(vocab.token(id));
            return b >= 0 ? new byte[] {(byte) b} : Unicode.utf8(vocab.token(id));
        }
        return EMPTY; // unused and undefined tokens render as nothing, as in llama.cpp
    }

    /** The byte of a {@code <0xXX>} token text, or -1. */
    static int parseByteToken(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
        int hi = Character.digit(t.charAt(3), 16), lo = Character.digit(t.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }
}
