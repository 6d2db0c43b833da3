package dev.edgellm.chat;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broken, rejecting and hostile templates: each fails fast with a clear TemplateException. */
class TemplateErrorTest {
    private static final Duration FAST = Duration.ofSeconds(10);

    private static TemplateException compileError(String src) {
        return assertThrows(TemplateException.class, () -> TemplateRenderer.compile(src));
    }

    private static TemplateException renderError(String src) {
        return renderError(src, TemplateOptions.DEFAULTS);
    }

    private static TemplateException renderError(String src, TemplateOptions options) {
        TemplateRenderer t = TemplateRenderer.compile(src, options);
        return assertTimeoutPreemptively(FAST,
                () -> assertThrows(TemplateException.class, () -> t.render(Map.of("messages", List.of()))));
    }

    // ---- syntax errors --------------------------------------------------------------------------------

    @Test
    void syntaxErrorHasLineColumnAndSnippet() {
        String src = "{% for m in messages %}\n  {{ m.role + }}\n{% endfor %}";
        TemplateException e = compileError(src);
        assertEquals(TemplateException.Kind.SYNTAX, e.kind());
        assertEquals(2, e.line());
        assertEquals(15, e.column()); // the "}}" where an operand was expected
        assertEquals("    {{ m.role + }}\n" + " ".repeat(2 + 14) + "^", e.snippet()); // snippet lines are indented by 2
        assertTrue(e.getMessage().startsWith("line 2, column 15: unexpected '}}'"), e.getMessage());
    }

    @Test
    void syntaxErrorsNameWhatIsMissing() {
        assertTrue(compileError("{% for m in messages %}x").problem().contains("endfor"));
        assertTrue(compileError("{% if a %}x{% else %}y").problem().contains("endif"));
        assertTrue(compileError("{{ x ").problem().contains("'}}'"));
        assertTrue(compileError("{% if a %}x{% endfor %}").problem().contains("'endfor'"));
        assertTrue(compileError("{% include 'x.j2' %}").problem().contains("unknown or unsupported tag 'include'"));
        assertTrue(compileError("{{ 'abc }}").problem().contains("string literal is not closed"));
        assertTrue(compileError("{# comment").problem().contains("'#}'"));
        assertTrue(compileError("{% raw %}x").problem().contains("endraw"));
        TemplateException e = compileError("ok\n{{ x|frobnicate }}");
        assertEquals("no filter named 'frobnicate'", e.problem());
        assertEquals(2, e.line());
        assertEquals(6, e.column());
        assertEquals("no test named 'frobnicated'", compileError("{{ x is frobnicated }}").problem());
        assertTrue(compileError("{% for x in y recursive %}{% endfor %}").problem().contains("recursive"));
    }

    @Test
    void longSingleLineTemplatesShowAWindowAroundTheError() {
        String src = "{{ 'x' }}".repeat(50) + "{{ oops( }}" + "{{ 'y' }}".repeat(50);
        TemplateException e = compileError(src);
        assertEquals(1, e.line());
        String[] lines = e.snippet().split("\n");
        assertTrue(lines[0].length() < 140, lines[0]);
        assertTrue(lines[0].startsWith("  ...") && lines[0].endsWith("..."), lines[0]);
        assertEquals('^', lines[1].charAt(lines[1].length() - 1));
        assertEquals('}', lines[0].charAt(lines[1].length() - 1)); // caret under the offending "}}"
    }

    // ---- runtime errors and raise_exception ---------------------------------------------------------------

