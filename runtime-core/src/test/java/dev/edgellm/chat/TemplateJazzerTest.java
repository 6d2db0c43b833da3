package dev.edgellm.chat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.List;

/**
 * Coverage-guided fuzzing of the chat template engine (Jazzer): any template source either compiles and
 * renders a small conversation or fails with {@link TemplateException}; any other exception, or a hang
 * (Jazzer's per-input timeout), is a bug. Fuzz with
 * {@code JAZZER_FUZZ=1 mvn -pl runtime-core test -Dtest=TemplateJazzerTest -Djazzer.max_duration=10m}.
 */
class TemplateJazzerTest {
    static final List<Message> CHAT = List.of(Message.system("Be brief."), Message.user("Hi <b>&"),
            Message.assistant("Hello!"), Message.user("Tell a story"));

    @FuzzTest(maxDuration = "10m")
    void renderArbitraryTemplate(FuzzedDataProvider in) {
        boolean addGenerationPrompt = in.consumeBoolean();
        String source = in.consumeRemainingAsString();
        try {
            ChatTemplate.of(source).render(CHAT, addGenerationPrompt, "<s>", "</s>");
        } catch (TemplateException expected) {
            // the contract: malformed templates fail with TemplateException only
        }
    }
}
