package dev.edgellm.tokenizer;

import dev.edgellm.ModelFormatException;
import dev.edgellm.gguf.GgufFile;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * BERT's WordPiece as llama.cpp runs it ({@code llm_tokenizer_wpm}, src/llama-vocab.cpp). GGUF stores the
 * vocabulary with word-initial pieces prefixed by "▁" and "##" continuations without the prefix. The text is
 * lower-cased and stripped of accents (as {@code tokenizer.ggml.normalizer.*} say, default on), split at
 * whitespace, with punctuation, ASCII symbols and CJK ideographs as words of their own; control characters
 * are dropped. Each word, prefixed with "▁", is cut greedily into the longest matching pieces; a word that
 * cannot be cut completely becomes the unknown token.
 */
public final class WordPieceTokenizer extends BaseTokenizer {
    private static final char PHANTOM_SPACE = '\u2581';

    private final boolean lowercase;
    private final boolean stripAccents;

    WordPieceTokenizer(Vocabulary vocab, GgufFile f) throws ModelFormatException {
        super(vocab);
        try {
            lowercase = f.getBoolean("tokenizer.ggml.normalizer.lowercase", true);
            stripAccents = f.getBoolean("tokenizer.ggml.normalizer.strip_accents", lowercase);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw Vocabulary.bad(f, "tokenizer.ggml.normalizer.*", e.getMessage());
        }
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        int maxLen = vocab.maxTokenChars();
        for (String w : words(text)) {
            String word = PHANTOM_SPACE + w;
            int n = word.length();
            int before = out.size();
            boolean complete = true;
            for (int i = 0; i < n && complete; ) {
                complete = false;
                for (int j = Math.min(n, i + maxLen); j > i; j--) {
                    int id = vocab.id(word, i, j);
                    if (id != Vocabulary.NONE) {
                        out.add(id);
                        i = j;
                        complete = true;
                        break;
                    }
                }
            }
            if (!complete) out.truncate(before); // discard the partial pieces: the whole word is unknown
            if (out.size() == before && vocab.unkId() != Vocabulary.NONE) out.add(vocab.unkId());
        }
    }

    private List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (stripAccents && c >= 0x80) c = nfdFirst(c);
            if (Unicode.isWhitespace(c)) {
                flush(word, words);
                continue;
            }
            int cat = Unicode.category(c);
            if (c == 0 || c == 0xFFFD || cat == Unicode.CONTROL) continue;
            if (stripAccents && cat == Unicode.MARK) continue;
            int lower = lowercase ? Character.toLowerCase(c) : c;
            if (cat == Unicode.PUNCTUATION || (c < 0x7F && cat == Unicode.SYMBOL) || isChinese(c)) {
                flush(word, words);
                words.add(new String(Character.toChars(lower)));
            } else {
                word.appendCodePoint(lower);
            }
        }
        flush(word, words);
        return words;
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (word.length() > 0) {
            words.add(word.toString());
            word.setLength(0);
        }
    }

    /** llama.cpp's "NFD": the first code point of a character's canonical decomposition (é → e). */
    private static int nfdFirst(int c) {
        String s = new String(Character.toChars(c));
        return Normalizer.isNormalized(s, Normalizer.Form.NFD) ? c : Normalizer.normalize(s, Normalizer.Form.NFD).codePointAt(0);
    }

    /** CJK ideograph ranges as BERT (and llama.cpp, including its 0x2B920 quirk) define them. */
    private static boolean isChinese(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }

    @Override
    byte[] normalBytes(int id) {
        return vocab.token(id).replace(PHANTOM_SPACE, ' ').getBytes(StandardCharsets.UTF_8);
    }
}
