package dev.edgellm.chat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A compiled Jinja template: an interpreter for the subset of Jinja2 that chat templates use, with the
 * semantics of Python Jinja2 as Hugging Face transformers configures it (see {@link TemplateOptions}).
 * Compile once, render many times; instances are immutable and thread-safe.
 *
 * <p>Why a hand-written interpreter: runtime-core must run on Android with zero runtime dependencies, and no
 * well-kept Jinja library fits. Jinjava (HubSpot), the maintained Java Jinja, pulls in Guava, Jackson,
 * commons-lang3, jsoup and more and targets server JVMs, not Android; other Java engines (Pebble, JTwig) are
 * Jinja-like but differ from Jinja2 in exactly what chat templates depend on (whitespace control,
 * {@code trim_blocks}/{@code lstrip_blocks}, Python truthiness and str(), {@code tojson} output). The subset
 * needed is small: text, {@code {{ }}}, {@code {% %}} with for/if/set/macro/filter blocks, expressions,
 * filters and tests; it is checked byte for byte against Python Jinja2 on real templates.
 *
 * <p>Templates come from model files and are untrusted: output size, loop iterations, {@code range()} size,
 * macro recursion and source nesting are all bounded, and any failure is a {@link TemplateException} with a
 * line, column and snippet. Undefined variables render as "" and are falsy, like Jinja's default Undefined;
 * using one in arithmetic, as an object or as a function is an error, as in Jinja.
 */
public final class TemplateRenderer {
    private final String source;
    private final String normalized;
    private final List<Node> body;
    private final TemplateOptions options;

    private TemplateRenderer(String source, String normalized, List<Node> body, TemplateOptions options) {
        this.source = source;
        this.normalized = normalized;
        this.body = body;
        this.options = options;
    }

    /** Compiles with {@link TemplateOptions#DEFAULTS}. @throws TemplateException if it does not parse */
    public static TemplateRenderer compile(String source) {
        return compile(source, TemplateOptions.DEFAULTS);
    }

    /** Compiles a template. @throws TemplateException if it does not parse or nests too deeply */
    public static TemplateRenderer compile(String source, TemplateOptions options) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(options, "options");
        String normalized = Lexer.normalize(source, options.keepTrailingNewline());
        try {
            return new TemplateRenderer(source, normalized, Parser.parse(normalized, options), options);
        } catch (StackOverflowError e) {
            throw new TemplateException(TemplateException.Kind.LIMIT, "template nests too deeply", normalized, -1);
        }
    }

    /**
     * Renders with the given variables. Java values are converted: String, Boolean, whole numbers (to int),
     * other numbers (to float), null (None), Map (dict, in iteration order), Iterable and arrays (list),
     * {@link Message} (a role/content dict).
     *
     * @throws TemplateException on any template error, a {@code raise_exception} call, or a limit
     * @throws IllegalArgumentException if a variable has a type that cannot be converted
     */
    public String render(Map<String, ?> variables) {
        Map<String, Object> vars = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : variables.entrySet()) vars.put(e.getKey(), Values.fromJava(e.getValue()));
        return new Interpreter(normalized, options, vars).render(body);
    }

    /** The template source as given. */
    public String source() { return source; }

    public TemplateOptions options() { return options; }

    /** Evaluates one expression, e.g. "[1, 'a', {'k': none}]" (tests and typed extra variables). */
    static Object evaluate(String expression, TemplateOptions options) {
        String src = "{{ " + expression + " }}";
        Node n = Parser.parseExpression(expression, options);
        return new Interpreter(src, options, Map.of()).eval(n);
    }
}
