package dev.edgellm.chat;

/**
 * A chat template that cannot be compiled or rendered. Chat templates come from model files, so this is
 * thrown for bad or hostile input, never silently rendered around. It always says what went wrong, where
 * (1-based line and column in the template source, when the problem has a place) and shows the line with a
 * caret under the spot, e.g.
 * <pre>
 * line 1, column 15: expected '%}' but found 'x'
 *   {% if a == b x %}
 *                ^
 * </pre>
 * {@link #kind()} tells a broken template ({@link Kind#SYNTAX}, {@link Kind#RUNTIME}) from one that refused
 * the conversation on purpose through {@code raise_exception(...)} ({@link Kind#RAISED}: {@link #getMessage()}
 * then starts with the template's own message) and from one that hit a safety limit ({@link Kind#LIMIT}).
 */
public class TemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What kind of failure this is. */
    public enum Kind {
        /** The template does not parse. */
        SYNTAX,
        /** The template parsed but failed while rendering (undefined variable use, type error, ...). */
        RUNTIME,
        /** The template called {@code raise_exception(message)}: it rejects the conversation. */
        RAISED,
        /** A {@link TemplateOptions} bound was hit (output size, loop iterations, nesting, recursion). */
        LIMIT
    }

    private final Kind kind;
    private final String problem;
    private final int line;
    private final int column;
    private final String snippet;

    TemplateException(Kind kind, String problem, String source, int offset) {
        this(kind, problem, source, offset, null);
    }

    TemplateException(Kind kind, String problem, String source, int offset, Throwable cause) {
        super(format(kind, problem, source, offset), cause);
        this.kind = kind;
        this.problem = problem;
        if (source != null && offset >= 0) {
            int off = Math.min(offset, source.length());
            int ln = 1;
            int lineStart = 0;
            for (int i = 0; i < off; i++) {
                if (source.charAt(i) == '\n') {
                    ln++;
                    lineStart = i + 1;
                }
            }
            this.line = ln;
            this.column = off - lineStart + 1;
            this.snippet = snippet(source, lineStart, off);
        } else {
            this.line = -1;
            this.column = -1;
            this.snippet = "";
        }
    }

    /** The failure kind. */
    public Kind kind() { return kind; }

    /** The problem alone, without position or snippet (for RAISED: the template's own message). */
    public String problem() { return problem; }

    /** 1-based line of the problem in the (newline-normalized) template source, or -1 if unknown. */
    public int line() { return line; }

    /** 1-based column of the problem, or -1 if unknown. */
    public int column() { return column; }

    /** The offending source line and a caret line under the problem, or "" if unknown. */
    public String snippet() { return snippet; }

    private static String format(Kind kind, String problem, String source, int offset) {
        String prefix = kind == Kind.RAISED ? "template raised: " : "";
        if (source == null || offset < 0) return prefix + problem;
        int off = Math.min(offset, source.length());
        int ln = 1;
        int lineStart = 0;
        for (int i = 0; i < off; i++) {
            if (source.charAt(i) == '\n') {
                ln++;
                lineStart = i + 1;
            }
        }
        return prefix + "line " + ln + ", column " + (off - lineStart + 1) + ": " + problem + "\n"
                + snippet(source, lineStart, off);
    }

    // Long single-line templates are common (one JSON string), so show a window around the spot only.
    private static String snippet(String source, int lineStart, int off) {
        int lineEnd = source.indexOf('\n', lineStart);
        if (lineEnd < 0) lineEnd = source.length();
        int from = Math.max(lineStart, off - 60);
        int to = Math.min(lineEnd, off + 60);
        String left = from > lineStart ? "..." : "";
        String right = to < lineEnd ? "..." : "";
        String text = source.substring(from, to).replace('\t', ' ');
        StringBuilder caret = new StringBuilder("  ");
        for (int i = 0; i < left.length() + (off - from); i++) caret.append(' ');
        return "  " + left + text + right + "\n" + caret + "^";
    }
}
