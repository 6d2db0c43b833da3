package dev.edgellm.chat;

import dev.edgellm.gguf.GgufFile;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The public API: Message, ChatTemplate (builtins, detection, GGUF, extra variables), options. */
class ChatTemplateTest {
    private static final List<Message> SUA = TestData.conversation("sua4");

    @Test
    void messageFactoriesAndValueSemantics() {
        assertEquals("system", Message.system("s").role());
        assertEquals("user", Message.user("u").role());
        assertEquals("assistant", Message.assistant("a").role());
        assertEquals("tool", Message.of("tool", "t").role());
        assertEquals("u", Message.user("u").content());
        assertEquals(Message.user("x"), new Message("user", "x"));
        assertEquals(Message.user("x").hashCode(), new Message("user", "x").hashCode());
        assertNotEquals(Message.user("x"), Message.assistant("x"));
        assertThrows(NullPointerException.class, () -> Message.user(null));
        assertThrows(NullPointerException.class, () -> new Message(null, "x"));
    }

    @Test
    void detectsFamiliesOfRealTemplates() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("chatml-openhermes", "chatml");
        expected.put("qwen2-instruct", "chatml");
        expected.put("qwen2.5-instruct", "chatml");
        expected.put("qwen3", "chatml");
        expected.put("llama2-chat", "llama2");
        expected.put("vigogne2", "llama2");
        expected.put("llama3-instruct", "llama3");
        expected.put("llama3.1-instruct", "llama3");
        expected.put("llama3.2-instruct", "llama3");
        expected.put("mistral-v0.1", "mistral");
        expected.put("mixtral-v0.1", "mistral");
        expected.put("mistral-v1", "mistral");
        expected.put("mistral-v3", "mistral");
        expected.put("mistral-nemo-2407", "mistral");
        expected.put("phi3-mini", "phi3");
        expected.put("phi3.5-mini", "phi3");
        expected.put("gemma-7b-it", "gemma");
        expected.put("gemma2-it", "gemma");
        expected.put("deepseek-v2", null);
        expected.forEach((id, family) -> assertEquals(family, ChatTemplate.detectFamily(TestData.template(id)), id));
        assertNull(ChatTemplate.detectFamily(null));
        assertNull(ChatTemplate.detectFamily("{{ messages[0].content }}"));
        for (String name : ChatTemplate.BUILTIN_NAMES) {
            assertEquals(name, ChatTemplate.detectFamily(name));
            assertEquals(name, ChatTemplate.builtin(name).family());
        }
    }

    @Test
    void builtinsRenderTheConversation() {
        assertEquals(TestData.read("expected/chatml-openhermes.sua4.txt"),
                ChatTemplate.builtin("chatml").render(SUA, true, "", ""));
        assertEquals(TestData.read("expected/llama2-chat.sua4.txt"),
                ChatTemplate.builtin("LLAMA2").render(SUA, true, "<s>", "</s>"));
        assertEquals("<start_of_turn>user\nYou are a helpful assistant\n\nHello<end_of_turn>\n"
                        + "<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n"
                        + "<start_of_turn>model\n",
                ChatTemplate.builtin("gemma").render(SUA, true, null, null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.builtin("vicuna"));
        assertTrue(e.getMessage().contains("chatml"), e.getMessage());
    }

    @Test
    void extraVariablesFromJavaObjects() {
        // The same tools list as the ".tools" cases, built from plain Java maps, lists, Integer/Boolean-free data.
        Map<String, Object> city = new LinkedHashMap<>();
        city.put("type", "string");
        city.put("description", "City name, e.g. Paris");
        Map<String, Object> unit = new LinkedHashMap<>();
        unit.put("type", "string");
        unit.put("enum", new String[] {"celsius", "fahrenheit"});
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("city", city);
        props.put("unit", unit);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("type", "object");
        params.put("properties", props);
        params.put("required", List.of("city"));
        Map<String, Object> fn = new LinkedHashMap<>();
        fn.put("name", "get_weather");
        fn.put("description", "Get the current weather in a city");
        fn.put("parameters", params);
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", fn);
        List<Message> full = TestData.conversation("full6");
        assertEquals(TestData.read("expected/qwen2.5-instruct.full6.tools.txt"),
                ChatTemplate.of(TestData.template("qwen2.5-instruct")).render(full, true, "", "<|im_end|>",
                        Map.of("tools", List.of(tool))));
        assertEquals(TestData.read("expected/llama3.1-instruct.full6.tools.txt"),
                ChatTemplate.of(TestData.template("llama3.1-instruct")).render(full, true, "<|begin_of_text|>",
                        "<|eot_id|>", Map.of("tools", List.of(tool))));
        // explicit None, ints, floats, booleans
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("n", null);
        vars.put("i", 3);
        vars.put("f", 0.5f);
        vars.put("b", true);
        assertEquals("True|3|0.5|True|[1, 2.5]", TemplateRenderer.compile("{{ n is none }}|{{ i }}|{{ f }}|{{ b }}|{{ l }}")
                .render(withList(vars)));
    }

    private static Map<String, Object> withList(Map<String, Object> vars) {
        vars.put("l", new Object[] {1L, 2.5});
        return vars;
    }

    @Test
    void strftimeNowUsesTheConfiguredClock() {
        TemplateOptions fixed = TemplateOptions.builder()
                .clock(() -> 1721995200000L) // 2024-07-26T12:00:00Z
                .timeZone(TimeZone.getTimeZone("UTC")).build();
        // Llama 3.2 falls back to strftime_now("%d %b %Y") when no date_string is passed
        assertEquals(TestData.read("expected/llama3.2-instruct.sua4.txt"),
                ChatTemplate.of(TestData.template("llama3.2-instruct"), fixed).render(SUA, true, "<|begin_of_text|>",
                        "<|eot_id|>"));
        assertEquals("Friday, 26 July 2024 12:00:00 PM (208) 24 %",
                TemplateRenderer.compile("{{ strftime_now('%A, %d %B %Y %H:%M:%S %p (%j) %y %%') }}", fixed)
                        .render(Map.of()));
    }

    @Test
    void toolsAndDocumentsAreNoneByDefaultLikeTransformers() {
        ChatTemplate t = ChatTemplate.of("{{ tools is defined }}{{ tools is none }}{{ documents is none }}"
                + "{{ add_generation_prompt }}{{ bos_token }}{{ eos_token }}{{ messages|length }}");
        assertEquals("TrueTrueTrueFalse<s>3", t.render(SUA.subList(0, 3), false, "<s>", null));
    }

    @Test
    void huggingFaceGenerationTagRendersItsBody() {
        String src = "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}[{{ m.content }}]"
                + "{% endgeneration %}{% else %}{{ m.content }}{% endif %}{% endfor %}";
        assertEquals("You are a helpful assistantHello[Hi there]Who are you", ChatTemplate.of(src).render(SUA, false, "", ""));
    }

    @Test
    void rawMessagesWithToolCallsGoThroughTheRenderer() {
        // Message only carries role and content; richer messages are plain maps passed as "messages".
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("name", "get_weather");
        call.put("arguments", Map.of("city", "Paris"));
        Map<String, Object> assistant = new LinkedHashMap<>();
        assistant.put("role", "assistant");
        assistant.put("content", "");
        assistant.put("tool_calls", List.of(Map.of("type", "function", "function", call)));
        List<Object> messages = List.of(Map.of("role", "user", "content", "Weather in Paris?"), assistant);
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", messages);
        vars.put("add_generation_prompt", false);
        String out = ChatTemplate.of(TestData.template("qwen2.5-instruct")).renderer().render(vars);
        assertTrue(out.endsWith("<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", "
                + "\"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"), out);
    }

    @Test
    void optionsCanTurnOffHuggingFaceWhitespace() {
        TemplateOptions plain = TemplateOptions.builder().trimBlocks(false).lstripBlocks(false)
                .keepTrailingNewline(true).build();
        String src = "  {% if true %}\nx\n  {% endif %}\n";
        assertEquals("x\n", TemplateRenderer.compile(src).render(Map.of()));
        assertEquals("  \nx\n  \n", TemplateRenderer.compile(src, plain).render(Map.of()));
        assertThrows(IllegalArgumentException.class, () -> TemplateOptions.builder().maxOutputChars(0));
    }

    @Test
    void compiledTemplatesAreSafeToShareBetweenThreads() throws Exception {
        ChatTemplate t = ChatTemplate.of(TestData.template("llama3.1-instruct"));
        String expected = TestData.read("expected/llama3.1-instruct.sua4.txt");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int k = 0; k < 64; k++) {
                results.add(pool.submit(() -> t.render(SUA, true, "<|begin_of_text|>", "<|eot_id|>")));
            }
            for (Future<String> f : results) assertEquals(expected, f.get());
        } finally {
            pool.shutdown();
        }
    }

    // ---- GGUF -----------------------------------------------------------------------------------------

    private static Path vocab(String name) {
        String env = System.getenv("EDGELLM_TESTDATA");
        String base = env != null ? env : System.getProperty("edgellm.shared", "../shared") + "/testdata";
        Path p = Path.of(base, name);
        assumeTrue(Files.exists(p), "shared test data not found: " + p);
        return p;
    }

    @Test
    void readsTheChatTemplateOfQwen2AndPhi3Vocabularies() throws Exception {
        GgufFile qwen = GgufFile.open(vocab("vocab/ggml-vocab-qwen2.gguf"));
        assertEquals(TestData.template("qwen2-instruct"), qwen.getString("tokenizer.chat_template", null));
        ChatTemplate t = ChatTemplate.from(qwen);
        assertEquals("chatml", t.family());
        assertEquals("<|endoftext|>", ChatTemplate.bosToken(qwen));
        assertEquals("<|endoftext|>", ChatTemplate.eosToken(qwen));
        assertEquals(TestData.read("expected/qwen2-instruct.sua4.txt"), t.render(SUA, true, "", "<|endoftext|>"));

        GgufFile phi = GgufFile.open(vocab("vocab/ggml-vocab-phi-3.gguf"));
        assertEquals(TestData.template("phi3-mini"), ChatTemplate.from(phi).source());
        assertEquals("<s>", ChatTemplate.bosToken(phi));
        assertEquals("<|endoftext|>", ChatTemplate.eosToken(phi));
    }

    @Test
    void fallsBackToABuiltinWhenTheModelHasNoTemplate() throws Exception {
        GgufFile llama3 = GgufFile.open(vocab("vocab/ggml-vocab-llama-bpe.gguf"));
        assertNull(llama3.getString("tokenizer.chat_template", null));
        assertEquals(ChatTemplate.builtinSource("llama3"), ChatTemplate.from(llama3).source());
        GgufFile stories = GgufFile.open(vocab("models/stories260K.gguf"));
        assertEquals(ChatTemplate.builtinSource("chatml"), ChatTemplate.from(stories).source());
    }
}
