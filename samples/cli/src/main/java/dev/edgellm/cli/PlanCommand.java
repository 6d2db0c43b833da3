package dev.edgellm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.kv.KvCacheType;
import dev.edgellm.planner.MemoryPlanner;
import dev.edgellm.planner.ModelSizes;
import dev.edgellm.planner.Plan;
import dev.edgellm.planner.PlanRequest;
import dev.edgellm.profiles.DeviceProfile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code plan}: memory plan of a model on a device profile, from the GGUF header only (no weights read). */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Plan memory, context, KV type and threads for a model on a device, without loading weights. Exit 4 when it does not fit.")
final class PlanCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE", required = true, description = "GGUF model file")
    Path model;

    @Option(names = "--profile", paramLabel = "NAME", defaultValue = "local",
            description = "Device profile (see `edgellm profiles`), default: local")
    String profile;

    @Option(names = "--ctx", paramLabel = "N", description = "Context length to check (default: the largest that fits)")
    Integer ctx;

    @Option(names = "--kv-type", paramLabel = "T", defaultValue = "auto", description = "auto, f32, f16, q8_0 or q4_0")
    String kvType;

    @Option(names = "--gpu-layers", paramLabel = "N", description = "Transformer blocks to plan on the GPU: a count, all, or auto (the plan decides from the profile; default: ${DEFAULT-VALUE})")
    String gpuLayers = "0";

    @Option(names = "--json", description = "Print JSON (DESIGN.md §2 field names)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (ctx != null && ctx <= 0) throw new Main.UsageException("--ctx must be > 0, got " + ctx);
        KvCacheType kv = GenerationPlan.kvType(kvType);
        DeviceProfile p = GenerationPlan.profile(profile, true);
        ModelSizes sizes = ModelSizes.of(GgufFile.open(model));
        Plan plan;
        try {
            // on this machine, the CPU backend generate would pick (SIMD where the Vector API runs: its repacked copies
            // and native GEMM count; asked without probing the GPU backend); for a named device the profile decides
            PlanRequest.CpuBackend cpu = !"local".equals(profile) ? null
                    : GenerationPlan.cpuBackend("simd") != null ? PlanRequest.CpuBackend.SIMD : PlanRequest.CpuBackend.SCALAR;
            plan = MemoryPlanner.plan(sizes, p, new PlanRequest(ctx == null ? 0 : ctx, kv, PlanRequest.DEFAULT_BATCH, 0,
                    GenerationPlan.gpuLayers(gpuLayers), cpu));
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage()); // e.g. a quantized KV type the model's shape cannot take
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) out.println(toJson(plan, sizes));
        else printTable(plan, p, out);
        out.flush();
        if (!plan.fits) {
            spec.commandLine().getErr().println("error: " + model.getFileName() + " does not fit " + p.id()
                    + " (" + plan.reasons.stream().filter(r -> r.startsWith("would fit")).findFirst().orElse("") + ")");
            return Main.EXIT_DOES_NOT_FIT;
        }
        return Main.EXIT_OK;
    }

    static String toJson(Plan plan, ModelSizes sizes) throws Exception {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode o = om.createObjectNode();
        o.put("fits", plan.fits);
        o.put("profile", plan.profile);
        o.put("ctx", plan.ctx);
        o.put("kv_type", plan.kvType.id());
        o.put("gpu_layers", plan.gpuLayers);
        o.put("threads", plan.threads);
        o.put("weights_bytes", plan.weightsBytes);
        o.put("kv_bytes", plan.kvBytes);
        o.put("compute_bytes", plan.computeBytes);
        o.put("overhead_bytes", plan.overheadBytes);
        o.put("predicted_peak_bytes", plan.predictedPeakBytes);
        o.put("predicted_decode_tok_s", Math.round(plan.predictedDecodeTokS * 10) / 10.0);
        ArrayNode r = o.putArray("reasons");
        plan.reasons.forEach(r::add);
        // extra fields (allowed by the contract)
        o.put("resident_weights_bytes", plan.residentWeightsBytes);
        o.put("heap_bytes", plan.heapBytes);
        o.put("gpu_bytes", plan.gpuBytes);
        o.put("budget_bytes", plan.budgetBytes);
        o.put("kv_bytes_per_token", MemoryPlanner.kvBytesPerToken(sizes.config, plan.kvType));
        ArrayNode layers = o.putArray("weights_by_layer_bytes");
        for (long b : sizes.layerBytes) layers.add(b);
        o.put("weights_outside_layers_bytes", sizes.nonLayerBytes);
        return om.writeValueAsString(o);
    }

    private static void printTable(Plan plan, DeviceProfile p, PrintWriter out) {
        out.printf("%s on %s: %s%n", plan.fits ? "FITS" : "DOES NOT FIT", p.id(), p.name());
        out.printf(Locale.ROOT, "  ctx %d, kv %s, threads %d, gpu layers %d, ~%.1f tok/s decode%n", plan.ctx,
                plan.kvType.id(), plan.threads, plan.gpuLayers, plan.predictedDecodeTokS);
        row(out, "weights (mapped)", plan.weightsBytes);
        row(out, "  resident", plan.residentWeightsBytes);
        row(out, "kv cache", plan.kvBytes);
        row(out, "compute", plan.computeBytes);
        row(out, "overhead", plan.overheadBytes);
        if (plan.gpuLayers > 0) row(out, "gpu memory", plan.gpuBytes);
        row(out, "predicted peak", plan.predictedPeakBytes);
        row(out, "usable on device", plan.budgetBytes);
        out.println("why:");
        for (String r : plan.reasons) out.println("  - " + r);
    }

    private static void row(PrintWriter out, String what, long bytes) {
        out.printf(Locale.ROOT, "  %-18s %14d B  %10.1f MiB%n", what, bytes, bytes / 1048576.0);
    }
}
