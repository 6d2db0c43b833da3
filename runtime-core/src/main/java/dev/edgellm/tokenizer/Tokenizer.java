package dev.edgellm.tokenizer;

import dev.edgellm.ModelFormatException;
import dev.edgellm.gguf.GgufFile;

/**
 * Text to token ids and back, built from a model's GGUF metadata. Results equal llama.cpp's
 * {@code llama_tokenize}; implementations are immutable and thread-safe.
 */
public interface Tokenizer {

    /**
     * Tokenizes {@code text}.
     *
     * @param addSpecial   add BOS (and EOS, and WordPiece's SEP) as the vocabulary's add_* flags say
     * @param parseSpecial match the text of control tokens such as {@code <|im_start|>} as single tokens;
     *                     user-defined tokens are matched either way, as in llama.cpp
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * The text of {@code ids}: the tokens' bytes ({@link #tokenBytes(int)}: control tokens render as nothing)
     * decoded as UTF-8, invalid sequences as U+FFFD. Where the tokenizer adds a space prefix (SentencePiece),
     * one leading space of the first non-empty piece is dropped, so that decoding what {@link #encode}
     * produced gives the text back. Spaces are not "cleaned up" around punctuation.
     */
    String decode(int[] ids);

    /**
     * llama.cpp's {@code llama_detokenize}, exactly: with removeSpecial a leading BOS and a trailing EOS are
     * dropped (when the vocabulary adds them); with unparseSpecial control tokens render as their text; a
     * space-prefix tokenizer drops one leading space of the first token (not after a removed BOS); and where
     * the vocabulary says clean_spaces, " ?", " !", " .", " ," and some spaces around apostrophes lose
     * their space. Unlike {@link #decode}, this can lose spaces the text had.
     */
    String detokenize(int[] ids, boolean removeSpecial, boolean unparseSpecial);

    /** The raw bytes token {@code id} stands for; control and unknown tokens give no bytes. */
    default byte[] tokenBytes(int id) {
        return tokenBytes(id, false);
    }

    /**
     * The raw bytes token {@code id} stands for: SentencePiece "▁" as a space, {@code <0xXX>} byte tokens as
     * that byte, byte-level BPE characters mapped back to bytes. Control and unknown tokens give their text
     * when {@code special} is true, else no bytes.
     *
     * @throws IndexOutOfBoundsException for an id outside the vocabulary
     */
    byte[] tokenBytes(int id, boolean special);

    Vocabulary vocabulary();

    /**
     * The tokenizer that {@code tokenizer.ggml.model} names: "llama" → {@link SpmTokenizer}, "gpt2" →
     * {@link BpeTokenizer} (with the {@link PreTokenizer} that {@code tokenizer.ggml.pre} names), "bert" →
     * {@link WordPieceTokenizer}.
     *
     * @throws ModelFormatException when the tokenizer metadata is missing, malformed or unsupported; the
     *                              message names the key
     */
    static Tokenizer fromGguf(GgufFile gguf) throws ModelFormatException {
        Vocabulary vocab = Vocabulary.fromGguf(gguf);
        switch (vocab.model()) {
            case "llama": return new SpmTokenizer(vocab);
            case "gpt2": return BpeTokenizer.create(vocab, gguf);
            case "bert": return new WordPieceTokenizer(vocab, gguf);
            default:
                throw Vocabulary.bad(gguf, Vocabulary.KEY_MODEL, "unsupported tokenizer model '" + vocab.model()
                        + "'; supported: \"llama\" (SentencePiece), \"gpt2\" (byte-level BPE), \"bert\" (WordPiece)");
        }
    }
}
