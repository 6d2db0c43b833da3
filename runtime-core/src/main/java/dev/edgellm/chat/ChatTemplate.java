package dev.edgellm.chat;

import dev.edgellm.gguf.GgufFile;
import dev.edgellm.gguf.MetadataValue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns a conversation into the prompt text a chat model was trained on, by rendering the model's Jinja chat
 * template ({@code tokenizer.chat_template} in a GGUF file) the way Hugging Face's
 * {@code apply_chat_template} does: the template sees {@code messages} (dicts with {@code role} and
 * {@code content}), {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, {@code tools} and
 * {@code documents} (None unless given) and any extra variables.
 *
 * <p>For models without a template, {@link #builtin(String)} offers the common formats and
 * {@link #from(GgufFile)} picks one from the vocabulary. Builtins emit {@code bos_token} where the model's own
 * template does; pass "" as the BOS token if the tokenizer already adds BOS. Immutable and thread-safe.
 */
public final class ChatTemplate {
    /** Names accepted by {@link #builtin(String)}. */
    public static final List<String> BUILTIN_NAMES =
            List.of("chatml", "llama2", "llama3", "mistral", "phi3", "gemma");

    private final TemplateRenderer renderer;

    private ChatTemplate(TemplateRenderer renderer) {
        this.renderer = renderer;
    }

    /** Compiles a Jinja chat template. @throws TemplateException if it does not parse */
    public static ChatTemplate of(String jinjaSource) {
        return new ChatTemplate(TemplateRenderer.compile(jinjaSource));
    }

    /** Compiles with custom whitespace settings or limits. @throws TemplateException if it does not parse */
    public static ChatTemplate of(String jinjaSource, TemplateOptions options) {
        return new ChatTemplate(TemplateRenderer.compile(jinjaSource, options));
    }

    /**
     * A built-in template: "chatml", "llama2" (Llama-2-chat, {@code <<SYS>>} folded into the first
     * {@code [INST]}), "llama3", "mistral" (v1 {@code [INST]} format; a system message is prepended to the
     * first user turn), "phi3" and "gemma" (a system message is prepended to the first user turn, as llama.cpp
     * does, since Gemma has no system role).
     *
     * @throws IllegalArgumentException for any other name
     */
    public static ChatTemplate builtin(String name) {
        return of(builtinSource(name));
    }

    /** The Jinja source of a built-in template. @throws IllegalArgumentException for an unknown name */
    public static String builtinSource(String name) {
        switch (String.valueOf(name).toLowerCase(Locale.ROOT)) {
            case "chatml": return CHATML;
            case "llama2": return LLAMA2;
            case "llama3": return LLAMA3;
            case "mistral": return MISTRAL;
            case "phi3": return PHI3;
            case "gemma": return GEMMA;
            default:
                throw new IllegalArgumentException("unknown built-in chat template '" + name + "'; known: "
                        + BUILTIN_NAMES);
        }
    }

    /**
     * Guesses which built-in format a template source is, with llama.cpp's markers and in its order
     * ({@code llm_chat_detect_template}): {@code <|im_start|>} → chatml; {@code [INST]} → llama2 if it has
     * {@code <<SYS>>}, else mistral; {@code <|assistant|>} and {@code <|end|>} → phi3;
     * {@code <start_of_turn>} → gemma; {@code <|start_header_id|>} → llama3. A built-in name is returned as
     * itself. Returns null when nothing matches.
     */
    public static String detectFamily(String source) {
        if (source == null) return null;
        String name = source.trim().toLowerCase(Locale.ROOT);
        if (BUILTIN_NAMES.contains(name)) return name;
        if (source.contains("<|im_start|>")) return "chatml";
        if (source.contains("[INST]")) return source.contains("<<SYS>>") ? "llama2" : "mistral";
        if (source.contains("<|assistant|>") && source.contains("<|end|>")) return "phi3";
        if (source.contains("<start_of_turn>")) return "gemma";
        if (source.contains("<|start_header_id|>")) return "llama3";
        return null;
    }

    /**
     * The model's own template ({@code tokenizer.chat_template}) if it has one, otherwise the built-in that
     * its special tokens point to (chatml when nothing does, as llama.cpp defaults to).
     *
     * @throws TemplateException if the model's template does not parse
     */
    public static ChatTemplate from(GgufFile gguf) {
        String src = gguf.getString("tokenizer.chat_template", null);
        if (src != null && !src.trim().isEmpty()) return of(src);
        return builtin(guessBuiltin(gguf));
    }

    /** The built-in name {@link #from(GgufFile)} falls back to for a model without a template. */
    static String guessBuiltin(GgufFile gguf) {
        Set<String> tokens = new HashSet<>();
        MetadataValue v = gguf.get("tokenizer.ggml.tokens");
        if (v != null && v.isArray() && v.value() instanceof String[]) tokens.addAll(Arrays.asList(v.asStringArray()));
        String arch = gguf.getString("general.architecture", "");
        if (tokens.contains("<|im_start|>")) return "chatml";
        if (tokens.contains("<|start_header_id|>")) return "llama3";
        if (tokens.contains("<start_of_turn>") || arch.startsWith("gemma")) return "gemma";
        if ((tokens.contains("<|assistant|>") && tokens.contains("<|end|>")) || arch.startsWith("phi3")) return "phi3";
        if (tokens.contains("[INST]")) return "mistral";
        return "chatml";
    }

    /** The text of the model's BOS token, or "" if it has none. */
    public static String bosToken(GgufFile gguf) { return tokenText(gguf, "tokenizer.ggml.bos_token_id"); }

    /** The text of the model's EOS token, or "" if it has none. */
    public static String eosToken(GgufFile gguf) { return tokenText(gguf, "tokenizer.ggml.eos_token_id"); }

    private static String tokenText(GgufFile gguf, String idKey) {
        long id = gguf.getLong(idKey, -1);
        MetadataValue tokens = gguf.get("tokenizer.ggml.tokens");
        if (id < 0 || tokens == null || !(tokens.value() instanceof String[])) return "";
        String[] all = tokens.asStringArray();
        return id < all.length ? all[(int) id] : "";
    }

    /**
     * Renders a conversation.
     *
     * @param addGenerationPrompt end with the header that starts the assistant's reply
     * @param bosToken text of the BOS token ("" or null if the tokenizer adds BOS itself)
     * @param eosToken text of the EOS token (null means "")
     * @throws TemplateException if the template fails or rejects the conversation ({@code raise_exception})
     */
    public String render(List<Message> messages, boolean addGenerationPrompt, String bosToken, String eosToken) {
        return render(messages, addGenerationPrompt, bosToken, eosToken, Map.of());
    }

    /**
     * Renders a conversation with extra template variables, e.g. {@code tools} (a list of tool dicts as Java
     * Maps and Lists), {@code date_string}, {@code enable_thinking}. A null value is Python None. Extra
     * variables override the standard ones of the same name.
     */
    public String render(List<Message> messages, boolean addGenerationPrompt, String bosToken, String eosToken,
                         Map<String, ?> extraVariables) {
        Objects.requireNonNull(messages, "messages");
        Objects.requireNonNull(extraVariables, "extraVariables");
        List<Object> msgs = new ArrayList<>(messages.size());
        for (Message m : messages) msgs.add(Objects.requireNonNull(m, "message"));
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", msgs);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("bos_token", bosToken == null ? "" : bosToken);
        vars.put("eos_token", eosToken == null ? "" : eosToken);
        vars.put("tools", null);
        vars.put("documents", null);
        vars.putAll(extraVariables);
        return renderer.render(vars);
    }

    /** The Jinja source. */
    public String source() { return renderer.source(); }

    /** {@link #detectFamily} of this template's source (may be null). */
    public String family() { return detectFamily(renderer.source()); }

    /** The compiled template, for rendering with arbitrary variables. */
    public TemplateRenderer renderer() { return renderer; }

    @Override
    public String toString() {
        return "ChatTemplate[" + (family() == null ? "custom" : family()) + ", " + source().length() + " chars]";
    }

    // ---- built-in templates -------------------------------------------------------------------------
    // Kept as Jinja so they go through the same renderer; test resources hold copies checked by Jinja2.

    /** ChatML as in teknium/OpenHermes-2.5-Mistral-7B. */
    static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n'"
            + " + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** meta-llama/Llama-2-*-chat-hf. */
    static final String LLAMA2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
            + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
            + "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation "
            + "roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and "
            + "system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + "
            + "message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}"
            + "{% endfor %}";

    /** meta-llama/Meta-Llama-3-8B-Instruct. */
    static final String LLAMA3 = "{% set loop_messages = messages %}{% for message in loop_messages %}"
            + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ "
            + "message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + "
            + "content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

    /** Mistral's "v1" template (Mistral-7B-Instruct-v0.2 with a system prompt). */
    static final String MISTRAL = "{%- if messages[0]['role'] == 'system' %}\n"
            + "    {%- set system_message = messages[0]['content'] %}\n"
            + "    {%- set loop_messages = messages[1:] %}\n"
            + "{%- else %}\n"
            + "    {%- set loop_messages = messages %}\n"
            + "{%- endif %}\n"
            + "\n"
            + "{{- bos_token }}\n"
            + "{%- for message in loop_messages %}\n"
            + "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\n"
            + "        {{- raise_exception('After the optional system message, conversation roles must alternate"
            + " user/assistant/user/assistant/...') }}\n"
            + "    {%- endif %}\n"
            + "    {%- if message['role'] == 'user' %}\n"
            + "        {%- if loop.first and system_message is defined %}\n"
            + "            {{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}\n"
            + "        {%- else %}\n"
            + "            {{- ' [INST] ' + message['content'] + ' [/INST]' }}\n"
            + "        {%- endif %}\n"
            + "    {%- elif message['role'] == 'assistant' %}\n"
            + "        {{- ' ' + message['content'] + eos_token}}\n"
            + "    {%- else %}\n"
            + "        {{- raise_exception('Only user and assistant roles are supported, with the exception of"
            + " an initial optional system message!') }}\n"
            + "    {%- endif %}\n"
            + "{%- endfor %}\n";

    /** microsoft/Phi-3.5-mini-instruct (Phi-3 format with a system turn). */
    static final String PHI3 = "{% for message in messages %}{% if message['role'] == 'system' and "
            + "message['content'] %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] =="
            + " 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'assistant'"
            + " %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}";

    /** Gemma turns; a system message is folded into the next user turn like llama.cpp's gemma format. */
    static final String GEMMA = "{{ bos_token }}{% set ns = namespace(system='') %}{% for message in messages %}"
            + "{% if message['role'] == 'system' %}{% set ns.system = ns.system + message['content'] | trim %}"
            + "{% else %}{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}"
            + "{{ '<start_of_turn>' + role + '\\n' }}{% if ns.system and role != 'model' %}"
            + "{{ ns.system + '\\n\\n' }}{% set ns.system = '' %}{% endif %}"
            + "{{ message['content'] | trim + '<end_of_turn>\\n' }}{% endif %}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}";
}
