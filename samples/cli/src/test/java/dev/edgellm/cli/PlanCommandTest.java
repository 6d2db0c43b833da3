package dev.edgellm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code plan} and {@code profiles}: DESIGN.md §2 JSON field names and exit codes. */
class PlanCommandTest {
    static final String MODEL = CliRun.MODEL;

    private static String[] run(int expectedCode, String... args) {
        return CliRun.run(expectedCode, args);
    }

    @Test
    void jsonHasTheContractFields() throws Exception {
        String out = run(0, "plan", "-m", MODEL, "--profile", "rpi5-4gb", "--ctx", "512", "--json")[0];
        JsonNode j = new ObjectMapper().readTree(out);
        List<String> names = new ArrayList<>();
        j.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("fits", "profile", "ctx", "kv_type", "gpu_layers", "threads", "weights_bytes", "kv_bytes",
                "compute_bytes", "overhead_bytes", "predicted_peak_bytes", "predicted_decode_tok_s", "reasons"),
                names.subList(0, 13));
        assertTrue(j.get("fits").asBoolean());
        assertEquals("rpi5-4gb", j.get("profile").asText());
        assertEquals(512, j.get("ctx").asInt());
        assertEquals("f16", j.get("kv_type").asText());
        assertEquals(474848, j.get("weights_bytes").asLong());
        assertEquals(327920, j.get("kv_bytes").asLong()); // 10 x (512 x 32 x 2 + 16) + 80, see MemoryPlannerTest
        assertEquals(j.get("predicted_peak_bytes").asLong(), j.get("resident_weights_bytes").asLong() + j.get("kv_bytes").asLong()
                + j.get("compute_bytes").asLong() + j.get("overhead_bytes").asLong());
        assertTrue(j.get("reasons").size() > 5);
        assertEquals(640, j.get("kv_bytes_per_token").asLong()); // 5 layers x 2 x 32 x 2 B
        long sum = j.get("weights_outside_layers_bytes").asLong();
        for (JsonNode b : j.get("weights_by_layer_bytes")) sum += b.asLong();
        assertEquals(5, j.get("weights_by_layer_bytes").size());
        assertEquals(474848, sum);
    }

    /**
     * On the local profile the plan counts the CPU backend generate would run (the SIMD one where this JVM has the
     * Vector API), as generate's own plan does; the planner's profile heuristic (a heap cap means Android, scalar)
     * misread this machine's JVM heap limit.
     */
    @Test
    void theLocalPlanCountsTheCpuBackendThatWouldRun() throws Exception {
        boolean simd = GenerationPlan.cpuBackend("simd") != null;
        JsonNode j = new ObjectMapper().readTree(run(0, "plan", "-m", MODEL, "--ctx", "512", "--json")[0]);
        String reasons = j.get("reasons").toString();
        assertTrue(reasons.contains(simd ? "for the simd CPU backend" : "for the scalar CPU backend"), reasons);
    }

    /** GPU layers: the planned device memory, host KV only for the CPU blocks, auto from the profile, bad values. */
    @Test
    void gpuLayersArePlanned() throws Exception {
        ObjectMapper om = new ObjectMapper();
        JsonNode cpu = om.readTree(run(0, "plan", "-m", MODEL, "--profile", "rpi5-4gb", "--ctx", "512", "--json")[0]);
        JsonNode gpu = om.readTree(run(0, "plan", "-m", MODEL, "--profile", "rpi5-4gb", "--ctx", "512", "--gpu-layers", "3", "--json")[0]);
        assertEquals(3, gpu.get("gpu_layers").asInt());
        assertEquals(0, cpu.get("gpu_bytes").asLong());
        // host KV keeps 2 of 5 blocks: 2 x (512 x 32 x 2 + 16) x 2 + 3 empty arrays x 2 x 16 + 2 x 40 (outer arrays)
        assertEquals(2 * 2 * (512 * 32 * 2 + 16) + 3 * 2 * 16 + 2 * 40, gpu.get("kv_bytes").asLong());
        long layers = 0;
        for (int l = 0; l < 3; l++) layers += gpu.get("weights_by_layer_bytes").get(l).asLong();
        long kv = 3L * 2 * 512 * 32 * 2;
        long scratch = 256L * (3 * 64 + 8 + 2 * 64 + 2 * 32 + 2 * 172) * 4, io = 256L * (64 + 8) * 4;
        assertEquals(layers + kv + scratch + io, gpu.get("gpu_bytes").asLong(), "weights of 3 blocks + their f16 KV + scratch + io");
        // the Pi's profile has a GPU on unified memory: the GPU memory is part of the peak
        assertEquals(gpu.get("resident_weights_bytes").asLong() + gpu.get("kv_bytes").asLong() + gpu.get("compute_bytes").asLong()
                + gpu.get("overhead_bytes").asLong() + gpu.get("gpu_bytes").asLong(), gpu.get("predicted_peak_bytes").asLong());
        JsonNode all = om.readTree(run(0, "plan", "-m", MODEL, "--profile", "jetson-orin-nano-8gb", "--gpu-layers", "auto", "--json")[0]);
        assertEquals(5, all.get("gpu_layers").asInt(), "auto: offload pays on the Orin profile");
        JsonNode none = om.readTree(run(0, "plan", "-m", MODEL, "--profile", "rpi5-4gb", "--gpu-layers", "auto", "--json")[0]);
        assertEquals(0, none.get("gpu_layers").asInt(), "auto: it does not on a Pi 5");
        assertTrue(run(2, "plan", "-m", MODEL, "--gpu-layers", "-3")[1].contains("--gpu-layers must be a count >= 0, all or auto"));
        assertTrue(run(2, "plan", "-m", MODEL, "--gpu-layers", "2", "--kv-type", "q4_0")[1].contains("q4_0 has no GPU kernel"));
    }

    @Test
    void tableExplainsTheChoices() {
        String out = run(0, "plan", "-m", MODEL, "--profile", "android-midrange-6gb")[0];
        assertTrue(out.startsWith("FITS on android-midrange-6gb"), out);
        assertTrue(out.contains("context: 2048 tokens, the largest that fits (the model's trained context)"), out);
        assertTrue(out.contains("gpu_layers: 0"), out);
    }

    @Test
    void doesNotFitExitsWith4AndSaysWhatWould() {
        String[] r = run(Main.EXIT_DOES_NOT_FIT, "plan", "-m", MODEL, "--profile", "android-midrange-6gb", "--ctx", "2000000",
                "--kv-type", "f32");
        assertTrue(r[0].contains("DOES NOT FIT") && r[0].contains("would fit: --ctx"), r[0]);
        assertTrue(r[1].contains("does not fit android-midrange-6gb"), r[1]);
    }

    @Test
    void generateAndServeRefuseWith4BeforeLoadingWhatDoesNotFit() {
        for (String cmd : new String[] {"generate -p x", "serve --port 1"}) {
            List<String> args = new ArrayList<>(List.of(cmd.split(" ")));
            args.addAll(List.of("-m", MODEL, "--profile", "android-midrange-6gb", "--ctx", "2000000", "--kv-type", "f32"));
            String err = run(Main.EXIT_DOES_NOT_FIT, args.toArray(new String[0]))[1];
            assertTrue(err.contains("stories260K-q8_0.gguf does not fit profile android-midrange-6gb") && err.contains("would fit: --ctx"), cmd + ": " + err);
        }
    }

    @Test
    void generateWarnsBeyondTheTrainedContext() {
        String err = run(0, "generate", "-m", MODEL, "--ctx", "4096", "-n", "2", "--temp", "0", "-p", "Once")[1];
        assertTrue(err.contains("[plan] profile local | ctx 4096 | kv f16"), err);
        assertTrue(err.contains("ctx 4096 is beyond the 2048 tokens the model was trained on"), err);
    }

    @Test
    void usageErrors() {
        assertTrue(run(Main.EXIT_USAGE, "plan", "-m", MODEL, "--profile", "pi9")[1].contains("unknown device profile 'pi9' (known: rpi4-4gb"));
        assertTrue(run(Main.EXIT_USAGE, "plan", "-m", MODEL, "--ctx", "0")[1].contains("--ctx must be > 0, got 0"));
        assertTrue(run(Main.EXIT_USAGE, "plan", "-m", MODEL, "--kv-type", "q3")[1].contains("unknown KV cache type 'q3'"));
        run(Main.EXIT_BAD_MODEL, "plan", "-m", "no-such-file.gguf");
    }

    @Test
    void profilesListsCatalogueAndLocal() {
        String out = run(0, "profiles")[0];
        for (String id : new String[] {"rpi4-4gb", "rpi5-16gb", "jetson-orin-nano-8gb", "rk3588-16gb", "android-flagship-12gb",
                "android-midrange-6gb", "x86-laptop-16gb", "local"}) {
            assertTrue(out.contains("\n" + id + " "), id + " in\n" + out);
        }
    }
}
