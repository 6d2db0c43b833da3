package dev.edgellm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgellm.Engine;
import dev.edgellm.GenerationRequest;
import dev.edgellm.GenerationResult;
import dev.edgellm.Model;
import dev.edgellm.Session;
import dev.edgellm.SessionOptions;
import dev.edgellm.Timings;
import dev.edgellm.chat.Message;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.kv.KvCacheType;
import dev.edgellm.planner.Plan;
import dev.edgellm.sampling.SamplerSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code generate}: stream a completion of a prompt to stdout; statistics to stderr. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a prompt (stdout: the generated text only).")
final class GenerateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ModelOptions modelOptions;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "Prompt text (default: empty, i.e. BOS only)")
    String prompt = "";

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", description = "Tokens to generate; -1 = until end of text or full context (default: ${DEFAULT-VALUE})")
    int maxTokens = -1;

    @Option(names = "--temp", paramLabel = "T", description = "Temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature = 0.8f;

    @Option(names = "--top-k", paramLabel = "K", description = "Top-k; 0 = off (default: ${DEFAULT-VALUE})")
    int topK = 40;

    @Option(names = "--top-p", paramLabel = "P", description = "Top-p; 1 = off (default: ${DEFAULT-VALUE})")
    float topP = 0.95f;

    @Option(names = "--min-p", paramLabel = "P", description = "Min-p; 0 = off (default: ${DEFAULT-VALUE})")
    float minP = 0.05f;

    @Option(names = "--repeat-penalty", paramLabel = "X", description = "Repetition penalty; 1 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty = 1.0f;

    @Option(names = "--seed", paramLabel = "S", description = "Sampling seed; -1 = random (default: ${DEFAULT-VALUE})")
    long seed = -1;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop string (repeatable)")
    List<String> stop = List.of();

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Threads (default: all cores)")
    Integer threads;

    @Option(names = "--chat", description = "Apply the model's chat template to the prompt as a user message")
    boolean chat;

    @Option(names = "--backend", paramLabel = "B", description = "auto (default) or a backend name, e.g. scalar")
    String backend = "auto";

    @Option(names = "--gpu-layers", paramLabel = "N", description = "Transformer blocks resident on the GPU (Vulkan): a count, all, or auto (the plan decides from the profile; default: ${DEFAULT-VALUE})")
    String gpuLayers = "0";

    @Option(names = "--ctx", paramLabel = "N", description = "Context length in tokens (default: min(model's, 4096), or the largest that fits the profile)")
    int ctx = 0;

    @Option(names = "--profile", paramLabel = "P", description = "Device profile the plan must fit (see `edgellm profiles`; default: ${DEFAULT-VALUE})")
    String profile = "local";

    @Option(names = "--kv-type", paramLabel = "T", description = "KV cache type: auto, f32, f16, q8_0 or q4_0 (default: ${DEFAULT-VALUE}: the planner picks f16 unless a smaller type is needed to fit)")
    String kvType = "auto";

    @Option(names = {"-b", "--batch-size"}, paramLabel = "N", description = "Prompt tokens per prefill batch (default: ${DEFAULT-VALUE})")
    int batchSize = SessionOptions.DEFAULT_BATCH_SIZE;

    @Option(names = "--no-context-shift", description = "End at a full context instead of dropping the oldest tokens and going on")
    boolean noContextShift;

    @Option(names = "--json", description = "Print one JSON object instead of plain text")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (ctx < 0) throw new Main.UsageException("--ctx must be > 0, got " + ctx);
        if (batchSize < 1) throw new Main.UsageException("-b must be >= 1, got " + batchSize);
        if (maxTokens == 0 || maxTokens < -1) throw new Main.UsageException("-n must be >= 1 or -1, got " + maxTokens);
        SamplerSpec sampler;
        try {
            sampler = SamplerSpec.builder().temperature(temperature).topK(topK).topP(topP).minP(minP)
                    .repeatPenalty(repeatPenalty).seed(seed).build();
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        Path modelPath = modelOptions.resolve();
        GgufFile gguf = GgufFile.open(modelPath); // read once: planned, then loaded
        Plan plan = GenerationPlan.require(gguf, profile, ctx, kvType, batchSize, gpuLayers, backend, err);
        KvCacheType kv = plan.kvType;
        Engine.Builder eb = Engine.builder().backend(backend).gpuLayers(plan.gpuLayers);
        if (threads != null) {
            if (threads < 1) throw new Main.UsageException("-t must be >= 1, got " + threads);
            eb.threads(threads);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Model model = eb.build().load(gguf);
             Session session = model.newSession(SessionOptions.builder().contextLength(plan.ctx).kvType(kv).contextShift(!noContextShift).batchSize(batchSize).build())) {
            if (session.gpuLayers() > 0) err.println("[gpu] " + session.gpuDescription());
            GenerationRequest.Builder rb = GenerationRequest.builder()
                    .maxTokens(maxTokens > 0 ? maxTokens : session.contextLength())
                    .sampler(sampler).stop(stop);
            if (chat) rb.messages(List.of(Message.user(prompt)));
            else rb.prompt(prompt);
            GenerationRequest req = rb.build();
            GenerationResult r = session.generate(req, (delta, id) -> {
                if (!json && !delta.isEmpty()) {
                    out.print(delta);
                    out.flush();
                }
            });
            Timings t = r.timings();
            if (json) {
                ObjectMapper om = new ObjectMapper();
                ObjectNode o = om.createObjectNode();
                o.put("text", r.text());
                var arr = o.putArray("tokens");
                for (int id : r.tokens()) arr.add(id);
                o.put("prompt_tokens", r.promptTokens());
                o.put("finish_reason", r.finishReason().wireName());
                o.put("load_ms", round(model.loadMillis()));
                o.put("ttft_ms", round(t.ttftMs));
                o.put("prompt_tok_s", round(t.promptTokensPerSecond()));
                o.put("decode_tok_s", round(t.decodeTokensPerSecond()));
                o.put("backend", model.backendName());
                o.put("gpu_layers", session.gpuLayers());
                out.println(om.writeValueAsString(o));
            } else {
                out.println();
            }
            out.flush();
            err.printf("[stats] backend %s | load %.1f ms | prompt %d tok, %.1f tok/s | TTFT %.1f ms | generated %d tok, decode %.1f tok/s | finish %s%n",
                    model.backendName(), model.loadMillis(), r.promptTokens(), t.promptTokensPerSecond(), t.ttftMs,
                    r.completionTokens(), t.decodeTokensPerSecond(), r.finishReason().wireName());
            return Main.EXIT_OK;
        } catch (IllegalArgumentException | IllegalStateException e) {
            // e.g. prompt longer than the context, unknown backend, GPU layers without a GPU backend
            throw new Main.UsageException(e.getMessage());
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
