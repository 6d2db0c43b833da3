package dev.edgellm.planner;

import dev.edgellm.kv.KvCacheType;
import dev.edgellm.ModelFormatException;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.model.ModelConfig;
import dev.edgellm.profiles.DeviceProfile;
import dev.edgellm.profiles.ProfileCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The planner's arithmetic against values computed by hand from the model shapes (see comments). */
class MemoryPlannerTest {
    @TempDir Path tmp;

    static Path stories() {
        String home = System.getProperty("edgellm.home", "..");
        return Paths.get(home, "models", "stories260K-q8_0.gguf");
    }

    /** stories260K: dim 64, 5 layers, 8 heads / 4 KV heads x 8, ffn 172, vocab 512, output untied. */
    @Test
    void stories260kByHand() throws Exception {
        ModelSizes m = ModelSizes.of(GgufFile.open(stories()));
        ModelConfig c = m.config;
        assertEquals(474848, m.weightsBytes); // `edgellm info`: tensor bytes
        // untied: token_embd (64 x 512 Q8_0 = 16 blocks x 34 B x 64... = 34816 B) is not resident
        assertEquals(474848 - 34816, m.residentWeightBytes);
        // matrices 472032 B (all but 11 F32 vectors of 256 B), minus token_embd, plus one of its rows (2 blocks x 34 B)
        assertEquals(472032 - 34816 + 68, m.streamedBytesPerToken);
        // 5 layers x 2 x kvDim 32 x bytes
        assertEquals(640, MemoryPlanner.kvBytesPerToken(c, KvCacheType.F16));
        assertEquals(1280, MemoryPlanner.kvBytesPerToken(c, KvCacheType.F32));
        assertEquals(340, MemoryPlanner.kvBytesPerToken(c, KvCacheType.Q8_0)); // 34 B per 32 values
        assertEquals(180, MemoryPlanner.kvBytesPerToken(c, KvCacheType.Q4_0)); // 18 B per 32 values
        // ctx 512: 10 arrays of 512 x 32 elements + 16 B header, + 2 outer Object[5] of 40 B
        assertEquals(10 * (512 * 32 * 2 + 16) + 80, MemoryPlanner.kvBytes(c, 512, KvCacheType.F16));
        assertEquals(10 * (512 * 32 * 4 + 16) + 80, MemoryPlanner.kvBytes(c, 512, KvCacheType.F32));
        // forward pass, batch 32: x,xb,xb2 3x8208; q,attOut 2x8208; k,v 2x4112; hb,hb2 2x22032; att 2064;
        // logits 2064; invFreq 48 = 97504; session history + output ids 2x2064; sampler 2x4112 + 3x2064
        assertEquals(97504 + 4128 + 14416, MemoryPlanner.computeBytes(c, 512, 32));
    }

    @Test
    void presetWeightsMatchHandComputedAndRealFiles() throws Exception {
        ModelSizes llama = sizes(TestHeaders.LLAMA_1B, TestHeaders.Q4_0);
        // embd 2048x128256 + 16 x (q 2048^2, k/v 2048x512, o 2048^2, 3 x 2048x8192) in Q4_0 (18 B / 32), plus
        // F32 norms (33 x 2048 x 4) and rope_freqs (32 x 4)
        assertEquals(695378048L, llama.weightsBytes);
        assertEquals(llama.weightsBytes, llama.residentWeightBytes, "tied output: token_embd is streamed too");
        ModelSizes qwen = sizes(TestHeaders.QWEN2_05B, TestHeaders.Q8_0);
        assertEquals(525120000L, qwen.weightsBytes);
        // same numbers as the generated bench files (gen_gguf.py), when they are there
        Path real = Paths.get(System.getProperty("user.home"), ".cache/edgellm-bench/models/llama-1b-q4_0.gguf");
        if (Files.isRegularFile(real)) assertEquals(llama.weightsBytes, ModelSizes.of(GgufFile.open(real)).weightsBytes);
    }