    @Test
    void raiseExceptionCarriesTheTemplatesMessage() {
        ChatTemplate gemma = ChatTemplate.of(TestData.template("gemma2-it"));
        TemplateException e = assertThrows(TemplateException.class,
                () -> gemma.render(TestData.conversation("sua4"), true, "<bos>", "<eos>"));
        assertEquals(TemplateException.Kind.RAISED, e.kind());
        assertEquals("System role not supported", e.problem());
        assertTrue(e.getMessage().startsWith("template raised: line 1, column "), e.getMessage());

        ChatTemplate mistral = ChatTemplate.of(TestData.template("mistral-v0.1"));
        e = assertThrows(TemplateException.class, () -> mistral.render(
                List.of(Message.user("a"), Message.user("b")), true, "<s>", "</s>"));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.problem());
    }

    @Test
    void runtimeErrorsPointAtTheExpression() {
        TemplateException e = renderError("line one\n  {{ missing.attribute }}");
        assertEquals(TemplateException.Kind.RUNTIME, e.kind());
        assertEquals("'missing' is undefined", e.problem());
        assertEquals(2, e.line());
        assertEquals(6, e.column());
        assertEquals("can only concatenate str (not \"int\") to str", renderError("{{ 'a' + 1 }}").problem());
        assertEquals("'NoneType' object is not iterable", renderError("{% for x in none %}{% endfor %}").problem());
        assertEquals("integer division or modulo by zero", renderError("{{ 1 // 0 }}").problem());
        assertTrue(renderError("{{ messages[0]['role'] }}").problem().contains("has no element 0"));
        assertTrue(renderError("{{ 2 ** 100000 }}").problem().contains("integer overflow"));
        assertTrue(renderError("{{ 'x'|truncate(3) }}").problem().contains("not supported"));
    }

    // ---- hostile templates ------------------------------------------------------------------------------

    private static void assertLimit(TemplateException e, String words) {
        assertEquals(TemplateException.Kind.LIMIT, e.kind(), e.getMessage());
        assertTrue(e.problem().contains(words), e.problem());
    }

    @Test
    void hugeRangesAreRefused() {
        assertLimit(renderError("{% for i in range(1000000000) %}x{% endfor %}"), "range()");
        assertLimit(renderError("{{ range(2, 9223372036854775807) | length }}"), "range()");
    }

    @Test
    void nestedLoopsStopAtTheIterationLimit() {
        assertLimit(renderError("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"),
                "loop iterations");
        TemplateOptions small = TemplateOptions.builder().maxLoopIterations(10).build();
        assertLimit(renderError("{% for a in range(11) %}{% endfor %}", small), "more than 10");
    }

    @Test
    void outputAndStringsAreBounded() {
        assertLimit(renderError("{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}"), "characters");
        assertLimit(renderError("{{ 'x' * 1000000000 }}"), "characters");
        assertLimit(renderError("{% set ns = namespace(s='ab') %}{% for i in range(64) %}"
                + "{% set ns.s = ns.s + ns.s %}{% endfor %}"), "characters");
        assertLimit(renderError("{% set ns = namespace(s='ab') %}{% for i in range(64) %}"
                + "{% set ns.s = ns.s ~ ns.s %}{% endfor %}"), "characters");
        assertLimit(renderError("{% set ns = namespace(l=[1]) %}{% for i in range(64) %}"
                + "{% set ns.l = ns.l + ns.l %}{% endfor %}"), "characters");
        assertLimit(renderError("{% set ns = namespace(s='ab') %}{% for i in range(64) %}"
                + "{% set ns.s = ns.s|replace('a', 'aa') %}{% endfor %}"), "characters");
        // a shared structure that doubles when printed
        assertLimit(renderError("{% set ns = namespace(l=[1]) %}{% for i in range(60) %}"
                + "{% set ns.l = [ns.l, ns.l] %}{% endfor %}{{ ns.l|tojson }}"), "characters");
        TemplateOptions small = TemplateOptions.builder().maxOutputChars(10).build();
        assertLimit(renderError("{{ 'abcdefghijk' }}", small), "10 characters");
        assertEquals("abcdefghij", TemplateRenderer.compile("{{ 'abcdefghij' }}", small).render(Map.of()));
    }

    @Test
    void deepDataIsRefusedNotAStackOverflow() {
        String build = "{% set ns = namespace(l=[], m=[]) %}{% for i in range(100000) %}"
                + "{% set ns.l = [ns.l] %}{% set ns.m = [ns.m] %}{% endfor %}";
        assertLimit(renderError(build + "{{ ns.l|tojson }}"), "too deeply");
        assertLimit(renderError(build + "{{ ns.l }}"), "too deeply");
        assertLimit(renderError(build + "{{ ns.l == ns.m }}"), "too deeply");
    }

    @Test
    void runawayMacroRecursionIsStopped() {
        assertLimit(renderError("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"), "macro calls nest deeper");
        assertLimit(renderError("{% macro a(n) %}{{ b(n) }}{% endmacro %}{% macro b(n) %}{{ a(n) }}{% endmacro %}"
                + "{{ a(0) }}"), "macro calls nest deeper");
        // shallow but exponential: 2^30 calls
        assertLimit(renderError("{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
                + "{{ f(30) }}"), "loop iterations and macro calls");
    }

    @Test
    void expensiveStepsHitTheTimeBudget() {
        TemplateOptions quick = TemplateOptions.builder().maxRenderMillis(200).build();
        // every iteration copies a 4 MB string: few iterations, each slow
        assertLimit(renderError("{% set big = 'x' * 4000000 %}{% for i in range(100000) %}"
                + "{% set y = big|replace('x', 'y') %}{% endfor %}", quick), "longer than 200 ms");
    }

    @Test
    void deeplyNestedSourceIsRefusedAtCompileTime() {
        assertLimit(compileError("{{ " + "(".repeat(100000) + "1" + ")".repeat(100000) + " }}"), "nests deeper");
        assertLimit(compileError("{{ " + "-".repeat(100000) + "1 }}"), "nests deeper");
        assertLimit(compileError("{{ " + "not ".repeat(100000) + "1 }}"), "nests deeper");
        assertLimit(compileError("{{ " + "[".repeat(100000) + "]".repeat(100000) + " }}"), "nests deeper");
        assertLimit(compileError("{% if a %}".repeat(10000) + "{% endif %}".repeat(10000)), "nests deeper");
        assertLimit(compileError("{{ " + "1 if a else ".repeat(10000) + "2 }}"), "nests deeper");
        // flat chains build tall trees without deep syntax; evaluation would recurse once per level
        assertLimit(compileError("{{ x" + "|trim".repeat(100000) + " }}"), "too deeply nested");
        assertLimit(compileError("{{ 1" + " + 1".repeat(100000) + " }}"), "too deeply nested");
        assertLimit(compileError("{{ x" + ".a".repeat(100000) + " }}"), "too deeply nested");
        assertEquals("a", TemplateRenderer.compile("{{ x" + "|trim".repeat(200) + " }}").render(Map.of("x", " a ")));
        assertEquals("201", TemplateRenderer.compile("{{ 1" + " + 1".repeat(200) + " }}").render(Map.of()));
    }
}
