package dev.edgellm.tests;

import dev.edgellm.Engine;
import dev.edgellm.GenerationRequest;
import dev.edgellm.Model;
import dev.edgellm.Session;
import dev.edgellm.SessionOptions;
import dev.edgellm.gguf.GgmlType;
import dev.edgellm.planner.MemoryPlanner;
import dev.edgellm.planner.ModelSizes;
import dev.edgellm.planner.Plan;
import dev.edgellm.planner.PlanRequest;
import dev.edgellm.profiles.ProfileCatalog;
import dev.edgellm.sampling.SamplerSpec;
import dev.edgellm.spi.Availability;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resident GPU layers on random-weight models with real shapes: the llama-110m preset of
 * {@code shared/bench/gen_gguf.py} (width 768 = 3 × 256, so K-quants stay K-quants) at
 * {@value LlamaCppParityTest#LAYERS} layers, in Q4_0 and in the llama.cpp-like Q4_K_M mix (Q4_K plus Q6_K), and
 * qwen2-0.5b "Q4_K" (mostly Q5_0 and Q8_0: width 896; attention biases, NEOX RoPE).
 * For all blocks and for one block on the GPU (default f16 KV cache), the sequence the CPU backend generates
 * greedily is fed to the GPU model token by token, and at every step:
 * <ul>
 *   <li>every logit is within {@value #MAX_REL_DELTA} × std(logits) of the CPU's — the same arithmetic in
 *       float, summed in another order; f16 cache roundings may flip (see VulkanLayerOffloadTest);</li>
 *   <li>the GPU's greedy token is the CPU's, except at a step whose CPU top1–top2 margin is within twice the
 *       largest |Δlogit| of that step (a tie at this precision; counted, and at most a quarter of the steps).</li>
 * </ul>
 * Skipped where the vulkan backend is unavailable (no driver); CI installs lavapipe.
 */
class VulkanOffloadParityTest {
    static final int STEPS = 16;
    static final double MAX_REL_DELTA = 1e-3;
    /** preset, type, GPU layers to try (-1 = all). qwen2-0.5b brings attention biases, NEOX RoPE and Q5_0/Q8_0. */
    static final String[][] MODELS = {{"llama-110m", "q4_0", "-1,1"}, {"llama-110m", "q4_k_m", "-1,1"}, {"qwen2-0.5b", "q4_k", "-1"}};

    @TestFactory
    List<DynamicTest> gpuLayersMatchTheCpu() throws Exception {
        Availability a = Engine.backends().get("vulkan");
        if (a == null || !a.isAvailable()) {
            return List.of(DynamicTest.dynamicTest("vulkan parity SKIPPED", () -> Assumptions.abort("vulkan unavailable: " + a)));
        }
        LlamaCppParityTest.requirePython();
        Path bench = LlamaCppParityTest.shared().resolve("bench");
        List<LlamaCppParityTest.ModelSpec> specs = new ArrayList<>();
        for (String[] m : MODELS) specs.add(LlamaCppParityTest.benchModel(bench, m[0], m[1]));
        Map<String, Path> files = LlamaCppParityTest.generateModels(specs, LlamaCppParityTest.cacheDir().resolve("parity"));
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, Path> e : files.entrySet()) {
            for (String g : MODELS[i++][2].split(",")) {
                int gpuLayers = Integer.parseInt(g);
                tests.add(DynamicTest.dynamicTest(e.getKey() + ", gpu layers " + (gpuLayers < 0 ? "all" : gpuLayers),
                        () -> compare(e.getKey(), e.getValue(), gpuLayers)));
            }
        }
        return tests;
    }

    static void compare(String name, Path file, int gpuLayers) throws Exception {
        SessionOptions opts = SessionOptions.builder().contextLength(64).build();
        int[] prompt;
        int[] generated;
        List<float[]> want = new ArrayList<>();
        Set<GgmlType> types = new TreeSet<>();
        try (Model cpu = Engine.builder().backend("scalar").build().load(file); Session s = cpu.newSession(opts)) {
            cpu.gguf().tensors().forEach(t -> types.add(t.type()));
            GenerationRequest req = GenerationRequest.builder().prompt(LlamaCppParityTest.PROMPT).maxTokens(STEPS)
                    .ignoreEos(true).sampler(SamplerSpec.greedy()).build();
            prompt = s.promptTokens(req);
            generated = s.generate(req, (d, id) -> { }).tokens();
            s.reset();
            want.add(s.evaluate(prompt).clone());
            for (int i = 0; i < generated.length - 1; i++) want.add(s.evaluate(new int[] {generated[i]}).clone());
        }
        assertEquals(STEPS, generated.length);
        try (Model gpu = Engine.builder().backend("scalar").gpuLayers(gpuLayers).build().load(file); Session s = gpu.newSession(opts)) {
            assertEquals(gpuLayers < 0 ? LlamaCppParityTest.LAYERS : gpuLayers, s.gpuLayers(), "blocks on the GPU");
            double worst = 0;
            int ties = 0;
            for (int step = 0; step < STEPS; step++) {
                float[] got = step == 0 ? s.evaluate(prompt) : s.evaluate(new int[] {generated[step - 1]});
                float[] ref = want.get(step);
                double std = std(ref), maxDelta = 0;
                for (int i = 0; i < ref.length; i++) maxDelta = Math.max(maxDelta, Math.abs(ref[i] - got[i]));
                worst = Math.max(worst, maxDelta / std);
                assertTrue(maxDelta <= MAX_REL_DELTA * std, name + " step " + step + ": max |Δlogit| " + maxDelta
                        + " > " + MAX_REL_DELTA + " × std " + std);
                int top = argmax(got);
                if (top != generated[step]) {
                    double margin = ref[generated[step]] - ref[top];
                    assertTrue(margin <= 2 * maxDelta, name + " step " + step + ": GPU picks " + top + ", CPU " + generated[step]
                            + " with margin " + margin + " (Δ " + maxDelta + ")");
                    ties++;
                }
            }
            assertTrue(ties <= STEPS / 4, name + ": " + ties + " near-tie steps");
            // the planner's GPU memory for this session against what the backend allocated (issue: ±5%)
            long allocated = gpu.gpuMemory().values().stream().mapToLong(Long::longValue).sum();
            Plan plan = MemoryPlanner.plan(ModelSizes.of(gpu.gguf()), ProfileCatalog.builtin().get("x86-laptop-16gb", false),
                    new PlanRequest(64, opts.kvType(), opts.batchSize(), 0, s.gpuLayers()));
            double err = (plan.gpuBytes - allocated) / (double) allocated;
            assertTrue(Math.abs(err) <= 0.05, name + ": planned GPU memory " + plan.gpuBytes + " vs allocated " + allocated);
            System.out.printf("[vulkan parity] %s %s, gpu layers %d: max |Δlogit|/std %.2e, near-ties %d of %d; GPU memory "
                    + "planned %d, allocated %d (%+.2f%%)%n", name, types, s.gpuLayers(), worst, ties, STEPS, plan.gpuBytes,
                    allocated, 100 * err);
        }
    }

    static double std(float[] v) {
        double mean = 0, sq = 0;
        for (float x : v) mean += x;
        mean /= v.length;
        for (float x : v) sq += (x - mean) * (x - mean);
        return Math.sqrt(sq / v.length);
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

}