    /** llama.cpp reports the same cache sizes: Llama-3.2-1B 128 MiB f16 / 68 MiB q8_0 at 4096; Qwen2.5-0.5B 48 MiB f16. */
    @Test
    void kvSizesMatchLlamaCpp() throws Exception {
        ModelConfig llama = sizes(TestHeaders.LLAMA_1B, TestHeaders.Q4_0).config;
        assertEquals(32768, MemoryPlanner.kvBytesPerToken(llama, KvCacheType.F16));
        assertEquals(128L << 20, 4096 * MemoryPlanner.kvBytesPerToken(llama, KvCacheType.F16));
        assertEquals(68L << 20, 4096 * MemoryPlanner.kvBytesPerToken(llama, KvCacheType.Q8_0));
        assertEquals(36L << 20, 4096 * MemoryPlanner.kvBytesPerToken(llama, KvCacheType.Q4_0));
        ModelConfig qwen = sizes(TestHeaders.QWEN2_05B, TestHeaders.Q8_0).config;
        assertEquals(48L << 20, 4096 * MemoryPlanner.kvBytesPerToken(qwen, KvCacheType.F16));
    }

    @Test
    void peakIsTheSumOfItsParts() throws Exception {
        ModelSizes m = sizes(TestHeaders.LLAMA_1B, TestHeaders.Q4_0);
        Plan p = MemoryPlanner.plan(m, ProfileCatalog.builtin().get("rpi5-8gb"), PlanRequest.of(4096, null));
        assertTrue(p.fits);
        assertEquals(KvCacheType.F16, p.kvType);
        assertEquals(4096, p.ctx);
        assertEquals(4, p.threads);
        assertEquals(0, p.gpuLayers);
        assertEquals(p.residentWeightsBytes + p.kvBytes + p.computeBytes + p.overheadBytes, p.predictedPeakBytes);
        // the Pi runs the SIMD backend with 128-bit NEON: Q4_0 repacked (its 128-bit kernel; the copy replaces the
        // mapped pages, so only the format's compiled kernels and its activations broadcast from memory count), no pairs
        assertEquals(JavaHeap.JVM_BASELINE_BYTES + m.modelHeapBytes + MemoryPlanner.SIMD_BASE_BYTES + MemoryPlanner.SIMD_PREFILL_BYTES
                + MemoryPlanner.SIMD_REPACKED_FORMAT_BYTES + MemoryPlanner.SIMD_MEMORY_BROADCAST_BYTES, p.overheadBytes);
        // decode ceiling: 9 GB/s / (weights matrices + half of the 4096-token cache)
        double perToken = m.streamedBytesPerToken + p.kvBytes / 2.0;
        assertEquals(9e9 / perToken, p.predictedDecodeTokS, 1e-9);
    }

    @Test
    void theCpuBackendsAllocationsAreCounted() throws Exception {
        ModelSizes m = sizes(TestHeaders.LLAMA_1B, TestHeaders.Q4_0);
        DeviceProfile laptop = ProfileCatalog.builtin().get("x86-laptop-16gb");
        PlanRequest req = PlanRequest.of(4096, KvCacheType.F16);
        Plan scalar = MemoryPlanner.plan(m, laptop, req.withCpuBackend(PlanRequest.CpuBackend.SCALAR));
        Plan simd = MemoryPlanner.plan(m, laptop, req.withCpuBackend(PlanRequest.CpuBackend.SIMD));
        assertEquals(JavaHeap.JVM_BASELINE_BYTES + m.modelHeapBytes, scalar.overheadBytes);
        // AVX2: base + prefill + one repacked format (Q4_0, dotted in pairs of groups, its activations broadcast from
        // memory; the F32 norms are not matrices)
        long q4_0 = MemoryPlanner.SIMD_REPACKED_FORMAT_BYTES + MemoryPlanner.SIMD_PAIRED_FORMAT_BYTES
                + MemoryPlanner.SIMD_MEMORY_BROADCAST_BYTES;
        assertEquals(MemoryPlanner.SIMD_BASE_BYTES + MemoryPlanner.SIMD_PREFILL_BYTES + q4_0, simd.overheadBytes - scalar.overheadBytes);
        assertEquals(simd.predictedPeakBytes, MemoryPlanner.plan(m, laptop, req).predictedPeakBytes, "unset: SIMD on a JVM profile");
        assertTrue(simd.reasons.stream().anyMatch(r -> r.contains("for the simd CPU backend")), simd.reasons.toString());
        // a single-token batch never reaches the prefill path
        assertEquals(MemoryPlanner.SIMD_BASE_BYTES + q4_0, MemoryPlanner.backendBytes(m, laptop, PlanRequest.CpuBackend.SIMD, 1));
        // with AVX-512BW the Q4_0 pair kernel runs at 512 bits, a smaller compile: no pair term
        assertEquals(MemoryPlanner.SIMD_BASE_BYTES + MemoryPlanner.SIMD_REPACKED_FORMAT_BYTES
                + MemoryPlanner.SIMD_MEMORY_BROADCAST_BYTES, MemoryPlanner.backendBytes(m,
                laptop.withIsa(java.util.List.of("avx512f", "avx512bw")), PlanRequest.CpuBackend.SIMD, 1));
        // Android caps the heap and has no Vector API: the scalar backend is implied
        DeviceProfile phone = ProfileCatalog.builtin().get("android-flagship-12gb");
        Plan onPhone = MemoryPlanner.plan(m, phone, req);
        assertEquals(JavaHeap.JVM_BASELINE_BYTES + m.modelHeapBytes, onPhone.overheadBytes);
        assertTrue(onPhone.reasons.stream().anyMatch(r -> r.contains("scalar CPU backend (the profile caps the Java heap")),
                onPhone.reasons.toString());
    }

