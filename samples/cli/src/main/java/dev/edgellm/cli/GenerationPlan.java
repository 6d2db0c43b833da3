package dev.edgellm.cli;

import dev.edgellm.Engine;
import dev.edgellm.ModelFormatException;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.model.ModelConfig;
import dev.edgellm.kv.KvCacheType;
import dev.edgellm.planner.MemoryPlanner;
import dev.edgellm.planner.ModelSizes;
import dev.edgellm.planner.Plan;
import dev.edgellm.planner.PlanRequest;
import dev.edgellm.profiles.DeviceProfile;
import dev.edgellm.profiles.ProfileCatalog;

import java.io.PrintWriter;


/**
 * The memory plan a command runs under (DESIGN.md §2: generate and serve plan by default): from the GGUF
 * header and a device profile, before any weight is mapped. Without {@code --ctx} it asks for the session
 * default (min(trained, 4096)) and, if that does not fit, for the largest context that does.
 */
final class GenerationPlan {
    private GenerationPlan() {}

    /** {@code auto} → null (the planner chooses); else the named type; usage error naming the choices. */
    static KvCacheType kvType(String name) {
        try {
            return name.equalsIgnoreCase("auto") ? null : KvCacheType.parse(name);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--kv-type: " + e.getMessage() + ", or auto");
        }
    }

    /** {@code --gpu-layers}: {@code auto} (the plan decides), {@code all}, or a count >= 0; usage error otherwise. */
    static int gpuLayers(String value) {
        if (value.equalsIgnoreCase("auto")) return PlanRequest.GPU_AUTO;
        if (value.equalsIgnoreCase("all")) return -1;
        try {
            int n = Integer.parseInt(value);
            if (n >= 0) return n;
        } catch (NumberFormatException ignored) {
            // the message below
        }
        throw new Main.UsageException("--gpu-layers must be a count >= 0, all or auto, got '" + value + "'");
    }

    /**
     * A catalogue profile or {@code local}; usage error listing the known ones. Only {@code plan} measures
     * this machine's bandwidth (for its tok/s estimate): a run's fit does not need it.
     */
    static DeviceProfile profile(String name, boolean measureBandwidth) {
        return profile(name, measureBandwidth, measureBandwidth);
    }

    /** As {@link #profile(String, boolean)}; {@code probeGpu}: {@code local} asks the GPU backend (--gpu-layers auto). */
    static DeviceProfile profile(String name, boolean measureBandwidth, boolean probeGpu) {
        try {
            return ProfileCatalog.builtin().get(name, measureBandwidth, probeGpu);
        } catch (ProfileCatalog.UnknownProfileException e) {
            throw new Main.UsageException(e.getMessage());
        }
    }

    /**
     * {@link #plan} that must fit: prints the one-line plan summary on {@code err}, or throws
     * {@link Main.DoesNotFitException} (exit 4) with the planner's reasons.
     */
    static Plan require(GgufFile model, String profileName, int ctx, String kvTypeName, int batch, String gpuLayers,
                        String backend, PrintWriter err) throws ModelFormatException {
        ModelSizes sizes = ModelSizes.of(model);
        Plan plan = plan(sizes, profileName, ctx, kvTypeName, batch, gpuLayers(gpuLayers), cpuBackend(backend));
        if (!plan.fits) {
            throw new Main.DoesNotFitException(model.path().getFileName() + " does not fit profile " + plan.profile + ":"
                    + System.lineSeparator() + "  " + String.join(System.lineSeparator() + "  ", plan.reasons));
        }
        err.printf("[plan] profile %s | ctx %d | kv %s | predicted peak %.0f MiB%s%n", plan.profile, plan.ctx,
                plan.kvType.id(), plan.predictedPeakBytes / 1048576.0, plan.gpuLayers == 0 ? ""
                        : String.format(java.util.Locale.ROOT, " | gpu layers %d, %.0f MiB on the GPU", plan.gpuLayers, plan.gpuBytes / 1048576.0));
        int trained = sizes.config.trainedContext;
        if (plan.ctx > trained) {
            err.printf("[warn] ctx %d is beyond the %d tokens the model was trained on: expect degraded text past %d%n",
                    plan.ctx, trained, trained);
        }
        return plan;
    }

    /**
     * The CPU backend this process will run (the plan counts its allocations): the one {@code --backend} names or
     * {@code auto} picks here; null (the profile decides) for a GPU backend, or a name the load will reject anyway.
     */
    static PlanRequest.CpuBackend cpuBackend(String backend) {
        String name;
        try {
            name = Engine.builder().backend(backend).build().backendName();
        } catch (RuntimeException e) {
            return null;
        }
        return switch (name) {
            case "scalar" -> PlanRequest.CpuBackend.SCALAR;
            case "simd" -> PlanRequest.CpuBackend.SIMD;
            default -> null;
        };
    }

    private static Plan plan(ModelSizes sizes, String profileName, int ctx, String kvTypeName, int batch, int gpu,
                             PlanRequest.CpuBackend cpu) {
        KvCacheType kv = kvType(kvTypeName);
        DeviceProfile profile = profile(profileName, false, gpu == PlanRequest.GPU_AUTO);
        try {
            if (ctx > 0) return MemoryPlanner.plan(sizes, profile, new PlanRequest(ctx, kv, batch, 0, gpu, cpu));
            ModelConfig c = sizes.config;
            Plan preferred = MemoryPlanner.plan(sizes, profile, new PlanRequest(Math.min(c.trainedContext, 4096), kv, batch, 0, gpu, cpu));
            return preferred.fits ? preferred : MemoryPlanner.plan(sizes, profile, new PlanRequest(0, kv, batch, 0, gpu, cpu));
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage()); // e.g. a quantized KV type the model's shape cannot take
        }
    }
}
