package dev.edgellm.chat;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real chat templates rendered exactly as Python Jinja2 renders them with Hugging Face's settings
 * (expected/ made by make_expected.py), and as llama.cpp and transformers (via mistral.rs) published them
 * (upstream/). See the README next to the resources for where each template comes from.
 */
class ChatTemplateGoldenTest {
    private static final Map<String, ChatTemplate> COMPILED = new HashMap<>();
    /** strftime_now() pinned to make_expected.py's FIXED_NOW. */
    static final TemplateOptions FIXED_CLOCK = TemplateOptions.builder()
            .clock(() -> 1721995200000L).timeZone(TimeZone.getTimeZone("UTC")).build(); // 2024-07-26T12:00:00Z

    private static String render(String[] row) {
        // case_id, template, conversation, add_generation_prompt, bos, eos, variables
        ChatTemplate t = COMPILED.computeIfAbsent(row[1], id -> ChatTemplate.of(TestData.template(id), FIXED_CLOCK));
        return t.render(TestData.conversation(row[2]), row[3].equals("1"), dash(row[4]), dash(row[5]),
                TestData.variables(row[6]));
    }

    private static String dash(String s) { return s.equals("-") ? "" : s; }

    @TestFactory
    Stream<DynamicTest> rendersLikeJinja2() {
        return TestData.tsv("cases.tsv").stream().map(row -> DynamicTest.dynamicTest(row[0],
                () -> assertEquals(TestData.read("expected/" + row[0] + ".txt"), render(row))));
    }

    @TestFactory
    Stream<DynamicTest> rendersLikeUpstream() {
        Map<String, String[]> cases = new HashMap<>();
        for (String[] row : TestData.tsv("cases.tsv")) cases.put(row[0], row);
        return TestData.tsv("upstream.tsv").stream().map(row -> DynamicTest.dynamicTest(row[0],
                () -> assertEquals(TestData.read("upstream/" + row[0]), render(cases.get(row[1])), row[2])));
    }

    @Test
    void coversTheRequiredFamiliesWithSystemUserAssistantUserAndGenerationPrompt() {
        List<String[]> rows = TestData.tsv("cases.tsv");
        for (String template : List.of("llama2-chat", "llama3-instruct", "llama3.1-instruct", "qwen2-instruct",
                "qwen2.5-instruct", "mistral-v1", "mistral-v3", "phi3.5-mini", "phi3-mini", "chatml-openhermes")) {
            assertTrue(rows.stream().anyMatch(r -> r[1].equals(template) && r[2].equals("sua4") && r[3].equals("1")),
                    template);
        }
        for (String template : List.of("gemma-7b-it", "gemma2-it", "mistral-v0.1", "mixtral-v0.1")) {
            assertTrue(rows.stream().anyMatch(r -> r[1].equals(template) && r[2].equals("ua3")), template);
        }
    }

    @Test
    void builtinsAreTheCheckedTemplates() {
        Map<String, String> resource = Map.of("chatml", "chatml-openhermes", "llama2", "llama2-chat",
                "llama3", "builtin-llama3", "mistral", "mistral-v1", "phi3", "phi3.5-mini", "gemma", "builtin-gemma");
        for (String name : ChatTemplate.BUILTIN_NAMES) {
            assertEquals(TestData.template(resource.get(name)), ChatTemplate.builtinSource(name), name);
        }
    }
}