    @Test
    void largestContextIsTheLargestThatFits() throws Exception {
        ModelSizes m = sizes(TestHeaders.LLAMA_1B, TestHeaders.Q4_0);
        DeviceProfile pi = ProfileCatalog.builtin().get("rpi4-4gb");
        Plan p = MemoryPlanner.plan(m, pi, PlanRequest.auto());
        assertTrue(p.fits);
        assertEquals(0, p.ctx % 256);
        assertTrue(p.predictedPeakBytes <= pi.ramUsableBytes());
        Plan bigger = MemoryPlanner.plan(m, pi, PlanRequest.of(p.ctx + 256, KvCacheType.F16));
        assertFalse(bigger.fits, "256 more tokens must not fit");
        assertTrue(bigger.reasons.stream().anyMatch(r -> r.startsWith("would fit: --ctx " + p.ctx + " with f16")), bigger.reasons.toString());
    }

    @Test
    void androidHeapCapBindsTheKvCache() throws Exception {
        ModelSizes m = sizes(TestHeaders.LLAMA_1B, TestHeaders.Q4_0);
        DeviceProfile phone = ProfileCatalog.builtin().get("android-flagship-12gb");
        Plan p = MemoryPlanner.plan(m, phone, PlanRequest.auto());
        assertTrue(p.fits);
        assertEquals(KvCacheType.F16, p.kvType);
        assertTrue(p.heapBytes <= phone.heapLimitBytes(), "heap " + p.heapBytes);
        // 32768 x 32 KiB of f16 cannot live in a 512 MiB heap, q8_0 (544 MiB) neither: auto falls to q4_0
        Plan auto = MemoryPlanner.plan(m, phone, PlanRequest.of(32768, null));
        assertTrue(auto.fits);
        assertEquals(KvCacheType.Q4_0, auto.kvType);
        assertTrue(auto.reasons.stream().anyMatch(r -> r.startsWith("kv_type: q4_0 (auto: f16 and q8_0 do not fit")), auto.reasons.toString());
        Plan f16 = MemoryPlanner.plan(m, phone, PlanRequest.of(32768, KvCacheType.F16));
        assertFalse(f16.fits);
        String all = String.join("\n", f16.reasons);
        assertTrue(all.contains("of Java heap (cap 512.0 MiB"), all);
        assertTrue(all.contains("--kv-type q4_0 at ctx 32768") && all.contains("--kv-type q8_0 up to ctx"), all);
    }

    @Test
    void refusesWhenWeightsAloneDoNotFitAndSaysWhatWould() throws Exception {
        ModelSizes m = sizes(TestHeaders.QWEN2_05B, TestHeaders.Q8_0);
        DeviceProfile tiny = new DeviceProfile("tiny", "tiny", 600L << 20, 500L << 20, 0, 1, 1, 1, 0,
                java.util.List.of(), null, java.util.Map.of());
        Plan p = MemoryPlanner.plan(m, tiny, PlanRequest.auto());
        assertFalse(p.fits);
        String all = String.join("\n", p.reasons);
        assertTrue(all.contains("does not fit: needs"), all);
        assertTrue(all.contains("a Q4_0 quant"), all);
    }

