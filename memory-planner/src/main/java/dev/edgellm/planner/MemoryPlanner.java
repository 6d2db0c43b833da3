package dev.edgellm.planner;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.kv.KvCacheType;
import dev.edgellm.model.ModelConfig;
import dev.edgellm.profiles.DeviceProfile;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Fits a model to a device before a byte of weights is read. Memory model (each term mirrors an allocation
 * in runtime-core, so the two must change together):
 * <ul>
 *   <li>weights: mapped, resident once touched (all tensors, except an untied token embedding of which only
 *       the looked-up rows load);</li>
 *   <li>KV cache: per layer one K and one V array of ctx × kvDim elements (F32KvCache/F16KvCache), or of
 *       ctx × kvDim / 32 blocks of bytes (QuantKvCache);</li>
 *   <li>compute: ForwardPass scratch (x, xb, xb2: B×dim; q, attOut: B×qDim; k, v: B×kvDim; hb, hb2:
 *       B×hidden; att: ctx; logits: vocab; RoPE frequencies), Session history and output ids (ctx each),
 *       Sampler keys/weights (vocab longs/doubles) and penalty tables (3 × vocab ints);</li>
 *   <li>overhead: the JVM baseline ({@link JavaHeap#JVM_BASELINE_BYTES}) plus the model heap (metadata,
 *       tokenizer, 1-D vectors), plus what the CPU backend adds ({@link #backendBytes}).</li>
 * </ul>
 * The peak must fit the profile's usable RAM and, where the profile caps the managed heap (Android
 * largeHeap), KV + compute + model heap must fit that cap. Stateless and thread-safe.
 */
public final class MemoryPlanner {
    /** Below this context (or the model's trained context, if smaller) a plan is not useful. */
    static final int MIN_USEFUL_CTX = 256;
    /** Largest Java array; one KV layer array must fit in it. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private MemoryPlanner() {
    }

    /** KV cache bytes as the runtime allocates them (array headers included for the heap types). */
    public static long kvBytes(ModelConfig c, int ctx, KvCacheType t) {
        return kvBytes(c, ctx, t, 0);
    }

    /** Host KV cache bytes when the first {@code gpuLayers} blocks keep theirs on the GPU (empty arrays here). */
    public static long kvBytes(ModelConfig c, int ctx, KvCacheType t, int gpuLayers) {
        long perLayerBytes = (long) ctx * t.bytes(c.kvDim());
        return 2 * (JavaHeap.array(c.layers, JavaHeap.REFERENCE) + (c.layers - gpuLayers) * JavaHeap.array(perLayerBytes, 1)
                + gpuLayers * JavaHeap.array(0, 1));
    }

    /**
     * Tensor types the Vulkan backend has matvec kernels for (its {@code KERNELS}): with every block on the GPU,
     * an output matrix of one of these types goes there too. The planned-vs-allocated GPU memory tests fail if
     * this and the backend disagree.
     */
    static final Set<GgmlType> GPU_KERNEL_TYPES = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0,
            GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);

    /**
     * Device memory of {@code layers} resident GPU blocks, as the Vulkan backend allocates it: the blocks' tensors
     * (matrices in their stored format, norms and biases as f32: the file's bytes, each buffer padded to 4), and
     * per session a KV buffer per block (K and V of ctx positions: kvDim × 4 or 2 bytes, or for q8_0 kvDim int8
     * quants plus the fp16 scales padded to whole words), a device-local scratch of one batch's activations
     * (x, xb, xb2: dim; q, attention out: qDim; k, v: kvDim; gate, up: hidden; RoPE cos/sin: ropeDim floats per
     * token) and a host-visible buffer for the residual stream and cos/sin. With every block there, the output
     * head too when {@link #GPU_KERNEL_TYPES} has its type: the output matrix, the output norm and a logits
     * buffer (vocab floats). The batch is min(batch, ctx); a device whose buffer limit holds fewer tokens of
     * scratch gets a smaller one.
     */
    public static long gpuBytes(ModelSizes m, int layers, int ctx, KvCacheType t, int batch) {
        if (layers <= 0) return 0;
        ModelConfig c = m.config;
        long weights = 0;
        for (int l = 0; l < layers; l++) weights += m.layerBytes[l];
        if (gpuHoldsOutput(m, layers)) weights += ((m.outputBytes + 3) & ~3L) + 4L * c.dim + 4L * c.vocabSize;
        int kvDim = c.kvDim();
        // q8_0: int8 quants, then fp16 scales padded to whole words per position (the GPU cache layout)
        long perPosition = t == KvCacheType.F32 ? 4L * kvDim : t == KvCacheType.F16 ? 2L * kvDim : kvDim + 4L * ((kvDim + 63) / 64);
        long kv = (long) layers * 2 * ctx * perPosition;
        long b = Math.min(batch, ctx);
        long scratch = b * (3L * c.dim + c.ropeDim + 2L * c.qDim() + 2L * c.kvDim() + 2L * c.hiddenDim) * 4;
        long io = b * ((long) c.dim + c.ropeDim) * 4;
        return weights + kv + scratch + io;
    }

    /** Whether {@code layers} GPU blocks bring the output head along (all blocks, a type with a kernel). */
    public static boolean gpuHoldsOutput(ModelSizes m, int layers) {
        return layers >= m.config.layers && GPU_KERNEL_TYPES.contains(m.outputType);
    }

    /** KV payload per token: layers × 2 (K and V) × kvDim values of the type. */
    public static long kvBytesPerToken(ModelConfig c, KvCacheType t) {
        return 2L * c.layers * t.bytes(c.kvDim());
    }

    static final long MIB = 1L << 20;
    /**
     * What the SIMD backend adds to a run over the scalar one: C2's compilation of the Vector API kernels (its
     * arenas peak at tens of MB, NMT) and their code, the worker pool, per-token quantized activations. These three
     * constants are peak-RSS differences measured on llama-1b Q4_0, qwen2-0.5b "Q4_K" and Q8_0 and llama-110m Q4_0
     * (17.7 MiB without a repacked format, 13-18 per format, 16-31 for a 340-token prefill), rounded up; llama-1b
     * Q4_K_M and Q8_0 are the independent check (BENCHMARKS.md, 2026-12-03 fifth session).
     */
    static final long SIMD_BASE_BYTES = 24 * MIB;
    /** Per repacked format the model uses (Q4_0, Q5_0, Q8_0, Q4_K: a kernel family of its own to compile). */
    static final long SIMD_REPACKED_FORMAT_BYTES = 18 * MIB;
    /**
     * More for a format whose decode kernel dots several 8-row groups at 256 bits (Q5_0's 24-row spans, Q4_0's 32-row;
     * on in JVMs started as {@code ./edgellm} starts them, see the SIMD backend's HotSpotFlags): a larger kernel for
     * C2 to compile. Peak RSS of llama-110m Q4_0 went from 286-297 to 297-316 MiB with the pair kernel (BENCHMARKS.md,
     * 2026-12-04 tenth session); 8 centres that spread. Not for Q4_0 where the backend runs its 512-bit kernel
     * (AVX-512BW): llama-110m Q4_0 peaked at 290-292 MiB with the pair kernel (twelfth session), 316.1-317.5 MiB
     * with the span kernel and this term off (eighteenth session, predicted 316.5).
     */
    static final long SIMD_PAIRED_FORMAT_BYTES = 8 * MIB;
    /**
     * More, once per model, where a repacked format's kernels broadcast activation pairs straight from native memory
     * (Q4_0, Q5_0 and the K-quants, on CPUs that repack): each broadcast inlines a memory-segment access, and C2's
     * compile of those kernels peaks higher. llama-110m Q4_0 (340-token prompt, ctx 1024) peaked at 302-304 MiB
     * before they did and at 330-335 after (BENCHMARKS.md, sixteenth session); with the seventeenth session's
     * smaller kernels PeakMemoryTest measured 307.6-322.3 MiB in 11 runs (two clusters), so 20 MiB, not the 28
     * first set. Once rather than per format, as the largest single compile sets the arena's peak, which the C
     * allocator then reuses (measured on Q4_0 only). For Q8_0 only with AVX-512BW, where its 32-row span kernel
     * runs: qwen2-0.5b Q8_0's peak in the same-run table rose from 780 to 808 MB with it (BENCHMARKS.md, nineteenth
     * session); its 8-row kernel (AVX2) broadcasts from memory too, but qwen2-0.5b Q8_0 peaked at 755-764 MiB with
     * and without that under {@code -XX:UseAVX=2}.
     */
    static final long SIMD_MEMORY_BROADCAST_BYTES = 20 * MIB;
    /** Batched prefill (4 tokens or more): OpenBLAS (library, thread buffers), dequantized tiles, batch attention. */
    static final long SIMD_PREFILL_BYTES = 24 * MIB;
    /**
     * oneDNN, which the SIMD backend loads for prefill batches of {@link #SIMD_ONEDNN_MIN_BATCH} tokens or more where
     * the CPU multiplies bf16
     * natively (AVX512_BF16, AMX): its library alone adds ~40 MiB of resident pages on loading (relocations of
     * a 90 MB C++ library), then kernels and threads. Measured 41-56 MiB of peak RSS over the OpenBLAS run on
     * llama-110m and llama-1b Q4_0 and qwen2-0.5b Q8_0 (BENCHMARKS.md, 2026-12-04 ninth session); 46 centres
     * llama-110m's spread (its peak swings by 16 MiB between runs).
     */
    static final long ONEDNN_BYTES = 46 * MIB;
    /**
     * The smallest prefill batch the SIMD backend sends to oneDNN (its {@code PrefillGemm.MIN_BATCH_BF16}, which the
     * backend's tests hold this to): from it on, {@link #ONEDNN_BYTES} counts.
     */
    public static final int SIMD_ONEDNN_MIN_BATCH = 24;
    /**
     * Bytes the CPU backend allocates beyond the forward pass's own (none for the scalar reference). The SIMD
     * backend also repacks some matrices into an off-heap copy and releases the mapped pages it replaces
     * ({@link #simdRepacks}, {@link #simdRepackedBytes}). The per-format constants were measured on x86; on NEON
     * profiles the same terms are assumed, unmeasured.
     */
    public static long backendBytes(ModelSizes m, DeviceProfile p, PlanRequest.CpuBackend cpu, int batch) {
        if (cpu != PlanRequest.CpuBackend.SIMD) return 0;
        long bytes = SIMD_BASE_BYTES + (batch >= 4 ? SIMD_PREFILL_BYTES : 0);
        if (batch >= SIMD_ONEDNN_MIN_BATCH && usesOneDnn(p)) bytes += ONEDNN_BYTES;
        boolean memoryBroadcasts = false;
        for (Map.Entry<GgmlType, Long> e : m.matrixBytes.entrySet()) {
            long repacked = simdRepackedBytes(e.getKey(), e.getValue(), p);
            if (repacked < 0) continue;
            bytes += SIMD_REPACKED_FORMAT_BYTES + repacked - e.getValue();
            if (simdNarrowPairKernel(e.getKey(), p)) bytes += SIMD_PAIRED_FORMAT_BYTES;
            memoryBroadcasts |= e.getKey() != GgmlType.Q8_0 || p.hasIsa("avx512bw");
        }
        if (memoryBroadcasts) bytes += SIMD_MEMORY_BROADCAST_BYTES;
        return bytes;
    }

    /**
     * Whether the SIMD backend dots matrices of this type with a 256-bit kernel over several groups on this profile
     * (the {@link #SIMD_PAIRED_FORMAT_BYTES} term): Q5_0's and Q4_0's spans, unless AVX-512BW runs their 512-bit
     * span kernels. The backend's tests hold this to its formats.
     */
    public static boolean simdNarrowPairKernel(GgmlType type, DeviceProfile p) {
        return (type == GgmlType.Q5_0 || type == GgmlType.Q4_0) && p.hasIsa("avx2") && !p.hasIsa("avx512bw");
    }

    /**
     * The size of the SIMD backend's repacked copy of matrices of this type that take {@code fileBytes} in the
     * file, or -1 for a type it does not repack. Its {@code Interleaved8} formats interleave 8 rows' blocks: the
     * same bytes for Q4_0, Q8_0 and Q6_K; Q4_K's and Q5_K's scales and mins are unpacked to bytes, 1184 (Q5_K: 1440)
     * per 8 rows and 256 columns instead of 1152 (1408); Q5_0's spans of 48 rows (AVX-512BW; 24 rows with AVX2) take
     * 1120 (560) bytes per 32 columns instead of 1056 (528), the same ratio at both widths (a tensor's last few groups
     * outside spans keep their size: at most 5 groups over-counted by 6%, which this size ignores). The backend's
     * tests hold this to its formats (they cannot be seen from here).
     */
    public static long simdRepackedBytes(GgmlType type, long fileBytes) {
        if (type == GgmlType.Q5_0) return fileBytes * 1120 / 1056;
        if (type == GgmlType.Q4_0 || type == GgmlType.Q8_0 || type == GgmlType.Q6_K) return fileBytes;
        if (type == GgmlType.Q4_K) return fileBytes * 1184 / 1152;
        if (type == GgmlType.Q5_K) return fileBytes * 1440 / 1408;
        return -1;
    }

    /**
     * {@link #simdRepackedBytes(GgmlType, long)} on this profile, or -1 where the backend does not repack the type there
     * ({@link #simdRepacks}). Without AVX2 (NEON's 128-bit kernels dot single groups) Q5_0 has no spans: the source's
     * size.
     */
    static long simdRepackedBytes(GgmlType type, long fileBytes, DeviceProfile p) {
        if (!simdRepacks(type, p)) return -1;
        return type == GgmlType.Q5_0 && !p.hasIsa("avx2") ? fileBytes : simdRepackedBytes(type, fileBytes);
    }

    /** Whether the SIMD backend's prefill runs oneDNN's bf16 matmul there (x86-64 with bf16 instructions). */
    static boolean usesOneDnn(DeviceProfile p) {
        return p.hasIsa("avx512_bf16") || p.hasIsa("amx_tile");
    }

    /**
     * Whether the SIMD backend repacks matrices of this type there: every type it repacks where its vectors are 256
     * bits (x86 AVX2); the same types with 128-bit NEON (their 128-bit kernels). The backend's tests hold
     * this to its formats.
     */
    public static boolean simdRepacks(GgmlType type, DeviceProfile p) {
        if (simdRepackedBytes(type, 0) < 0) return false;
        return p.hasIsa("avx2") || p.hasIsa("neon");
    }

    /** Whether the SIMD backend repacks any matrix of the model there. */
    private static boolean repacksAny(ModelSizes m, DeviceProfile p) {
        for (GgmlType type : m.matrixBytes.keySet()) if (simdRepacks(type, p)) return true;
        return false;
    }

    /** Session-owned scratch: forward pass, token history, output ids and sampler (see class comment). */
    public static long computeBytes(ModelConfig c, int ctx, int batch) {
        long b = Math.min(batch, ctx);
        long f = 3 * JavaHeap.array(b * c.dim, 4) + 2 * JavaHeap.array(b * c.qDim(), 4)
                + 2 * JavaHeap.array(b * c.kvDim(), 4) + 2 * JavaHeap.array(b * c.hiddenDim, 4)
                + JavaHeap.array(ctx, 4) + JavaHeap.array(c.vocabSize, 4) + JavaHeap.array(c.ropeDim / 2, 8);
        long session = 2 * JavaHeap.array(ctx, 4);
        long sampler = 2 * JavaHeap.array(c.vocabSize, 8) + 3 * JavaHeap.array(c.vocabSize, 4);
        return f + session + sampler;
    }

    /** Plans {@code req} for the model on the device; never throws for "does not fit", it says so in the plan. */
    public static Plan plan(ModelSizes m, DeviceProfile p, PlanRequest req) {
        ModelConfig c = m.config;
        List<String> why = new ArrayList<>();
        PlanRequest.CpuBackend cpu = req.cpuBackend != null ? req.cpuBackend
                : p.heapLimitBytes() > 0 ? PlanRequest.CpuBackend.SCALAR : PlanRequest.CpuBackend.SIMD;
        long backend = backendBytes(m, p, cpu, req.batch);
        Sizer s = new Sizer(m, p, req.batch, JavaHeap.JVM_BASELINE_BYTES + m.modelHeapBytes + backend);
        int gpu = req.gpuLayers == PlanRequest.GPU_AUTO ? (p.gpu() != null && p.gpu().offloadPays ? c.layers : 0)
                : req.gpuLayers < 0 ? c.layers : Math.min(req.gpuLayers, c.layers);
        s.gpuLayers = gpu;
        // on unified memory (phones, boards, software drivers) the GPU's buffers come out of the same RAM
        boolean gpuInRam = p.gpu() == null || p.gpu().unifiedMemory;
        s.gpuInRam = gpuInRam;
        KvCacheType kv = req.kvType != null ? req.kvType : gpu > 0 ? KvCacheType.F16
                : chooseAuto(s, c, req.ctx, Math.min(MIN_USEFUL_CTX, c.trainedContext));
        if (gpu > 0 && kv == KvCacheType.Q4_0) {
            throw new IllegalArgumentException("GPU layers keep an f16, q8_0 or f32 KV cache; q4_0 has no GPU kernel yet");
        }
        if (kv.blockSize > 1 && c.kvDim() % kv.blockSize != 0) {
            throw new IllegalArgumentException("KV type " + kv.id() + " needs the KV dimension (" + c.kvDim()
                    + ") to be a multiple of " + kv.blockSize);
        }
        int threads = req.threads > 0 ? req.threads : p.bigCores();
        int trained = c.trainedContext;
        int minCtx = Math.min(MIN_USEFUL_CTX, trained);

        int ctx;
        boolean fits;
        if (req.ctx > 0) {
            ctx = req.ctx;
            fits = s.fits(ctx, kv);
            why.add("context: " + ctx + " tokens as requested" + (ctx > trained
                    ? " (beyond the model's trained " + trained + "; quality will degrade)" : " (model trained for " + trained + ")"));
        } else {
            int best = s.largestCtx(kv, trained);
            fits = best >= minCtx;
            ctx = fits ? best : minCtx;
            why.add(fits ? "context: " + ctx + " tokens, the largest that fits" + (ctx == trained
                    ? " (the model's trained context)" : " (rounded down to a multiple of 256; model trained for " + trained + ")")
                    : "context: not even " + minCtx + " tokens fit");
        }
        if (req.kvType == null && kv == KvCacheType.F16) {
            why.add("kv_type: f16 (auto: half the bytes of f32, top-1 agreement 1.000 with f32 on stories260K; llama.cpp's default)");
        } else if (req.kvType == null) {
            why.add("kv_type: " + kv.id() + " (auto: f16" + (kv == KvCacheType.Q4_0 ? " and q8_0 do" : " does") + " not fit; "
                    + kv.id() + " stores " + kv.blockBytes + " bytes per 32 values; top-1 agreement with f16 on stories260K: "
                    + (kv == KvCacheType.Q8_0 ? "0.995" : "0.61 - expect quality loss") + ")");
        } else {
            why.add("kv_type: " + kv.id() + " as requested");
        }
        long kvBytes = kvBytes(c, ctx, kv, gpu);
        long compute = computeBytes(c, ctx, req.batch);
        long overhead = s.overhead;
        long gpuBytes = gpuBytes(m, gpu, ctx, kv, req.batch);
        long peak = m.residentWeightBytes + kvBytes + compute + overhead + (gpuInRam ? gpuBytes : 0);
        long heap = kvBytes + compute + m.modelHeapBytes;

        why.add(String.format(Locale.ROOT, "weights: %s = %d layers x ~%s + %s outside the layers (embedding, output, "
                        + "norms); mapped from the file, not heap; %s resident once touched%s",
                mib(m.weightsBytes), c.layers, mib(avg(m.layerBytes)), mib(m.nonLayerBytes), mib(m.residentWeightBytes),
                m.tiedOutput ? "" : " (untied token_embd: only looked-up rows load)"));
        why.add(String.format(Locale.ROOT, "kv cache: %d layers x 2 (K,V) x %d (%d kv heads x %d) x %s = %d bytes/token; %s at ctx %d",
                c.layers, c.kvDim(), c.kvHeads, c.headDim, kv.blockSize == 1 ? kv.blockBytes + " B" : kv.blockBytes + "/" + kv.blockSize + " B",
                kvBytesPerToken(c, kv), mib(kvBytes), ctx));
        why.add("compute: " + mib(compute) + " of session scratch (batch " + Math.min(req.batch, ctx)
                + ": activations, attention row, logits, token history, sampler)");
        why.add("overhead: JVM baseline " + mib(JavaHeap.JVM_BASELINE_BYTES) + " (measured) + model heap "
                + mib(m.modelHeapBytes) + " (metadata strings, tokenizer tables, norms) + " + mib(backend) + " for the "
                + cpu.name().toLowerCase(Locale.ROOT) + " CPU backend" + (cpu == PlanRequest.CpuBackend.SIMD
                ? " (compiled vector kernels, " + (repacksAny(m, p) ? "their repacked layouts, " : "") + "prefill scratch"
                        + (req.batch >= SIMD_ONEDNN_MIN_BATCH && usesOneDnn(p) ? ", oneDNN for bf16 prefill" : "") + "; measured)"
                : req.cpuBackend == null ? " (the profile caps the Java heap: Android, no Vector API)" : ""));
        why.add("budget: " + p.id() + " lets the app use " + mib(p.ramUsableBytes()) + " of " + mib(p.ramTotalBytes())
                + (p.heapLimitBytes() > 0 ? "; Java heap capped at " + mib(p.heapLimitBytes()) + " (needs " + mib(heap) + ")" : ""));
        why.add("threads: " + threads + (req.threads > 0 ? " as requested" : p.littleCores() > 0
                ? " (the big cores; decode is memory-bound and little cores would hold the big ones back at each barrier)"
                : " (all cores)"));
        String gpuWhy = req.gpuLayers == PlanRequest.GPU_AUTO
                ? (p.gpu() == null ? "auto: the profile has no GPU" : p.gpu().offloadPays ? "auto: offload pays on " + p.gpu().name
                        : "auto: offload does not pay on this device: " + p.gpu().offloadEvidence)
                : "as requested";
        why.add("gpu_layers: " + gpu + " of " + c.layers + " (" + gpuWhy + ")" + (gpu == 0 ? "" : "; GPU memory "
                + mib(gpuBytes) + " (weights of those blocks" + (gpuHoldsOutput(m, gpu) ? " and of the output head" : "")
                + ", their KV cache and one batch of scratch)"
                + (gpuInRam ? ", counted in the peak: unified memory" : ", in the GPU's own memory")));
        double perToken = m.streamedBytesPerToken + kvBytes / 2.0;
        double tokS = p.bandwidthEffectiveGBs() * 1e9 / perToken;
        why.add(String.format(Locale.ROOT, "decode: ~%.1f tok/s = %.1f GB/s effective bandwidth / %.1f MB read per token "
                + "(weights + half the KV cache); a memory-bound ceiling, compute-bound backends run below it",
                tokS, p.bandwidthEffectiveGBs(), perToken / 1e6));
        if (!fits) suggest(why, s, m, p, req, kv, ctx, peak, heap);
        return new Plan(fits, p.id(), ctx, kv, gpu, threads, m.weightsBytes, m.residentWeightBytes, kvBytes, compute,
                overhead, peak, heap, p.ramUsableBytes(), tokS, gpuBytes, why);
    }

    /** f16 when it fits, else the largest type that does (q8_0, then q4_0); f16 when none does. */
    private static KvCacheType chooseAuto(Sizer s, ModelConfig c, int ctx, int minCtx) {
        for (KvCacheType t : new KvCacheType[] {KvCacheType.F16, KvCacheType.Q8_0, KvCacheType.Q4_0}) {
            if (t.blockSize > 1 && c.kvDim() % t.blockSize != 0) continue;
            if (ctx > 0 ? s.fits(ctx, t) : s.largestCtx(t, c.trainedContext) >= minCtx) return t;
        }
        return KvCacheType.F16;
    }

    /** Says what would fit: a smaller context, a smaller KV type, or a smaller quant of the weights. */
    private static void suggest(List<String> why, Sizer s, ModelSizes m, DeviceProfile p, PlanRequest req, KvCacheType kv,
                                int ctx, long peak, long heap) {
        String need = "does not fit: needs " + mib(peak) + " of " + mib(p.ramUsableBytes()) + " usable";
        if (p.heapLimitBytes() > 0 && heap > p.heapLimitBytes()) {
            need += " and " + mib(heap) + " of Java heap (cap " + mib(p.heapLimitBytes()) + "; the KV cache lives on the heap)";
        }
        why.add(need);
        int trained = m.config.trainedContext;
        int minCtx = Math.min(MIN_USEFUL_CTX, trained);
        List<String> would = new ArrayList<>();
        int bestSame = s.largestCtx(kv, Math.max(ctx, trained));
        if (bestSame >= minCtx) would.add("--ctx " + bestSame + " with " + kv.id());
        for (KvCacheType t : new KvCacheType[] {KvCacheType.F16, KvCacheType.Q8_0, KvCacheType.Q4_0}) {
            if (t == kv || t.blockBytes * kv.blockSize >= kv.blockBytes * t.blockSize) continue; // only smaller types
            if (t.blockSize > 1 && m.config.kvDim() % t.blockSize != 0) continue;
            if (req.ctx > 0 && s.fits(req.ctx, t)) would.add("--kv-type " + t.id() + " at ctx " + req.ctx);
            else {
                int b = s.largestCtx(t, Math.max(ctx, trained));
                if (b >= minCtx) would.add("--kv-type " + t.id() + " up to ctx " + b);
            }
        }
        if (would.isEmpty()) {
            long fixed = m.residentWeightBytes + s.overhead;
            long q4Peak = fixed - m.residentWeightBytes + m.q4WeightsBytes
                    + kvBytes(m.config, minCtx, KvCacheType.F16) + computeBytes(m.config, minCtx, req.batch);
            would.add("nothing with these weights: they and the runtime alone need " + mib(fixed) + "; a Q4_0 quant (~"
                    + mib(m.q4WeightsBytes) + " of weights) would " + (q4Peak <= p.ramUsableBytes() ? "fit" : "still not fit")
                    + " at ctx " + minCtx + ", or pick a smaller model or a device with more memory");
        }
        why.add("would fit: " + String.join("; ", would));
    }

    /** Evaluates fits for (ctx, kv) and searches the largest fitting context. */
    private static final class Sizer {
        final ModelSizes m;
        final DeviceProfile p;
        final int batch;
        /** JVM baseline + model heap + the CPU backend's bytes: the part of the peak no choice of ctx or KV changes. */
        final long overhead;
        int gpuLayers;
        boolean gpuInRam;

        Sizer(ModelSizes m, DeviceProfile p, int batch, long overhead) {
            this.m = m;
            this.p = p;
            this.batch = batch;
            this.overhead = overhead;
        }

        boolean fits(int ctx, KvCacheType kv) {
            ModelConfig c = m.config;
            // one K or V layer array: ctx × kvDim floats/shorts, or ctx × row bytes for the block types
            long arrayLength = (long) ctx * (kv.blockSize == 1 ? c.kvDim() : kv.bytes(c.kvDim()));
            if (arrayLength > MAX_ARRAY) return false;
            long kvb = kvBytes(c, ctx, kv, gpuLayers), compute = computeBytes(c, ctx, batch);
            long peak = m.residentWeightBytes + kvb + compute + overhead
                    + (gpuInRam ? gpuBytes(m, gpuLayers, ctx, kv, batch) : 0);
            long heap = kvb + compute + m.modelHeapBytes;
            return peak <= p.ramUsableBytes() && (p.heapLimitBytes() <= 0 || heap <= p.heapLimitBytes());
        }

        /** Largest ctx ≤ max that fits (memory grows with ctx), rounded down to 256 unless it is max; 0 if none. */
        int largestCtx(KvCacheType kv, int max) {
            if (fits(max, kv)) return max;
            int lo = 0, hi = max; // fits(lo) (or lo == 0), !fits(hi)
            while (hi - lo > 1) {
                int mid = lo + (hi - lo) / 2;
                if (fits(mid, kv)) lo = mid;
                else hi = mid;
            }
            return lo >= 256 ? lo / 256 * 256 : lo;
        }
    }

    private static long avg(long[] a) {
        long s = 0;
        for (long x : a) s += x;
        return a.length == 0 ? 0 : s / a.length;
    }

    /** Bytes as MiB with one decimal, for reasons. */
    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
