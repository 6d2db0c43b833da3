package dev.edgellm.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the words a byte-level BPE tokenizer merges within, chosen by {@code tokenizer.ggml.pre}.
 *
 * <p>The regexes are llama.cpp's (src/llama-vocab.cpp, {@code llm_tokenizer_bpe}), and so is the way they are
 * run ({@code unicode_regex_split} in src/unicode.cpp), because that decides the splits in corner cases:
 * <ul>
 * <li>the expressions of one pre-tokenizer run in sequence, each splitting the pieces of the previous one;
 *     text between matches stays a piece of its own;</li>
 * <li>an expression that uses {@code \p{..}} runs on a "collapsed" copy of the text in which every non-ASCII
 *     code point is replaced by one marker character for its Unicode category (whitespace by U+000B), and
 *     each {@code \p{..}} by a class of that marker plus the ASCII members, as llama.cpp does for std::regex
 *     (its ASCII {@code \p{S}} is "$+<=>^`|~"; llama.cpp builds before a 2026 fix lack the '~');</li>
 * <li>an expression without {@code \p{..}} runs on the code points, with non-ASCII whitespace replaced by
 *     U+000B, as llama.cpp does for std::wregex.</li>
 * </ul>
 * llama.cpp has hand-written splitters for the GPT-2 and Llama 3 expressions; they give the same pieces as
 * the regexes, so here every expression goes through java.util.regex. {@code \s} is written out as C's
 * isspace set, which with the U+000B stand-in is exactly llama.cpp's White_Space set, and no flags are used,
 * so that Android's ICU-based engine splits the same way. Immutable and thread-safe.
 */
public final class PreTokenizer {
    private static final String RE_GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    private static final String RE_CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
    private static final String RE_LLAMA3 = RE_CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String RE_QWEN2 = RE_CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String RE_QWEN35 = RE_CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String RE_CJK = "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+";
    private static final String RE_DEEPSEEK_LETTERS = "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA"
            + "\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A"
            + "\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5"
            + "\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D"
            + "\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE"
            + "\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107"
            + "\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F"
            + "\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D"
            + "\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A"
            + "\uFF41-\uFF5A\uD801\uDC00-\uD801\uDC4F\uD801\uDCB0-\uD801\uDCD3\uD801\uDCD8-\uD801\uDCFB"
            + "\uD803\uDC80-\uD803\uDCB2\uD803\uDCC0-\uD803\uDCF2\uD806\uDCA0-\uD806\uDCDF\uD83A\uDD00-\uD83A\uDD43]+";
    private static final String RE_BLOOM = " ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+";
    // tekken / gpt-4o: llama.cpp writes "letter but not a-z" as ((?=[\p{L}])([^a-z])); a class intersection
    // is the same set, and java.util.regex loops over a class without recursing (no stack overflow on long words)
    private static final String RE_UPPER = "[\\p{L}&&[^a-z]]", RE_LOWER = "[\\p{L}&&[^A-Z]]";
    private static final String RE_TEKKEN = "[^\\r\\n\\p{L}\\p{N}]?" + RE_UPPER + "*" + RE_LOWER + "+|[^\\r\\n\\p{L}\\p{N}]?"
            + RE_UPPER + "+" + RE_LOWER + "*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String RE_GPT4O = "[^\\r\\n\\p{L}\\p{N}]?" + RE_UPPER + "*" + RE_LOWER + "+" + RE_CONTRACTIONS
            + "?|[^\\r\\n\\p{L}\\p{N}]?" + RE_UPPER + "+" + RE_LOWER + "*" + RE_CONTRACTIONS
            + "?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** One llama.cpp pre-tokenizer type: its expressions and the vocabulary flags that come with it. */
    enum Kind {
        DEFAULT(false, false, false, "[\\p{P}\\$\\+<=>\\^~\\|]+", RE_GPT2, "\\p{N}+", "[0-9][0-9][0-9]"),
        LLAMA3(true, true, false, RE_LLAMA3),
        DBRX(false, false, false, RE_LLAMA3),
        CHATGLM4(false, false, true, RE_LLAMA3),
        DEEPSEEK_LLM(false, false, false, "[\r\n]", RE_DEEPSEEK_LETTERS,
                "\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+",
                "\\s+\\z", // llama.cpp: "\\s+$"; ECMAScript's $ is only the end, which is \z here
                RE_CJK, "\\p{N}+"),
        DEEPSEEK_CODER(false, false, false, "[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", RE_CJK, "\\p{N}"),
        DEEPSEEK3(false, false, false, "\\p{N}{1,3}", "[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+",
                "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
                        + "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"),
        FALCON(false, false, false, "[\\p{P}\\$\\+<=>\\^~\\|`]+", RE_GPT2, "[0-9][0-9][0-9]"),
        STARCODER(false, false, false, "\\p{N}", RE_GPT2),
        GPT2(false, false, false, RE_GPT2),
        QWEN2(false, false, false, RE_QWEN2),
        QWEN35(false, false, false, RE_QWEN35),
        BLOOM(false, false, false, RE_BLOOM),
        VIKING(false, false, false, RE_BLOOM, "\\p{N}"),
        TEKKEN(true, true, false, RE_TEKKEN),
        GPT4O(false, false, false, RE_GPT4O);

