package dev.edgellm.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a Jinja template into text and tag tokens, and the inside of tags into expression tokens. Follows
 * Jinja2's lexer: whitespace control ("{%-", "-%}", "{%+", "+%}" and the same for variable and comment tags),
 * {@code trim_blocks}, {@code lstrip_blocks} (only whitespace between a line start and the tag is removed),
 * raw blocks, and tag ends recognised only outside brackets, so that a dict literal inside a variable tag
 * ending in "}}" works.
 */
final class Lexer {
    enum Type { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    static final class Token {
        final Type type;
        final String text;   // decoded text for TEXT/STRING, the name or operator otherwise
        final Object value;  // Long or Double for INT/FLOAT
        final int pos;

        Token(Type type, String text, Object value, int pos) {
            this.type = type;
            this.text = text;
            this.value = value;
            this.pos = pos;
        }

        boolean is(Type t, String s) { return type == t && text.equals(s); }

        boolean isOp(String s) { return type == Type.OP && text.equals(s); }

        boolean isName(String s) { return type == Type.NAME && text.equals(s); }

        @Override
        public String toString() {
            switch (type) {
                case EOF: return "end of template";
                case TEXT: return "template text";
                case STRING: return "string '" + text + "'";
                case VAR_END: return "'}}'";
                case BLOCK_END: return "'%}'";
                case VAR_BEGIN: return "'{{'";
                case BLOCK_BEGIN: return "'{%'";
                default: return "'" + text + "'";
            }
        }
    }

    // Longest first so that "//" wins over "/".
    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", "<=", ">=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", "<", ">", "=", ".", ":", "|", ",", ";"
    };

    private final String src;
    private final boolean trimBlocks;
    private final boolean lstripBlocks;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    private boolean lineStarting = true;

    private Lexer(String src, TemplateOptions options) {
        this.src = src;
        this.trimBlocks = options.trimBlocks();
        this.lstripBlocks = options.lstripBlocks();
    }

    /** Jinja normalizes every newline to "\n" and, unless asked not to, drops one trailing newline. */
    static String normalize(String source, boolean keepTrailingNewline) {
        String s = source.indexOf('\r') >= 0 ? source.replace("\r\n", "\n").replace('\r', '\n') : source;
        if (!keepTrailingNewline && s.endsWith("\n")) s = s.substring(0, s.length() - 1);
        return s;
    }

    /** Tokenizes an already {@link #normalize normalized} source. */
    static List<Token> tokenize(String normalizedSource, TemplateOptions options) {
        Lexer lx = new Lexer(normalizedSource, options);
        lx.run();
        return lx.out;
    }

    private void run() {
        int n = src.length();
        while (pos < n) {
            int tag = findTagStart(pos);
            if (tag < 0) {
                addText(src.substring(pos), pos);
                break;
            }
            char kind = src.charAt(tag + 1);
            char sign = tag + 2 < n ? src.charAt(tag + 2) : 0;
            boolean hasSign = sign == '-' || sign == '+';
            String text = controlText(src.substring(pos, tag), hasSign ? sign : 0, kind != '{');
            int inner = tag + 2 + (hasSign ? 1 : 0);
            if (kind == '#') {
                addText(text, pos);
                comment(tag, inner);
            } else if (kind == '%' && isRawBegin(inner)) {
                addText(text, pos);
                raw(tag, inner);
            } else {
                addText(text, pos);
                boolean block = kind == '%';
                out.add(new Token(block ? Type.BLOCK_BEGIN : Type.VAR_BEGIN, block ? "{%" : "{{", null, tag));
                pos = inner;
                expression(block, tag);
            }
        }
        out.add(new Token(Type.EOF, "", null, n));
    }

    private int findTagStart(int from) {
        int i = from;
        while (true) {
            i = src.indexOf('{', i);
            if (i < 0 || i + 1 >= src.length()) return -1;
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
            i++;
        }
    }

    /** Applies "-" (strip all whitespace before the tag) or lstrip_blocks to the text before a tag. */
    private String controlText(String text, char sign, boolean blockOrComment) {
        if (sign == '-') return Values.rstrip(text);
        if (sign != '+' && lstripBlocks && blockOrComment) {
            int lineStart = text.lastIndexOf('\n') + 1;
            if ((lineStart > 0 || lineStarting) && lineStart < text.length()) {
                boolean blank = true;
                for (int i = lineStart; i < text.length() && blank; i++) {
                    blank = Values.isSpace(text.charAt(i));
                }
                if (blank) return text.substring(0, lineStart);
            }
        }
        return text;
    }

