package dev.edgellm.tokenizer;

import dev.edgellm.ModelFormatException;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.gguf.GgufValueType;
import dev.edgellm.gguf.MetadataValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * A tokenizer vocabulary read from the {@code tokenizer.ggml.*} GGUF keys: token texts, scores, types,
 * special ids and the add-BOS/EOS/space-prefix flags. Defaults, id validation and the text-based detection
 * of EOT/EOG/FIM tokens follow llama.cpp's {@code llama_vocab::impl::load} (src/llama-vocab.cpp), so that
 * tokenization matches llama.cpp's. Immutable and thread-safe.
 */
public final class Vocabulary {
    /** "No such token". GGUF files write it as 4294967295 (u32) or -1. */
    public static final int NONE = -1;

    public static final String KEY_MODEL = "tokenizer.ggml.model";
    public static final String KEY_PRE = "tokenizer.ggml.pre";
    public static final String KEY_TOKENS = "tokenizer.ggml.tokens";
    public static final String KEY_SCORES = "tokenizer.ggml.scores";
    public static final String KEY_TOKEN_TYPE = "tokenizer.ggml.token_type";
    public static final String KEY_MERGES = "tokenizer.ggml.merges";

    // llama.cpp's llama_token_attr bits; the per-token state that tokenization actually reads
    static final int ATTR_UNKNOWN = 1, ATTR_UNUSED = 1 << 1, ATTR_NORMAL = 1 << 2, ATTR_CONTROL = 1 << 3,
            ATTR_USER_DEFINED = 1 << 4, ATTR_BYTE = 1 << 5, ATTR_LSTRIP = 1 << 7, ATTR_RSTRIP = 1 << 8;

    private static final Logger LOG = Logger.getLogger(Vocabulary.class.getName());

