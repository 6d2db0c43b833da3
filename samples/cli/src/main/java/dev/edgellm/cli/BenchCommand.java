package dev.edgellm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgellm.Engine;
import dev.edgellm.Model;
import dev.edgellm.Session;
import dev.edgellm.SessionOptions;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.kv.KvCacheType;
import dev.edgellm.planner.MemoryPlanner;
import dev.edgellm.planner.ModelSizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code bench}: llama-bench style speed of one model (DESIGN.md §2). For every thread count, on an empty KV
 * cache each time: {@code pp<p>} times one batched prefill of {@code p} tokens ({@link Session#advance}, the
 * forward pass including the last token's logits, no tokenizing or sampling); {@code tg<n>} times {@code n}
 * single-token decode steps from position 0, so no prompt time is in it. Token ids are fixed pseudo-random
 * ones (the work does not depend on them). Each thread count gets {@code --warmup} untimed runs, then
 * {@code -r} repetitions with pp and tg interleaved, so machine noise spreads over both; rows report the
 * median, min and max.
 *
 * <p>{@code --roofline} first measures read bandwidth per thread count ({@link ReadBandwidth}) and reports
 * decode against the memory-bound ceiling: bandwidth / bytes read per token, where bytes per token = the
 * weights one decode step streams ({@link ModelSizes#streamedBytesPerToken}) + the KV cache read, averaged
 * over the tg run's positions ({@link MemoryPlanner#kvBytesPerToken} x (n+1)/2).
 *
 * <p>Each row also reports the heap its timed runs allocated per token, all threads together (HotSpot's
 * per-thread counters): a compiled decode step allocates next to nothing (6 bytes per token measured), so a tg
 * row with many KiB per token means vector kernels still interpreted, or compiled code that boxes their vectors
 * (see the SIMD backend's HotSpotFlags), and stderr says so.
 *
 * <p>Progress goes to stderr as plain lines, one per run. A progress-bar library (me.tongfei:progressbar
 * 0.10.1) was tried and left out: through jline-native it calls {@code System::load}, which JDK 25 answers
 * with a restricted-method warning unless every launcher adds {@code --enable-native-access}; it writes
 * carriage returns and ANSI colours into stderr that scripts redirect to files; and its refresh thread
 * competes with the measured threads on small boards.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Prefill (pp) and decode (tg) speed, llama-bench style: median of repetitions per thread count "
                + "(stdout: a table, or a JSON array with --json).")
final class BenchCommand implements Callable<Integer> {
    /** More threads than this is a typo, not a benchmark. */
    static final int MAX_THREADS = 1024;
    /** Decode heap allocation per token past which stderr warns: boxed vectors allocate ~100 KiB and more. */
    static final long BOXING_WARN_BYTES_PER_TOKEN = 16 << 10;

    @Spec CommandSpec spec;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE", required = true, description = "GGUF model file")
    Path model;

    @Option(names = {"-t", "--threads"}, paramLabel = "LIST", description = "Comma-separated thread counts (default: ${DEFAULT-VALUE})")
    String threads = "1,2";

    @Option(names = {"-p", "--n-prompt"}, paramLabel = "N", description = "Prompt tokens of the prefill test (default: ${DEFAULT-VALUE})")
    int promptTokens = 512;

    @Option(names = {"-n", "--n-gen"}, paramLabel = "N", description = "Tokens of the decode test (default: ${DEFAULT-VALUE})")
    int genTokens = 128;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "N", description = "Timed repetitions per test (default: ${DEFAULT-VALUE})")
    int repetitions = 3;

    @Option(names = {"-d", "--n-depth"}, paramLabel = "N", description = "Tokens already in the KV cache when each test starts, evaluated once per thread count and kept (default: ${DEFAULT-VALUE}); llama-bench -d")
    int depth = 0;

    @Option(names = "--warmup", paramLabel = "N", description = "Untimed runs of each test per thread count (default: ${DEFAULT-VALUE})")
    int warmup = 1;

    @Option(names = {"-b", "--batch-size"}, paramLabel = "N", description = "Prefill batch in tokens, capped at -p (default: ${DEFAULT-VALUE}, llama.cpp's)")
    int batch = 512;

    @Option(names = "--backend", paramLabel = "B", description = "auto (default) or a backend name, e.g. scalar or simd")
    String backend = "auto";

    @Option(names = "--gpu-layers", paramLabel = "N", description = "Transformer blocks resident on the GPU (Vulkan): a count, all or all (default: ${DEFAULT-VALUE}); llama-bench -ngl")
    String gpuLayers = "0";

    @Option(names = "--kv-type", paramLabel = "T", description = "KV cache type: f32, f16, q8_0 or q4_0 (default: ${DEFAULT-VALUE}, llama.cpp's)")
    String kvType = "f16";

    @Option(names = "--roofline", description = "Measure read bandwidth per thread count and report decode as %% of the bandwidth bound")
    boolean roofline;

    @Option(names = "--json", description = "Print a JSON array of rows instead of the table")
    boolean json;

    /** Bytes one decode step reads: weights streamed + KV cache. */
    record TokenBytes(double weights, double kv) {
        double total() { return weights + kv; }
    }

    /** One (threads, test) result. */
    record Row(int threads, String test, int tokens, double[] tokS, String backend, long heapBytes) {
        /** Heap allocated per token over the timed runs, or -1 where the JVM does not count it. */
        long heapBytesPerToken() {
            return heapBytes < 0 ? -1 : Math.round((double) heapBytes / ((long) tokens * tokS.length));
        }

        double median() {
            double[] s = tokS.clone();
            Arrays.sort(s);
            int n = s.length;
            return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        }

        double min() { return Arrays.stream(tokS).min().orElse(0); }

        double max() { return Arrays.stream(tokS).max().orElse(0); }
    }

    @Override
    public Integer call() throws Exception {
        int[] threadCounts = parseThreads(threads);
        int gpu = GenerationPlan.gpuLayers(gpuLayers);
        if (gpu == dev.edgellm.planner.PlanRequest.GPU_AUTO) throw new Main.UsageException("bench takes --gpu-layers as a count or all, not auto");
        if (promptTokens < 1) throw new Main.UsageException("-p must be >= 1, got " + promptTokens);
        if (genTokens < 1) throw new Main.UsageException("-n must be >= 1, got " + genTokens);
        if (repetitions < 1) throw new Main.UsageException("-r must be >= 1, got " + repetitions);
        if (warmup < 0) throw new Main.UsageException("--warmup must be >= 0, got " + warmup);
        if (batch < 1) throw new Main.UsageException("-b must be >= 1, got " + batch);
        if (depth < 0) throw new Main.UsageException("-d must be >= 0, got " + depth);
        KvCacheType kv;
        try {
            kv = KvCacheType.parse(kvType);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        GgufFile gguf = GgufFile.open(model); // missing or invalid file: exit 3 before any measuring
        ModelSizes sizes = ModelSizes.of(gguf);
        String modelName = model.getFileName().toString();

        double[] bandwidth = new double[threadCounts.length];
        if (roofline) {
            try (ReadBandwidth probe = new ReadBandwidth(ReadBandwidth.defaultBytes())) {
                for (int i = 0; i < threadCounts.length; i++) {
                    bandwidth[i] = probe.measure(threadCounts[i]);
                    err.printf(Locale.ROOT, "[bench] read bandwidth, %d thread%s: %.1f GB/s (best of passes over %d MiB)%n",
                            threadCounts[i], threadCounts[i] == 1 ? "" : "s", bandwidth[i], probe.bytes() >> 20);
                }
            }
        }

        int ctx = depth + Math.max(promptTokens, genTokens);
        SessionOptions options = SessionOptions.builder().contextLength(ctx).kvType(kv)
                .batchSize(Math.min(batch, promptTokens)).build();
        List<Row> rows = new ArrayList<>();
        for (int ti = 0; ti < threadCounts.length; ti++) {
            int t = threadCounts[ti];
            Model m;
            try {
                m = Engine.builder().backend(backend).threads(t).gpuLayers(gpu).build().load(gguf);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new Main.UsageException(e.getMessage()); // unknown backend
            }
            try (m; Session session = m.newSession(options)) {
                int[] ids = benchTokens(m, ctx);
                String runs = "threads " + t + ", backend " + m.backendName()
                        + (session.gpuLayers() > 0 ? ", gpu layers " + session.gpuLayers() + " (" + session.gpuDescription() + ")" : "");
                if (depth > 0) {
                    err.printf("[bench] %s: filling the KV cache to depth %d%n", runs, depth);
                    err.flush();
                    session.reset();
                    session.advance(ids, 0, depth);
                }
                for (int w = 0; w < warmup; w++) {
                    err.printf("[bench] %s: warm-up %d/%d%n", runs, w + 1, warmup);
                    err.flush();
                    prefill(session, ids);
                    decode(session, ids);
                }
                double[] pp = new double[repetitions], tg = new double[repetitions];
                long[] heap = {0, 0}; // pp, tg
                for (int r = 0; r < repetitions; r++) {
                    long a0 = heapAllocated();
                    pp[r] = prefill(session, ids);
                    long a1 = heapAllocated();
                    tg[r] = decode(session, ids);
                    long a2 = heapAllocated();
                    heap[0] = a0 < 0 ? -1 : heap[0] + a1 - a0;
                    heap[1] = a0 < 0 ? -1 : heap[1] + a2 - a1;
                    // said at once, not only in the end's warning: a kernel left boxing can make a long bench take
                    // many times its usual time (BENCHMARKS.md, fifteenth session)
                    long tgHeapPerToken = a0 < 0 ? -1 : (a2 - a1) / genTokens;
                    err.printf(Locale.ROOT, "[bench] %s: rep %d/%d pp%d %.2f tok/s, tg%d %.2f tok/s%s%n", runs, r + 1,
                            repetitions, promptTokens, pp[r], genTokens, tg[r],
                            tgHeapPerToken > BOXING_WARN_BYTES_PER_TOKEN ? String.format(Locale.ROOT,
                                    " (decode allocated %d KiB of heap per token: vectors boxed, see the warning at the end)",
                                    tgHeapPerToken >> 10) : "");
                    err.flush();
                }
                // llama-bench's -ngl shows in the backend column: "simd+vulkan ngl 16"
                String label = m.backendName() + (session.gpuLayers() > 0 ? "+" + m.gpuBackendName() + " ngl " + session.gpuLayers() : "");
                rows.add(new Row(t, "pp" + promptTokens, promptTokens, pp, label, heap[0]));
                Row tgRow = new Row(t, "tg" + genTokens, genTokens, tg, label, heap[1]);
                rows.add(tgRow);
                if (tgRow.heapBytesPerToken() > BOXING_WARN_BYTES_PER_TOKEN) {
                    err.printf(Locale.ROOT, "[bench] warning: %s: decode allocated %d KiB of heap per token: the "
                            + "vector kernels are not compiled yet (raise --warmup or -n) or their compiled code boxes "
                            + "vectors (run the JVM with ./edgellm's flags, README)%n", runs, tgRow.heapBytesPerToken() >> 10);
                }
            }
            // drop this load's mappings before the next thread count maps the file again, so a threads list
            // does not count the weights twice in the resident set
            System.gc();
        }

        // decode step at position i reads i + 1 cached positions: the mean over tg's positions d..d+n-1
        double kvPerToken = MemoryPlanner.kvBytesPerToken(sizes.config, kv) * (depth + (genTokens + 1) / 2.0);
        TokenBytes perToken = new TokenBytes(sizes.streamedBytesPerToken, kvPerToken);
        if (json) {
            printJson(out, rows, modelName, gguf, kv, ctx, threadCounts, bandwidth, perToken);
        } else {
            printTable(out, rows, modelName, gguf, threadCounts, bandwidth, perToken);
        }
        out.flush();
        return Main.EXIT_OK;
    }

    /** Heap bytes allocated so far by all threads, or -1 where the JVM does not count them. */
    static long heapAllocated() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
            return t.getTotalThreadAllocatedBytes();
        }
        return -1;
    }

    /** Prefill of exactly p tokens after the {@code -d} cached ones; tok/s. */
    private double prefill(Session s, int[] ids) {
        s.truncate(depth);
        long t0 = System.nanoTime();
        s.advance(ids, depth, promptTokens);
        return promptTokens * 1e9 / (System.nanoTime() - t0);
    }

    /** n single-token steps from position {@code -d}; tok/s. */
    private double decode(Session s, int[] ids) {
        s.truncate(depth);
        long t0 = System.nanoTime();
        for (int i = 0; i < genTokens; i++) s.advance(ids, depth + i, 1);
        return genTokens * 1e9 / (System.nanoTime() - t0);
    }

    /** BOS (when the model has one), then fixed pseudo-random ids over the vocabulary. */
    static int[] benchTokens(Model m, int n) {
        int vocab = m.config().vocabSize;
        int bos = m.tokenizer().vocabulary().bosId();
        int[] ids = new int[n];
        long state = 0x2545F4914F6CDD1DL;
        for (int i = 0; i < n; i++) {
            state = state * 6364136223846793005L + 1442695040888963407L; // 64-bit LCG (Knuth's MMIX constants)
            ids[i] = (int) Long.remainderUnsigned(state >>> 17, vocab);
        }
        if (bos >= 0 && bos < vocab) ids[0] = bos;
        return ids;
    }

    /** "1,2,4" → {1, 2, 4}; every entry a whole number in [1, {@value #MAX_THREADS}]. */
    static int[] parseThreads(String list) {
        String[] parts = list.split(",", -1);
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            int v;
            try {
                v = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new Main.UsageException("-t expects comma-separated thread counts such as 1,2,4; '" + p
                        + "' in '" + list + "' is not a number");
            }
            if (v < 1 || v > MAX_THREADS) {
                throw new Main.UsageException("-t: thread counts must be between 1 and " + MAX_THREADS + ", got " + v + " in '" + list + "'");
            }
            out[i] = v;
        }
        return out;
    }

    private int indexOf(int[] threadCounts, int t) {
        for (int i = 0; i < threadCounts.length; i++) if (threadCounts[i] == t) return i;
        return -1;
    }

    private void printTable(PrintWriter out, List<Row> rows, String modelName, GgufFile gguf, int[] threadCounts,
                            double[] bandwidth, TokenBytes perToken) {
        String size = String.format(Locale.ROOT, "%.1f", gguf.fileSize() / 1048576.0);
        out.print("| model | MiB | backend | threads | test | tok/s | min | max |");
        out.println(roofline ? " read GB/s | bound tok/s | % of bound |" : "");
        out.print("|---|---:|---|---:|---|---:|---:|---:|");
        out.println(roofline ? "---:|---:|---:|" : "");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "| %s | %s | %s | %d | %s | %.2f | %.2f | %.2f |", modelName, size, r.backend(), r.threads(),
                    r.test() + (depth > 0 ? " @ d" + depth : ""), r.median(), r.min(), r.max());
            if (roofline) {
                double bw = bandwidth[indexOf(threadCounts, r.threads())];
                if (r.test().startsWith("tg")) {
                    double bound = bw * 1e9 / perToken.total();
                    out.printf(Locale.ROOT, " %.1f | %.2f | %.0f%% |", bw, bound, 100 * r.median() / bound);
                } else {
                    out.printf(Locale.ROOT, " %.1f | | |", bw);
                }
            }
            out.println();
        }
        if (roofline) {
            out.printf(Locale.ROOT, "%nbound = read bandwidth / %.1f MB per decoded token (%.1f MB weights + %.1f MB KV cache, mean over tg%d%s)%n",
                    perToken.total() / 1e6, perToken.weights() / 1e6, perToken.kv() / 1e6, genTokens,
                    depth > 0 ? " @ d" + depth : "");
        }
    }

    private void printJson(PrintWriter out, List<Row> rows, String modelName, GgufFile gguf, KvCacheType kv, int ctx,
                           int[] threadCounts, double[] bandwidth, TokenBytes perToken) throws Exception {
        ObjectMapper om = new ObjectMapper();
        ArrayNode arr = om.createArrayNode();
        for (Row r : rows) {
            ObjectNode o = arr.addObject();
            o.put("model", modelName);
            o.put("backend", r.backend());
            o.put("threads", r.threads());
            o.put("test", r.test());
            o.put("tok_s", round(r.median()));
            o.put("tok_s_min", round(r.min()));
            o.put("tok_s_max", round(r.max()));
            o.put("reps", r.tokS().length);
            o.put("n_tokens", r.tokens());
            var samples = o.putArray("samples");
            for (double v : r.tokS()) samples.add(round(v));
            o.put("model_bytes", gguf.fileSize());
            o.put("kv_type", kv.id());
            o.put("ctx", ctx);
            o.put("depth", depth);
            o.put("batch", Math.min(batch, promptTokens));
            o.put("warmup", warmup);
            if (r.heapBytesPerToken() >= 0) o.put("heap_bytes_per_token", r.heapBytesPerToken());
            if (roofline) {
                double bw = bandwidth[indexOf(threadCounts, r.threads())];
                o.put("read_gbs", round(bw));
                if (r.test().startsWith("tg")) {
                    double bound = bw * 1e9 / perToken.total();
                    o.put("bytes_per_token", Math.round(perToken.total()));
                    o.put("roofline_tok_s", round(bound));
                    o.put("roofline_pct", round(100 * r.median() / bound));
                }
            }
        }
        out.println(om.writeValueAsString(arr));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