    private void addText(String text, int at) {
        if (!text.isEmpty()) out.add(new Token(Type.TEXT, text, null, at));
    }

    private void comment(int tag, int inner) {
        int end = src.indexOf("#}", inner);
        if (end < 0) throw error("comment is not closed: missing '#}'", tag);
        char sign = end > inner ? src.charAt(end - 1) : 0;
        pos = afterTagEnd(end + 2, sign, true);
    }

    /** Position after a tag end: "-" eats all following whitespace, trim_blocks one newline. */
    private int afterTagEnd(int p, char sign, boolean trims) {
        if (sign == '-') {
            while (p < src.length() && Values.isSpace(src.charAt(p))) p++;
        } else if (sign != '+' && trims && trimBlocks && p < src.length() && src.charAt(p) == '\n') {
            p++;
        }
        lineStarting = p > 0 && src.charAt(p - 1) == '\n';
        return p;
    }

    private boolean isRawBegin(int inner) {
        int p = skipSpace(inner);
        if (!src.startsWith("raw", p)) return false;
        p = skipSpace(p + 3);
        return src.startsWith("%}", p) || src.startsWith("-%}", p);
    }

    private void raw(int tag, int inner) {
        int p = skipSpace(skipSpace(inner) + 3);
        // Jinja does not apply trim_blocks after {% raw %}, only an explicit "-".
        p = src.startsWith("-%}", p) ? afterTagEnd(p + 3, '-', false) : afterTagEnd(p + 2, (char) 0, false);
        int search = p;
        while (true) {
            int end = src.indexOf("{%", search);
            if (end < 0) throw error("raw block is not closed: missing '{% endraw %}'", tag);
            int q = end + 2;
            char sign = q < src.length() ? src.charAt(q) : 0;
            if (sign == '-' || sign == '+') q++;
            q = skipSpace(q);
            if (src.startsWith("endraw", q)) {
                q = skipSpace(q + 6);
                char endSign = 0;
                if (q < src.length() && (src.charAt(q) == '-' || src.charAt(q) == '+')) endSign = src.charAt(q++);
                if (src.startsWith("%}", q)) {
                    boolean signed = sign == '-' || sign == '+';
                    addText(controlText(src.substring(p, end), signed ? sign : 0, true), p);
                    pos = afterTagEnd(q + 2, endSign, true);
                    return;
                }
            }
            search = end + 2;
        }
    }

    private int skipSpace(int p) {
        while (p < src.length() && Values.isSpace(src.charAt(p))) p++;
        return p;
    }