    // Token texts llama.cpp uses to find special tokens that the metadata does not name (first match wins here).
    private static final String[] EOT_TEXTS = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]",
            "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", "<end_of_utterance>"};
    private static final String[] EOM_TEXTS = {"<|eom_id|>"};
    private static final String[][] FIM_TEXTS = {
            {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\uFF5Cfim\u2581begin\uFF5C>", "<PRE>", "\u2581<PRE>",
                    "<|code_prefix|>", "<|prefix|>"},
            {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\uFF5Cfim\u2581hole\uFF5C>", "<SUF>", "\u2581<SUF>",
                    "<|code_suffix|>", "<|suffix|>"},
            {"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\uFF5Cfim\u2581end\uFF5C>", "<MID>", "\u2581<MID>",
                    "<|code_middle|>", "<|middle|>"},
            {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"},
            {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"},
            {"<|file_sep|>"}};
    private static final String[] FIM_KEYS = {"fim_pre", "fim_suf", "fim_mid", "fim_pad", "fim_rep", "fim_sep"};
    private static final String[] EOG_TEXTS = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",
            "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>",
            "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
            "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", "[e~["};

    private final String model;
    private final String pre;
    private final String[] tokens;
    private final float[] scores;
    private final TokenType[] types;
    private final int[] attrs;
    private final TokenIndex index;
    private final int bos, eos, eot, eom, unk, pad, sep, mask;
    private final int[] fim = new int[6];
    private final boolean addBos, addEos, addSep, addSpacePrefix, cleanSpaces;
    private final BitSet eog = new BitSet();
    private final int[] specialIds;
    private final int maxTokenChars;

    private Vocabulary(GgufFile f) throws ModelFormatException {
        model = requireString(f, KEY_MODEL);
        pre = optString(f, KEY_PRE);
        tokens = readTokens(f);
        int n = tokens.length;
        scores = readScores(f, n);
        types = readTypes(f, n);
        int maxChars = 0;
        for (int i = 0; i < n; i++) {
            if (tokens[i].isEmpty()) tokens[i] = "[EMPTY_" + i + "]"; // as llama.cpp: keeps ids unique
            maxChars = Math.max(maxChars, tokens[i].length());
        }
        maxTokenChars = maxChars;
        index = new TokenIndex(tokens);
        int dup = index.duplicate();
        if (dup >= 0) {
            throw bad(f, KEY_TOKENS, "duplicate token '" + tokens[dup] + "' at ids " + index.get(tokens[dup]) + " and " + dup);
        }
        attrs = new int[n];
        for (int i = 0; i < n; i++) attrs[i] = attrOf(types[i]);

        // llama.cpp defaults per tokenizer model, then metadata overrides
        boolean spm = model.equals("llama"), bpe = model.equals("gpt2"), wpm = model.equals("bert");
        PreTokenizer.Kind preKind = bpe ? PreTokenizer.Kind.forName(pre) : null;
        int dBos = spm ? 1 : bpe ? 11 : wpm ? 101 : NONE;
        int dEos = spm ? 2 : bpe ? 11 : NONE;
        int dUnk = spm ? 0 : wpm ? 100 : NONE;
        if (preKind != null && preKind.noBos) dBos = NONE;
        bos = specialId(f, "bos_token_id", dBos, n);
        eos = specialId(f, "eos_token_id", dEos, n);
        int eotId = specialId(f, "eot_token_id", NONE, n);
        int eomId = specialId(f, "eom_token_id", NONE, n);
        unk = specialId(f, "unknown_token_id", dUnk, n);
        // the standard key is misspelled "seperator"; accept the correct spelling when that is all there is
        boolean correctSpelling = !f.has("tokenizer.ggml.seperator_token_id") && f.has("tokenizer.ggml.separator_token_id");
        sep = specialId(f, correctSpelling ? "separator_token_id" : "seperator_token_id", wpm ? 102 : NONE, n);
        pad = specialId(f, "padding_token_id", wpm ? 0 : NONE, n);
        mask = specialId(f, "mask_token_id", wpm ? 103 : NONE, n);
        String[] oldFim = {"prefix", "suffix", "middle"};
        for (int k = 0; k < fim.length; k++) {
            fim[k] = specialId(f, FIM_KEYS[k] + "_token_id", NONE, n);
            if (k < 3) fim[k] = specialId(f, oldFim[k] + "_token_id", fim[k], n);
        }

        addSpacePrefix = flag(f, "tokenizer.ggml.add_space_prefix", spm);
        addBos = flag(f, "tokenizer.ggml.add_bos_token", spm || wpm || (preKind != null && preKind.addBos));
        addEos = flag(f, "tokenizer.ggml.add_eos_token", false);
        cleanSpaces = wpm || (bpe && PreTokenizer.cleansSpaces(pre));
        addSep = flag(f, "tokenizer.ggml.add_sep_token", wpm);
        requireIdFor(f, addBos, bos, "add_bos_token", "bos_token_id");
        requireIdFor(f, addEos, eos, "add_eos_token", "eos_token_id");
        requireIdFor(f, addSep, sep, "add_sep_token", "seperator_token_id");

        eot = eotId != NONE ? eotId : findAndMarkControl(EOT_TEXTS);
        eom = eomId != NONE ? eomId : findAndMarkControl(EOM_TEXTS);
        for (int k = 0; k < fim.length; k++) if (fim[k] == NONE) fim[k] = findAndMarkControl(FIM_TEXTS[k]);
        markUnusedAndEog();
        specialIds = collectSpecialIds();
        applyModelAttributes(f);
    }

    /** Reads the vocabulary of a GGUF file; fails with the offending key named when it is malformed. */
    public static Vocabulary fromGguf(GgufFile f) throws ModelFormatException {
        return new Vocabulary(f);
    }

    // ---------------------------------------------------------------- public API

    /** {@code tokenizer.ggml.model}: "llama" (SentencePiece), "gpt2" (byte-level BPE), "bert" (WordPiece)... */
    public String model() { return model; }

    /** {@code tokenizer.ggml.pre}, or null when absent. */
    public String pre() { return pre; }

    public int size() { return tokens.length; }

    public String token(int id) { return tokens[id]; }

    public float score(int id) { return scores[id]; }

    /** The type as stored in the file. */
    public TokenType tokenType(int id) { return types[id]; }

    /** The id of a token text, or {@link #NONE}. */
    public int id(String text) {
        return index.get(text);
    }

    /** The id of {@code text.substring(from, to)}, or {@link #NONE}; builds no string. */
    int id(String text, int from, int to) {
        return index.get(text, from, to);
    }

    /** The id of the token whose text is token a's followed by token b's, or {@link #NONE}. */
    int concatId(int a, int b) {
        return index.getConcat(a, b);
    }

    // Effective types, after llama.cpp's overrides (e.g. an EOT-looking user-defined token becomes control).
    public boolean isNormal(int id) { return (attrs[id] & ATTR_NORMAL) != 0; }

    public boolean isControl(int id) { return (attrs[id] & ATTR_CONTROL) != 0; }

    public boolean isUserDefined(int id) { return (attrs[id] & ATTR_USER_DEFINED) != 0; }

    public boolean isUnknown(int id) { return (attrs[id] & ATTR_UNKNOWN) != 0; }

    public boolean isByte(int id) { return (attrs[id] & ATTR_BYTE) != 0; }

    public boolean isUnused(int id) { return (attrs[id] & ATTR_UNUSED) != 0; }

    /** True for tokens that end generation: EOS, EOT, EOM and the end-of-turn tokens llama.cpp knows by text. */
    public boolean isEndOfGeneration(int id) { return id >= 0 && eog.get(id); }

    public int bosId() { return bos; }

    public int eosId() { return eos; }

    /** End of turn: {@code tokenizer.ggml.eot_token_id}, else a token such as "<|eot_id|>" or "<|im_end|>". */
    public int eotId() { return eot; }

    /** End of message ("<|eom_id|>"). */
    public int eomId() { return eom; }

    public int unkId() { return unk; }

    public int padId() { return pad; }

    public int sepId() { return sep; }

    public int maskId() { return mask; }

    public boolean addBos() { return addBos; }

    public boolean addEos() { return addEos; }

    /** WordPiece models end a sequence with SEP. */
    public boolean addSep() { return addSep; }

    /** SentencePiece: prefix the text (and text after a special token) with a space. */
    public boolean addSpacePrefix() { return addSpacePrefix; }

    /** llama.cpp's clean_spaces: detokenizing removes the space before "?!.," and some apostrophes. */
    public boolean cleanSpaces() { return cleanSpaces; }

    @Override
    public String toString() {
        return "Vocabulary[" + model + (pre == null ? "" : "/" + pre) + ", " + tokens.length + " tokens, bos=" + bos
                + ", eos=" + eos + ", eot=" + eot + "]";
    }

    // ---------------------------------------------------------------- package-private helpers

    int attrs(int id) { return attrs[id]; }

    /** Control, user-defined and unknown tokens, longest UTF-8 text first: the order special text is matched. */
    int[] specialIds() { return specialIds; }

    int maxTokenChars() { return maxTokenChars; }

    static ModelFormatException bad(GgufFile f, String key, String problem) {
        return new ModelFormatException(f.path(), -1, key, problem);
    }

    // ---------------------------------------------------------------- loading

    private static String requireString(GgufFile f, String key) throws ModelFormatException {
        MetadataValue v = f.get(key);
        if (v == null) throw bad(f, key, "missing: the file has no tokenizer (" + key + " is not set)");
        if (v.type() != GgufValueType.STRING) throw bad(f, key, "should be a string but is " + v.describe());
        return v.asString();
    }

    private static String optString(GgufFile f, String key) throws ModelFormatException {
        return f.has(key) ? requireString(f, key) : null;
    }

    private static String[] readTokens(GgufFile f) throws ModelFormatException {
        MetadataValue v = f.get(KEY_TOKENS);
        if (v == null) throw bad(f, KEY_TOKENS, "missing: the file has no token list");
        if (!v.isArray() || v.elementType() != GgufValueType.STRING) {
            throw bad(f, KEY_TOKENS, "should be an array of strings but is " + v.describe());
        }
        String[] t = v.asStringArray();
        if (t.length == 0) throw bad(f, KEY_TOKENS, "is empty");
        return t.clone();
    }

    private static float[] readScores(GgufFile f, int n) throws ModelFormatException {
        MetadataValue v = f.get(KEY_SCORES);
        if (v == null) return new float[n];
        if (!isNumericArray(v)) throw bad(f, KEY_SCORES, "should be an array of numbers but is " + v.describe());
        if (v.arrayLength() != n) {
            throw bad(f, KEY_SCORES, "has " + v.arrayLength() + " entries but " + KEY_TOKENS + " has " + n);
        }
        return v.asFloatArray();
    }

    private static TokenType[] readTypes(GgufFile f, int n) throws ModelFormatException {
        TokenType[] t = new TokenType[n];
        MetadataValue v = f.get(KEY_TOKEN_TYPE);
        if (v == null) {
            java.util.Arrays.fill(t, TokenType.NORMAL);
            return t;
        }
        if (!isNumericArray(v) || v.elementType() == GgufValueType.FLOAT32 || v.elementType() == GgufValueType.FLOAT64) {
            throw bad(f, KEY_TOKEN_TYPE, "should be an array of integers but is " + v.describe());
        }
        if (v.arrayLength() != n) {
            throw bad(f, KEY_TOKEN_TYPE, "has " + v.arrayLength() + " entries but " + KEY_TOKENS + " has " + n);
        }
        int[] codes = v.asIntArray();
        for (int i = 0; i < n; i++) t[i] = TokenType.fromCode(codes[i]);
        return t;
    }

    private static boolean isNumericArray(MetadataValue v) {
        if (!v.isArray()) return false;
        GgufValueType e = v.elementType();
        return e != GgufValueType.STRING && e != GgufValueType.ARRAY && e != GgufValueType.BOOL;
    }

    private static int attrOf(TokenType t) {
        switch (t) {
            case NORMAL: return ATTR_NORMAL;
            case UNKNOWN: return ATTR_UNKNOWN;
            case CONTROL: return ATTR_CONTROL;
            case USER_DEFINED: return ATTR_USER_DEFINED;
            case UNUSED: return ATTR_UNUSED;
            case BYTE: return ATTR_BYTE;
            default: return 0;
        }
    }

    /** A special id from {@code tokenizer.ggml.<name>}: -1/4294967295 is "none"; other out-of-range values keep the default. */
    private static int specialId(GgufFile f, String name, int dflt, int n) throws ModelFormatException {
        String key = "tokenizer.ggml." + name;
        if (dflt >= n) dflt = NONE;
        MetadataValue v = f.get(key);
        if (v == null) return dflt;
        if (v.isArray() || !v.isNumber()) throw bad(f, key, "should be an integer but is " + v.describe());
        long id = v.asLong();
        if (id == -1 || id == 0xFFFFFFFFL) return NONE;
        if (id < 0 || id >= n) {
            LOG.warning(f.path() + ": " + key + " = " + id + " is outside the vocabulary (" + n + " tokens), using "
                    + (dflt == NONE ? "none" : String.valueOf(dflt)));
            return dflt;
        }
        return (int) id;
    }

    private static boolean flag(GgufFile f, String key, boolean dflt) throws ModelFormatException {
        try {
            return f.getBoolean(key, dflt);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw bad(f, key, "should be a boolean but is " + f.get(key).describe());
        }
    }

    private static void requireIdFor(GgufFile f, boolean on, int id, String flagKey, String idKey)
            throws ModelFormatException {
        if (on && id == NONE) {
            throw bad(f, "tokenizer.ggml." + flagKey, "is true, but tokenizer.ggml." + idKey + " is not set");
        }
    }

    private int findAndMarkControl(String[] texts) {
        for (String t : texts) {
            int id = id(t);
            if (id != NONE) {
                attrs[id] |= ATTR_CONTROL;
                return id;
            }
        }
        return NONE;
    }

    private void markUnusedAndEog() {
        for (int i = 0; i < tokens.length; i++) {
            if ((attrs[i] & ATTR_CONTROL) != 0 && tokens[i].contains("unused")) attrs[i] |= ATTR_UNUSED;
        }
        for (int k = 3; k < 6; k++) if (fim[k] != NONE) eog.set(fim[k]); // FIM pad/repo/sep end generation
        for (String t : EOG_TEXTS) {
            int id = id(t);
            if (id != NONE) {
                eog.set(id);
                attrs[id] |= ATTR_CONTROL;
            }
        }
        // gpt-oss: these must be rendered, so llama.cpp treats them as user-defined
        for (String t : new String[] {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
            int id = id(t);
            if (id != NONE) attrs[id] = ATTR_USER_DEFINED;
        }
        for (int id : new int[] {eos, eot, eom}) if (id != NONE) eog.set(id);
        // o200k_harmony / solar-open: "<|end|>" ends a message, not the generation
        int end = id("<|end|>");
        if (end != NONE && eog.get(end) && ((isEogText("<|return|>") && isEogText("<|call|>"))
                || (isEogText("<|calls|>") && isEogText("<|flush|>")))) {
            eog.clear(end);
            attrs[end] = ATTR_USER_DEFINED;
        }
        int s = id("</s>");
        if (s != NONE && eog.get(s) && isEogText("<|tool_response>")) { // gemma 4
            eog.clear(s);
            attrs[s] = ATTR_NORMAL;
        }
    }

    private boolean isEogText(String text) {
        int id = id(text);
        return id != NONE && eog.get(id);
    }

    private int[] collectSpecialIds() {
        List<int[]> special = new ArrayList<>(); // {id, utf8 length}
        for (int i = 0; i < tokens.length; i++) {
            if ((attrs[i] & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) != 0) {
                special.add(new int[] {i, tokens[i].getBytes(StandardCharsets.UTF_8).length});
            }
        }
        special.sort((a, b) -> a[1] != b[1] ? Integer.compare(b[1], a[1]) : Integer.compare(a[0], b[0]));
        int[] out = new int[special.size()];
        for (int i = 0; i < out.length; i++) out[i] = special.get(i)[0];
        return out;
    }

    /** Per-model token attributes that GGUF does not store (llama.cpp sets them by model name). */
    private void applyModelAttributes(GgufFile f) throws ModelFormatException {
        String name = lower(optStringLenient(f, "general.name"));
        String arch = lower(optStringLenient(f, "general.architecture"));
        String p = lower(pre);
        if (p.contains("jina-v2-de") || p.contains("jina-v2-es") || p.contains("jina-v2-code")
                || arch.contains("nomic-bert-moe") || arch.contains("jina-bert-v3")) {
            setAttr("<mask>", ATTR_LSTRIP, true);
        } else if (name.contains("phi-3") || name.contains("phi3")) {
            for (int id : specialIds) attrs[id] |= ATTR_RSTRIP;
            setAttr("</s>", ATTR_RSTRIP, true);
            for (String t : new String[] {"<unk>", "<s>", "<|endoftext|>"}) setAttr(t, ATTR_RSTRIP, false);
        } else if (name.contains("modern-bert")) {
            setAttr("[MASK]", ATTR_LSTRIP, true);
        }
    }

    private static String optStringLenient(GgufFile f, String key) {
        MetadataValue v = f.get(key);
        return v != null && v.type() == GgufValueType.STRING ? v.asString() : "";
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }

    private void setAttr(String text, int bit, boolean on) {
        int id = id(text);
        if (id == NONE) return;
        attrs[id] = on ? attrs[id] | bit : attrs[id] & ~bit;
    }
}