        final boolean ignoreMerges; // a word that is itself a token is taken whole (Llama 3)
        final boolean addBos;       // default for tokenizer.ggml.add_bos_token
        final boolean noBos;        // the model has no BOS token (ChatGLM)
        final String[] regexes;

        Kind(boolean ignoreMerges, boolean addBos, boolean noBos, String... regexes) {
            this.ignoreMerges = ignoreMerges;
            this.addBos = addBos;
            this.noBos = noBos;
            this.regexes = regexes;
        }

        /** The kind for a {@code tokenizer.ggml.pre} value (null/absent: DEFAULT), or null when unsupported. */
        static Kind forName(String pre) {
            return NAMES.get(pre == null ? "default" : pre);
        }
    }

    private static final Map<String, Kind> NAMES = new LinkedHashMap<>();

    static {
        name(Kind.DEFAULT, "default");
        name(Kind.LLAMA3, "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                "jina-v5-nano");
        name(Kind.DBRX, "dbrx", "smaug-bpe");
        name(Kind.CHATGLM4, "glm4", "chatglm-bpe");
        name(Kind.DEEPSEEK_LLM, "deepseek-llm");
        name(Kind.DEEPSEEK_CODER, "deepseek-coder");
        name(Kind.DEEPSEEK3, "deepseek-v3", "hunyuan-dense", "joyai-llm");
        name(Kind.FALCON, "falcon");
        name(Kind.STARCODER, "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b",
                "mellum2");
        name(Kind.GPT2, "gpt-2", "mpt", "olmo", "jais", "trillion", "granite-docling", "phi-2", "jina-es", "jina-de",
                "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "modern-bert", "exaone4", "jina-v1-en",
                "jina-v2-code", "roberta-bpe");
        name(Kind.QWEN2, "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "stablelm2", "megrez", "hunyuan",
                "solar-open");
        name(Kind.QWEN35, "qwen35");
        name(Kind.BLOOM, "poro-chat", "bloom", "gpt3-finnish");
        name(Kind.VIKING, "viking");
        name(Kind.TEKKEN, "tekken");
        name(Kind.GPT4O, "gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2");
    }

    // llama.cpp sets clean_spaces = false for these (their detokenized text keeps " ," and " 's")
    private static final java.util.Set<String> KEEP_SPACES = new java.util.HashSet<>(Arrays.asList("deepseek-llm",
            "deepseek-coder", "deepseek-v3", "hunyuan-dense", "joyai-llm", "command-r", "smollm", "qwen2",
            "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open", "qwen35", "poro-chat", "viking", "tekken",
            "gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2", "trillion", "granite-docling"));

    /** llama.cpp's clean_spaces for a BPE vocabulary with this {@code tokenizer.ggml.pre}. */
    static boolean cleansSpaces(String pre) {
        return !KEEP_SPACES.contains(pre);
    }

    private static void name(Kind kind, String... names) {
        for (String n : names) NAMES.put(n, kind);
    }

    /** Every supported {@code tokenizer.ggml.pre} value. */
    public static List<String> supportedNames() {
        return Collections.unmodifiableList(new ArrayList<>(NAMES.keySet()));
    }

    private final String name;
    private final Kind kind;
    private final Pattern[] patterns;
    private final boolean[] collapsed;

    private PreTokenizer(String name, Kind kind) {
        this.name = name;
        this.kind = kind;
        patterns = new Pattern[kind.regexes.length];
        collapsed = new boolean[kind.regexes.length];
        for (int i = 0; i < patterns.length; i++) {
            String re = kind.regexes[i];
            collapsed[i] = re.contains("\\p{");
            patterns[i] = Pattern.compile(javaRegex(re, collapsed[i]));
        }
    }

    /**
     * The pre-tokenizer for a {@code tokenizer.ggml.pre} value (null means absent: llama.cpp's default).
     *
     * @throws IllegalArgumentException for a value that is not supported
     */
    public static PreTokenizer forName(String pre) {
        Kind kind = Kind.forName(pre);
        if (kind == null) {
            throw new IllegalArgumentException("unsupported pre-tokenizer '" + pre + "'; supported: " + NAMES.keySet());
        }
        return new PreTokenizer(pre == null ? "default" : pre, kind);
    }

    public String name() { return name; }

    Kind kind() { return kind; }

    /** The words of {@code text}, in order; together they are exactly the text. */
    public List<String> split(String text) {
        int[] cps = text.codePoints().toArray();
        List<String> words = new ArrayList<>();
        if (cps.length == 0) return words;
        IntList pieces = new IntList(16);
        pieces.add(cps.length);
        String collapsedText = null;
        Proxy plain = null;
        for (int e = 0; e < patterns.length; e++) {
            if (collapsed[e]) {
                if (collapsedText == null) collapsedText = collapseText(cps);
                pieces = splitPieces(patterns[e].matcher(collapsedText), null, pieces);
            } else {
                if (plain == null) plain = new Proxy(cps);
                pieces = splitPieces(patterns[e].matcher(plain.text), plain, pieces);
            }
        }
        int start = 0;
        for (int i = 0; i < pieces.size(); i++) {
            words.add(new String(cps, start, pieces.get(i)));
            start += pieces.get(i);
        }
        return words;
    }

    /** Splits each piece (a length in code points) at the matches of {@code m}; unmatched text stays a piece. */
    private static IntList splitPieces(Matcher m, Proxy proxy, IntList pieces) {
        IntList out = new IntList(pieces.size() * 2 + 8);
        int start = 0;
        for (int i = 0; i < pieces.size(); i++) {
            int end = start + pieces.get(i);
            // region bounds are opaque and anchoring: like std::regex on [start, end), nothing outside is seen
            m.region(proxy == null ? start : proxy.charIndex[start], proxy == null ? end : proxy.charIndex[end]);
            int prev = start;
            while (m.find()) {
                int ms = proxy == null ? m.start() : proxy.cpIndex(m.start());
                int me = proxy == null ? m.end() : proxy.cpIndex(m.end());
                if (me == ms) continue; // none of the expressions matches empty text; an empty piece adds nothing
                if (ms > prev) out.add(ms - prev);
                out.add(me - ms);
                prev = me;
            }
            if (prev < end) out.add(end - prev);
            start = end;
        }
        return out;
    }

    /** The text as code points with non-ASCII whitespace as U+000B, and the map between char and code point indices. */
    private static final class Proxy {
        final String text;
        final int[] charIndex; // code point index -> char index (n + 1 entries)
        final int[] cpOfChar;  // char index -> code point index (chars + 1 entries)

        Proxy(int[] cps) {
            StringBuilder sb = new StringBuilder(cps.length + 8);
            charIndex = new int[cps.length + 1];
            for (int i = 0; i < cps.length; i++) {
                charIndex[i] = sb.length();
                int c = cps[i];
                sb.appendCodePoint(c > 0x7F && Unicode.isWhitespace(c) ? 0x0B : c);
            }
            charIndex[cps.length] = sb.length();
            text = sb.toString();
            cpOfChar = new int[text.length() + 1];
            for (int i = 0; i < cps.length; i++) {
                cpOfChar[charIndex[i]] = i;
                if (charIndex[i + 1] - charIndex[i] == 2) cpOfChar[charIndex[i] + 1] = i;
            }
            cpOfChar[text.length()] = cps.length;
        }

        int cpIndex(int charIdx) { return cpOfChar[charIdx]; }
    }

    // Collapsed markers, as llama.cpp's k_ucat_cpt: one byte per category, 0xD0 for anything else.
    private static final char OTHER = 0xD0, NUMBER = 0xD1, LETTER = 0xD2, PUNCT = 0xD3, MARK = 0xD4, SYMBOL = 0xD5;

    static String collapseText(int[] cps) {
        char[] out = new char[cps.length];
        for (int i = 0; i < cps.length; i++) {
            int c = cps[i];
            if (c < 0x80) out[i] = (char) c;
            else if (Unicode.isWhitespace(c)) out[i] = 0x0B;
            else {
                switch (Unicode.category(c)) {
                    case Unicode.NUMBER: out[i] = NUMBER; break;
                    case Unicode.LETTER: out[i] = LETTER; break;
                    case Unicode.PUNCTUATION: out[i] = PUNCT; break;
                    case Unicode.MARK: out[i] = MARK; break;
                    case Unicode.SYMBOL: out[i] = SYMBOL; break;
                    default: out[i] = OTHER;
                }
            }
        }
        return new String(out);
    }

    // The class body that replaces \p{X} in a collapsed expression: the marker plus X's ASCII members.
    private static String categoryClass(String p) {
        switch (p) {
            case "\\p{N}": return "\\x{D1}0-9";
            case "\\p{L}": case "\\p{Lu}": case "\\p{Ll}": case "\\p{Lt}": case "\\p{Lm}": case "\\p{Lo}":
                return "\\x{D2}A-Za-z";
            case "\\p{P}": return "\\x{D3}\\x{21}-\\x{23}\\x{25}-\\x{2A}\\x{2C}-\\x{2F}\\x{3A}-\\x{3B}\\x{3F}-\\x{40}"
                    + "\\x{5B}-\\x{5D}\\x{5F}\\x{7B}\\x{7D}";
            case "\\p{M}": return "\\x{D4}";
            case "\\p{S}": return "\\x{D5}\\x{24}\\x{2B}\\x{3C}-\\x{3E}\\x{5E}\\x{60}\\x{7C}\\x{7E}";
            default: return null;
        }
    }

    /** C's isspace set, which is what {@code \s} means to llama.cpp's std::regex on the rewritten text. */
    private static final String SPACE_CHARS = "\\t\\n\\x0B\\f\\r\\x20";

    /**
     * Rewrites an expression for java.util.regex: {@code \p{..}} becomes the collapsed class (when
     * {@code collapse}), tracking [..] as llama.cpp does; {@code \s}/{@code \S} become explicit ASCII classes,
     * because Android's ICU-based engine gives {@code \s} a Unicode meaning (and leaves out U+000B).
     */
    static String javaRegex(String re, boolean collapse) {
        StringBuilder sb = new StringBuilder(re.length() * 2);
        int depth = 0; // inside [..], possibly nested
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']' && depth > 0) {
                depth--;
            } else if (c == '\\' && i + 1 < re.length()) {
                char e = re.charAt(i + 1);
                if (e == 'p' && collapse && i + 2 < re.length() && re.charAt(i + 2) == '{') {
                    int close = re.indexOf('}', i + 3);
                    String cls = close < 0 ? null : categoryClass(re.substring(i, close + 1));
                    if (cls != null) {
                        sb.append(depth > 0 ? cls : "[" + cls + "]");
                        i = close;
                        continue;
                    }
                } else if (e == 's') {
                    sb.append(depth > 0 ? SPACE_CHARS : "[" + SPACE_CHARS + "]");
                    i++;
                    continue;
                } else if (e == 'S') {
                    if (depth > 0) throw new IllegalArgumentException("\\S inside a class: " + re);
                    sb.append("[^").append(SPACE_CHARS).append(']');
                    i++;
                    continue;
                }
                sb.append(c).append(e); // any other escape, e.g. \\ or \[, stays as it is
                i++;
                continue;
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