    @Test
    void quantizedKvSizedAsTheRuntimeAllocatesIt() throws Exception {
        ModelSizes m = ModelSizes.of(GgufFile.open(stories()));
        Plan p = MemoryPlanner.plan(m, ProfileCatalog.builtin().get("rpi5-4gb"), PlanRequest.of(512, KvCacheType.Q8_0));
        // QuantKvCache: per layer K and V byte[512 x 34] (+16 B header), 2 outer arrays of 5 references (40 B)
        assertEquals(2 * (40 + 5 * (512 * 34 + 16)), p.kvBytes);
        assertEquals(2L * 5 * 512 * 34, dev.edgellm.kv.KvCache.allocate(dev.edgellm.kv.KvCacheType.Q8_0, 5, 512, 32).bytes());
    }

    @Test
    void badInputsGiveClearErrors() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PlanRequest.of(-1, null));
        assertTrue(e.getMessage().contains("context length must be > 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ProfileCatalog.builtin().get("pi9"));
        assertTrue(e.getMessage().contains("unknown device profile 'pi9'") && e.getMessage().contains("rpi5-8gb"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KvCacheType.parse("q3"));
        assertTrue(e.getMessage().contains("(supported: f32, f16, q8_0, q4_0)"), e.getMessage());

        // nonsense metadata: zero layers, KV heads that do not divide the heads, missing embedding
        TestHeaders h = TestHeaders.preset(TestHeaders.LLAMA_110M, TestHeaders.Q8_0).put("llama.block_count", 0);
        ModelFormatException f = assertThrows(ModelFormatException.class,
                () -> ModelSizes.of(GgufFile.open(h.write(tmp.resolve("a.gguf")))));
        assertTrue(f.getMessage().contains("llama.block_count"), f.getMessage());
        TestHeaders h2 = TestHeaders.preset(TestHeaders.LLAMA_110M, TestHeaders.Q8_0).put("llama.attention.head_count_kv", 5);
        f = assertThrows(ModelFormatException.class, () -> ModelSizes.of(GgufFile.open(h2.write(tmp.resolve("b.gguf")))));
        assertTrue(f.getMessage().contains("head_count_kv"), f.getMessage());
        TestHeaders h3 = new TestHeaders().put("general.architecture", "llama").put("llama.block_count", 1)
                .put("llama.embedding_length", 64).put("llama.feed_forward_length", 128).put("llama.attention.head_count", 8)
                .put("llama.vocab_size", 10).tensor("output_norm.weight", TestHeaders.F32, 64);
        f = assertThrows(ModelFormatException.class, () -> ModelSizes.of(GgufFile.open(h3.write(tmp.resolve("c.gguf")))));
        assertTrue(f.getMessage().contains("token_embd.weight"), f.getMessage());
        // a block-quantized cache needs kvDim to be a multiple of 32: 3 KV heads x 8 = 24
        TestHeaders h4 = new TestHeaders().put("general.architecture", "llama").put("llama.block_count", 1)
                .put("llama.embedding_length", 48).put("llama.feed_forward_length", 64).put("llama.attention.head_count", 6)
                .put("llama.attention.head_count_kv", 3).put("llama.vocab_size", 10)
                .tensor("token_embd.weight", TestHeaders.F32, 48, 10);
        ModelSizes odd = ModelSizes.of(GgufFile.open(h4.write(tmp.resolve("d.gguf"))));
        e = assertThrows(IllegalArgumentException.class,
                () -> MemoryPlanner.plan(odd, ProfileCatalog.builtin().get("rpi5-4gb"), PlanRequest.of(512, KvCacheType.Q4_0)));
        assertTrue(e.getMessage().contains("multiple of 32"), e.getMessage());
    }

    private ModelSizes sizes(TestHeaders.Preset p, int type) throws Exception {
        Path f = TestHeaders.preset(p, type).write(tmp.resolve(p.name + ".gguf"));
        return ModelSizes.of(GgufFile.open(f));
    }
}