    private void expression(boolean block, int tag) {
        int depth = 0;
        int n = src.length();
        while (true) {
            pos = skipSpace(pos);
            if (pos >= n) {
                throw error("tag is not closed: missing '" + (block ? "%}" : "}}") + "'", tag);
            }
            if (depth == 0 && endOfTag(block)) return;
            char c = src.charAt(pos);
            if (c == '\'' || c == '"') {
                string(c);
            } else if (c >= '0' && c <= '9') {
                number();
            } else if (Character.isLetter(c) || c == '_') {
                int start = pos;
                while (pos < n && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
                out.add(new Token(Type.NAME, src.substring(start, pos), null, start));
            } else {
                String op = null;
                for (String o : OPERATORS) {
                    if (src.startsWith(o, pos)) {
                        op = o;
                        break;
                    }
                }
                if (op == null) throw error("unexpected character '" + c + "'", pos);
                if (op.equals("(") || op.equals("[") || op.equals("{")) depth++;
                if (op.equals(")") || op.equals("]") || op.equals("}")) {
                    if (depth == 0) throw error("unexpected '" + op + "'", pos);
                    depth--;
                }
                out.add(new Token(Type.OP, op, null, pos));
                pos += op.length();
            }
        }
    }

    private boolean endOfTag(boolean block) {
        String close = block ? "%}" : "}}";
        if (src.startsWith("-" + close, pos)) {
            out.add(new Token(block ? Type.BLOCK_END : Type.VAR_END, close, null, pos));
            pos = afterTagEnd(pos + 3, '-', block);
            return true;
        }
        if (block && src.startsWith("+%}", pos)) {
            out.add(new Token(Type.BLOCK_END, close, null, pos));
            pos = afterTagEnd(pos + 3, '+', true);
            return true;
        }
        if (src.startsWith(close, pos)) {
            out.add(new Token(block ? Type.BLOCK_END : Type.VAR_END, close, null, pos));
            pos = afterTagEnd(pos + 2, (char) 0, block);
            return true;
        }
        return false;
    }

    private void string(char quote) {
        int start = pos;
        StringBuilder sb = new StringBuilder();
        int p = pos + 1;
        int n = src.length();
        while (true) {
            if (p >= n) throw error("string literal is not closed", start);
            char c = src.charAt(p);
            if (c == quote) break;
            if (c == '\\' && p + 1 < n) {
                p = escape(sb, p + 1, start);
            } else {
                sb.append(c);
                p++;
            }
        }
        out.add(new Token(Type.STRING, sb.toString(), null, start));
        pos = p + 1;
    }

    /** Python "unicode-escape" decoding, which is what Jinja applies to string literals. */
    private int escape(StringBuilder sb, int p, int start) {
        char e = src.charAt(p);
        switch (e) {
            case 'n': sb.append('\n'); return p + 1;
            case 't': sb.append('\t'); return p + 1;
            case 'r': sb.append('\r'); return p + 1;
            case '\\': sb.append('\\'); return p + 1;
            case '\'': sb.append('\''); return p + 1;
            case '"': sb.append('"'); return p + 1;
            case 'b': sb.append('\b'); return p + 1;
            case 'f': sb.append('\f'); return p + 1;
            case 'v': sb.append('\u000b'); return p + 1;
            case 'a': sb.append('\u0007'); return p + 1;
            case '\n': return p + 1;
            case 'x': return hexEscape(sb, p + 1, 2, start);
            case 'u': return hexEscape(sb, p + 1, 4, start);
            case 'U': return hexEscape(sb, p + 1, 8, start);
            default:
                if (e >= '0' && e <= '7') {
                    int v = 0;
                    int q = p;
                    while (q < p + 3 && q < src.length() && src.charAt(q) >= '0' && src.charAt(q) <= '7') {
                        v = v * 8 + (src.charAt(q++) - '0');
                    }
                    sb.append((char) v);
                    return q;
                }
                sb.append('\\').append(e); // Python keeps unknown escapes as written
                return p + 1;
        }
    }

    private int hexEscape(StringBuilder sb, int p, int digits, int start) {
        if (p + digits > src.length()) throw error("truncated \\x/\\u escape in string", start);
        int v;
        try {
            v = Integer.parseUnsignedInt(src.substring(p, p + digits), 16);
        } catch (NumberFormatException ex) {
            throw error("bad \\x/\\u escape in string", p - 2);
        }
        if (v > Character.MAX_CODE_POINT) throw error("escape is not a valid code point", p - 2);
        sb.appendCodePoint(v);
        return p + digits;
    }

    private void number() {
        int start = pos;
        int n = src.length();
        int p = digits(pos);
        boolean isFloat = false;
        if (p + 1 < n && src.charAt(p) == '.' && Character.isDigit(src.charAt(p + 1))) {
            p = digits(p + 1);
            isFloat = true;
        }
        if (p < n && (src.charAt(p) == 'e' || src.charAt(p) == 'E')) {
            int q = p + 1;
            if (q < n && (src.charAt(q) == '+' || src.charAt(q) == '-')) q++;
            if (q < n && Character.isDigit(src.charAt(q))) {
                p = digits(q);
                isFloat = true;
            }
        }
        String text = src.substring(start, p).replace("_", "");
        pos = p;
        try {
            if (isFloat) {
                out.add(new Token(Type.FLOAT, text, Double.parseDouble(text), start));
            } else {
                out.add(new Token(Type.INT, text, Long.parseLong(text), start));
            }
        } catch (NumberFormatException ex) {
            throw error("number out of range: " + text, start);
        }
    }

    private int digits(int p) {
        while (p < src.length() && (Character.isDigit(src.charAt(p))
                || (src.charAt(p) == '_' && p + 1 < src.length() && Character.isDigit(src.charAt(p + 1))))) {
            p++;
        }
        return p;
    }

    private TemplateException error(String message, int at) {
        return new TemplateException(TemplateException.Kind.SYNTAX, message, src, at);
    }
}
