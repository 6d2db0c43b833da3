package dev.edgellm.tests;

import dev.edgellm.Engine;
import dev.edgellm.GenerationRequest;
import dev.edgellm.Model;
import dev.edgellm.Session;
import dev.edgellm.SessionOptions;
import dev.edgellm.kv.KvCacheType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.edgellm.tests.LlamaCppParityTest.LAYERS;
import static dev.edgellm.tests.LlamaCppParityTest.ModelSpec;
import static dev.edgellm.tests.LlamaCppParityTest.Peer;
import static dev.edgellm.tests.LlamaCppParityTest.cacheDir;
import static dev.edgellm.tests.LlamaCppParityTest.generateModels;
import static dev.edgellm.tests.LlamaCppParityTest.parityTests;
import static dev.edgellm.tests.LlamaCppParityTest.requirePython;
import static dev.edgellm.tests.LlamaCppParityTest.shared;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The architecture variants beyond {@link LlamaCppParityTest}'s llama/qwen2 presets, against llama.cpp with
 * exactly its method and thresholds (teacher forcing, the near-tie rule, at least {@value LlamaCppParityTest#MIN_CHECKED}
 * checked steps of {@value LlamaCppParityTest#STEPS}: see its javadoc), on {@value LlamaCppParityTest#LAYERS}-layer
 * random-weight files written by {@code src/test/tools/gen_arch_gguf.py} (which imports shared/bench/gen_gguf.py):
 * <ul>
 *   <li><b>qwen3</b> (F32, Q8_0, Q4_K): per-head q/k RMSNorm before RoPE, NeoX RoPE, 8 heads of 128 while
 *       dim/heads = 64 ({@code attention.key_length}, as in every real Qwen3), GQA 4:1, no biases, tied
 *       embeddings, the Qwen2 vocabulary. Its q/k norm weights are 1 + 0.3·N(0,1), so the place of the norm
 *       (per head, before RoPE) matters.</li>
 *   <li><b>mistral</b> (Q8_0, Q4_K with a Q6_K output): Mistral 7B v0.2's layout cut down (GQA 4:1, ffn 3.5×dim,
 *       RoPE base 1e6, no sliding window, an untied {@code output.weight}, the Llama SentencePiece vocabulary)
 *       under {@code general.architecture = llama}: llama.cpp has no "mistral" architecture (its llama-arch.cpp
 *       knows mistral3 and mistral4, and convert_hf_to_gguf.py writes "llama" for MistralForCausalLM), and
 *       refuses such a file ("unknown model architecture: 'mistral'"). EdgeLLM accepts "mistral" as an alias
 *       of llama: {@link #mistralIsAnAliasOfLlama} checks that it computes exactly the same logits.</li>
 *   <li><b>llama-rope-linear</b> (F32): {@code rope.scaling.type = linear}, {@code rope.scaling.factor = 4};
 *       <b>llama-rope-legacy</b> (F32): the same weights with only the old key {@code rope.scale_linear = 4}
 *       and no scaling type, which llama.cpp reads as linear scaling too (its default type is linear).</li>
 * </ul>
 * The q/k projections of the llama-arch files have std 0.05 (mistral) and 0.08 (the F32 RoPE files) instead of
 * 0.02, so that attention depends on position (see gen_arch_gguf.py). The vocabularies of the llama-arch files
 * are 32000 tokens, so those are quick; the qwen3 ones have 151936.
 *
 * <p>Measured (node-llama-cpp 3.22.1, 2-vCPU AMD EPYC): the F32 files agree with llama.cpp to the printed
 * precision (max |Δlogit| &lt; 5e-6), the quantized ones within max 0.066 std, rms 0.017 std, margin error
 * 0.071 std, all well inside the shared bounds; 10–13 of 16 steps checked per file, all agreeing. Each of
 * these deliberate bugs failed the test, by 3.5× the rms bound or far more: llama with NeoX RoPE (rms 0.88–1.02
 * std), qwen3 with normal RoPE (0.50), qwen3's q/k norm after RoPE instead of before (0.18), its k norm left
 * out (0.42), its attention scale 1/√(dim/heads) instead of 1/√key_length (0.32), GQA query head h reading KV
 * head h mod kvHeads instead of h / (heads/kvHeads) (1.2), and the legacy {@code rope.scale_linear} ignored
 * (1.02, which EdgeLLM did until this test: see ModelConfig).
 */
class LlamaCppArchParityTest {
    /** Model, type: see gen_arch_gguf.py. */
    static final String[][] MODELS = {
            {"qwen3", "f32"}, {"qwen3", "q8_0"}, {"qwen3", "q4_k"},
            {"mistral", "q8_0"}, {"mistral", "q4_k"},
            {"llama-rope-linear", "f32"}, {"llama-rope-legacy", "f32"},
    };
    static final List<Peer> PEERS = new CopyOnWriteArrayList<>();

    @AfterAll
    static void stopPeers() {
        PEERS.forEach(Peer::close);
    }

    @TestFactory
    List<DynamicTest> sameGreedyTokensAsLlamaCpp() throws Exception {
        List<ModelSpec> specs = new ArrayList<>();
        for (String[] m : MODELS) specs.add(archModel(m[0], m[1], null));
        return parityTests("arch", specs, PEERS);
    }

    /** "mistral" (llama.cpp does not know it) must be llama exactly: same file but for the name, same logits. */
    @Test
    void mistralIsAnAliasOfLlama() throws Exception {
        requirePython();
        Map<String, Path> files = generateModels(List.of(archModel("mistral", "q8_0", null), archModel("mistral", "q8_0", "mistral")),
                cacheDir().resolve("parity"));
        List<float[]> logits = new ArrayList<>();
        for (Path f : files.values()) {
            try (Model model = Engine.builder().backend("scalar").build().load(f);
                 Session s = model.newSession(SessionOptions.builder().contextLength(32).kvType(KvCacheType.F32).build())) {
                int[] prompt = s.promptTokens(GenerationRequest.builder().prompt(LlamaCppParityTest.PROMPT).build());
                s.evaluate(prompt);
                logits.add(s.evaluate(new int[] {prompt[prompt.length - 1], 1234, 29871}).clone());
            }
        }
        assertArrayEquals(logits.get(0), logits.get(1), "logits of the same weights under 'llama' and 'mistral'");
    }

    /** A file of gen_arch_gguf.py; {@code arch} overrides general.architecture (null: the model's own). */
    static ModelSpec archModel(String model, String type, String arch) {
        Path script = Paths.get("src", "test", "tools", "gen_arch_gguf.py").toAbsolutePath();
        assertTrue(Files.isRegularFile(script), "gen_arch_gguf.py not found at " + script + " (run from the tests module)");
        Path gen = shared().resolve("bench").resolve("gen_gguf.py");
        List<String> args = new ArrayList<>(List.of("--model", model, "--type", type, "--layers", String.valueOf(LAYERS)));
        if (arch != null) args.addAll(List.of("--arch", arch));
        String name = model + " " + type + (arch != null ? " as " + arch : "");
        String stem = "arch-" + model + "-L" + LAYERS + "-" + type + (arch != null ? "-as-" + arch : "");
        return new ModelSpec(name, stem, script, List.of(script, gen), args, List.of("--gen-gguf", gen.toString()));
    }
}
