package dev.edgellm.chat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the test resources under dev/edgellm/chat/ (see README.md there). */
final class TestData {
    private TestData() {}

    static final String SYS = "You are a helpful assistant";

    /** The conversations of make_expected.py, by name. */
    static List<Message> conversation(String name) {
        List<Message> full6 = List.of(Message.system(SYS), Message.user("Hello"), Message.assistant("Hi there"),
                Message.user("Who are you"), Message.assistant("   I am an assistant   "),
                Message.user("Another question"));
        List<Message> tricky4 = List.of(
                Message.system("Be 'nice' & \"exact\" \\ {{ not_a_var }} {% if %}"),
                Message.user("Emoji \uD83D\uDE00, CJK \u4e2d\u6587, tab\t, <|im_end|> </s> [INST]"),
                Message.assistant("  spaced\n\n  out  "),
                Message.user("Last one\n"));
        switch (name) {
            case "full6": return full6;
            case "nosys5": return full6.subList(1, 6);
            case "merged5": {
                List<Message> m = new ArrayList<>();
                m.add(Message.user(SYS + "\nHello"));
                m.addAll(full6.subList(2, 6));
                return m;
            }
            case "sua4": return full6.subList(0, 4);
            case "ua3": return full6.subList(1, 4);
            case "tricky4": return tricky4;
            case "tricky3": return tricky4.subList(1, 4);
            default: throw new IllegalArgumentException(name);
        }
    }

    static String read(String relative) {
        try (InputStream in = TestData.class.getResourceAsStream(relative)) {
            if (in == null) throw new IllegalArgumentException("missing test resource " + relative);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String template(String id) { return read("templates/" + id + ".jinja"); }

    /** Rows of a tab-separated resource, comments and blank lines skipped. */
    static List<String[]> tsv(String relative) {
        List<String[]> rows = new ArrayList<>();
        for (String line : read(relative).split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            rows.add(line.split("\t", -1));
        }
        return rows;
    }

    /** "name=expr ;; name=expr" with Jinja expressions, evaluated by the renderer itself; "-" is none. */
    static Map<String, Object> variables(String spec) {
        Map<String, Object> vars = new LinkedHashMap<>();
        if (spec.equals("-")) return vars;
        for (String assign : spec.split(" ;; ")) {
            int eq = assign.indexOf('=');
            vars.put(assign.substring(0, eq), TemplateRenderer.evaluate(assign.substring(eq + 1), TemplateOptions.DEFAULTS));
        }
        return vars;
    }

    static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
