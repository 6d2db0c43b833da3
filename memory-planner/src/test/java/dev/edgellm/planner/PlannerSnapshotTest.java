package dev.edgellm.planner;

import dev.edgellm.kv.KvCacheType;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.profiles.DeviceProfile;
import dev.edgellm.profiles.ProfileCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Planner answers for every catalogue profile x bench model (headers built from the gen_gguf.py presets)
 * must stay what src/test/resources/planner-snapshot.txt says. After an intended change, regenerate with
 * {@code mvn test -pl memory-planner -Dplanner.snapshot.update=true} and review the diff.
 */
class PlannerSnapshotTest {
    static final String SNAPSHOT = "planner-snapshot.txt";
    @TempDir Path tmp;

    @Test
    void everyProfileTimesEveryBenchModel() throws Exception {
        Object[][] models = {{TestHeaders.LLAMA_1B, TestHeaders.Q4_0, "q4_0"}, {TestHeaders.QWEN2_05B, TestHeaders.Q8_0, "q8_0"},
                {TestHeaders.LLAMA_110M, TestHeaders.Q4_0, "q4_0"}};
        PlanRequest[] requests = {PlanRequest.auto(), PlanRequest.of(4096, null), PlanRequest.of(16384, null),
                PlanRequest.of(16384, KvCacheType.Q4_0),
                new PlanRequest(4096, null, PlanRequest.DEFAULT_BATCH, 0, PlanRequest.GPU_AUTO)};
        StringBuilder sb = new StringBuilder("# model profile request -> fits ctx kv threads gpu peak_bytes tok_s\n");
        for (Object[] mo : models) {
            TestHeaders.Preset preset = (TestHeaders.Preset) mo[0];
            String name = preset.name + "-" + mo[2];
            ModelSizes m = ModelSizes.of(GgufFile.open(TestHeaders.preset(preset, (Integer) mo[1]).write(tmp.resolve(name + ".gguf"))));
            for (DeviceProfile p : ProfileCatalog.builtin().all()) {
                for (PlanRequest r : requests) {
                    Plan plan = MemoryPlanner.plan(m, p, r);
                    assertFalse(plan.reasons.isEmpty());
                    if (!plan.fits) {
                        assertTrue(plan.reasons.stream().anyMatch(x -> x.startsWith("would fit: ")), plan.reasons.toString());
                    } else {
                        assertTrue(plan.predictedPeakBytes <= p.ramUsableBytes());
                    }
                    if (r.gpuLayers == PlanRequest.GPU_AUTO) {
                        boolean pays = p.gpu() != null && p.gpu().offloadPays;
                        assertEquals(pays ? m.config.layers : 0, plan.gpuLayers, p.id() + ": auto offloads all blocks where it pays");
                        assertEquals(pays, plan.gpuBytes > 0);
                    }
                    sb.append(String.format(Locale.ROOT, "%s %s ctx=%s,kv=%s%s -> %s %d %s %d %d %d %.2f%n", name, p.id(),
                            r.ctx == 0 ? "auto" : r.ctx, r.kvType == null ? "auto" : r.kvType.id(),
                            r.gpuLayers == PlanRequest.GPU_AUTO ? ",gpu=auto" : "", plan.fits ? "fits" : "refused",
                            plan.ctx, plan.kvType.id(), plan.threads, plan.gpuLayers, plan.predictedPeakBytes, plan.predictedDecodeTokS));
                }
            }
        }
        String actual = sb.toString();
        if (Boolean.getBoolean("planner.snapshot.update")) {
            Path out = Paths.get("src/test/resources", SNAPSHOT);
            Files.createDirectories(out.getParent());
            Files.writeString(out, actual);
            return;
        }
        String expected;
        try (InputStream in = getClass().getResourceAsStream("/" + SNAPSHOT)) {
            if (in == null) throw new AssertionError(SNAPSHOT + " missing: run with -Dplanner.snapshot.update=true");
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(expected, actual, "planner answers changed; if intended, regenerate the snapshot (see class comment)");
    }
}
