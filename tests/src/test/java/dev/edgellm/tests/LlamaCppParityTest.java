package dev.edgellm.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgellm.Engine;
import dev.edgellm.GenerationRequest;
import dev.edgellm.Model;
import dev.edgellm.Session;
import dev.edgellm.SessionOptions;
import dev.edgellm.TestData;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.gguf.TensorInfo;
import dev.edgellm.kv.KvCacheType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Greedy parity with llama.cpp (node-llama-cpp, the CPU prebuilt) on random-weight GGUFs written by
 * {@code shared/bench/gen_gguf.py}: the llama-1b (Llama 3.2 1B, Llama 3 BPE vocabulary) and qwen2-0.5b
 * (Qwen2.5 0.5B, Qwen2 BPE vocabulary, attention biases) shapes, cut to {@value #LAYERS} layers so the scalar
 * backend stays quick, each in Q4_K, Q6_K, Q4_0 and Q8_0. qwen2-0.5b's width 896 is no multiple of 256, so
 * gen_gguf.py falls back like llama-quantize (Q4_K → Q5_0, Q6_K → Q8_0 except ffn_down, 4864 = 19·256, which
 * keeps the K-quant); the display names list the tensor types actually in each file. Q4_K and Q6_K are covered
 * in full by the llama-1b files.
 *
 * <p>Per file: llama.cpp ({@code src/test/node/greedy.mjs}: CPU, F32 KV cache, flash attention off) tokenizes
 * {@link #PROMPT} and takes {@value #STEPS} greedy steps, reporting its top-{@value #TOP} logits per step and
 * the whole logit vector of the first and the last step. EdgeLLM ({@code scalar} backend, or the one named by
 * the system property {@code edgellm.backend}; F32 KV cache) must
 * produce the same prompt ids, is then teacher-forced with llama.cpp's tokens (so one near-tie cannot derail
 * the rest), and per step, with std = the standard deviation of our logit vector at that step:
 * <ul>
 *   <li>every compared logit (llama.cpp's top-{@value #TOP}; the whole vocabulary at the first and the last
 *       step) is within {@value #MAX_REL_DELTA} std of llama.cpp's, and over a whole vector the rms difference
 *       is below {@value #MAX_REL_RMS} std; and since these bounds scale with our std, our std must be within
 *       1 ± {@value #MAX_STD_RATIO_DEV} of llama.cpp's on the whole vectors (measured: 1 ± 0.0024);</li>
 *   <li>our argmax is llama.cpp's token wherever both top1–top2 margins (llama.cpp's and ours) are at least
 *       {@value #NEAR_TIE} std: the "checked" steps; the others are near-ties and not compared;</li>
 *   <li>at least {@value #MIN_CHECKED} of the {@value #STEPS} steps are checked, so the test cannot pass
 *       vacuously; on the near-tied steps llama.cpp's token must still be within {@value #NEAR_TIE} std of our
 *       maximum.</li>
 * </ul>
 *
 * <p>Where the numbers come from (measured on these 8 files with node-llama-cpp 3.22.1 on a 2-vCPU AMD EPYC, AVX2;
 * {@code -Dedgellm.parity.verbose=true} prints the per-step table, {@code -Dedgellm.parity.dump=true} writes
 * our vectors next to llama.cpp's under {@code target/parity-logits}). The logits are a tied-embedding product
 * of an RMS-normed state with weights of std 0.02, so their std is about 0.02·√dim: 0.91 for llama-1b (2048),
 * 0.61 for qwen2-0.5b (896). The argmax of 128k–152k near-Gaussian logits is not far ahead of the runner-up:
 * top1–top2 margins were 0.002–2.0 std, median ≈ 0.2 std, 1 to 6 steps per file below 0.1 std. EdgeLLM's
 * logits agree with a float64 numpy forward pass over the same dequantized weights to 1e-5 (all 8 files, first
 * step), so the whole difference is llama.cpp's: it quantizes the activations to Q8_0 (Q8_K for K-quant
 * weights) before every quantized matmul. Measured llama.cpp − EdgeLLM over whole vectors: rms 0.012–0.031 std,
 * max 0.053–0.152 std (largest: llama-1b Q6_K, whose activations go through 256-wide Q8_K blocks); on
 * llama.cpp's top-8 at each step: max 0.072 std; no bias (mean difference &lt; 2e-4). Hence
 * <ul>
 *   <li>{@link #MAX_REL_DELTA} = 0.25 std, {@link #MAX_REL_RMS} = 0.05 std: about 1.6× the largest
 *       measured values, while a wrong block, scale or row shows up at the scale of the std itself;</li>
 *   <li>{@link #NEAR_TIE} = 0.15 std. A step is checked only when both margins are at least that, so a
 *       disagreement there needs llama.cpp's and our difference of the two tokens to be ≥ 0.30 std apart. The
 *       largest such "margin error" measured (top1 against each of llama.cpp's top-8, all steps, all files) was
 *       0.125 std (llama-1b Q6_K; 0.05–0.09 std for the others), and its rms is about √2 × 0.031 = 0.044 std
 *       (the two errors are nearly independent projections of one activation error on unrelated random
 *       rows): 0.30 std is 2.4× the largest and ~7 rms. This left 9–15 of the 16 steps checked per file (all
 *       agreeing) with the short prompt, 7–15 with the SIMD run's long one (2026-12-04: oneDNN bf16 prefill;
 *       largest rms 0.034 std, largest |Δ| 0.16 std, both llama-1b Q6_K), hence {@link #MIN_CHECKED} = 6.</li>
 * </ul>
 * The summary line printed per file reports the checked count, the largest |Δlogit| (top-8 and whole vectors,
 * max and rms) and the largest margin error.
 *
 * <p>Setup (cached under {@code ~/.cache/edgellm-bench}, or {@code $EDGELLM_BENCH_CACHE}): node-llama-cpp is
 * installed by {@code shared/bench/install_llamacpp.sh} into {@code nlc/} (idempotent, seconds when present);
 * the models go to {@code parity/<preset>-L2-<type>-<hash>.gguf}, the hash covering gen_gguf.py and its
 * arguments, so a changed generator regenerates. The only skip: npm (or its registry) unreachable while the
 * peer is not installed yet. python3 with numpy and node are required (CI installs them).
 * {@code -Dedgellm.parity.only=REGEX} keeps only the files whose display name matches.
 *
 * <p>{@link LlamaCppArchParityTest} applies the same method ({@link #parityTests}) to qwen3, a Mistral-shaped
 * llama and linear RoPE scaling.
 */
class LlamaCppParityTest {
    static final String BACKEND = System.getProperty("edgellm.backend", "scalar");

    /**
     * "Once upon a time", or {@code -Dedgellm.parity.prompt}: the SIMD run (tests/pom.xml) uses a prompt of more
     * than 64 tokens, so that its prefill goes through the native GEMM (oneDNN bf16 or OpenBLAS sgemm) too.
     */
    static final String PROMPT = System.getProperty("edgellm.parity.prompt", "Once upon a time");
    static final int STEPS = 16;
    static final int TOP = 8;
    static final int LAYERS = 2;
    /** Bound on |Δlogit| / std(logits) for every compared logit. */
    static final double MAX_REL_DELTA = 0.25;
    /** Bound on the rms of Δlogit over a whole vector, / std(logits). */
    static final double MAX_REL_RMS = 0.05;
    /** Our logits' std / llama.cpp's (whole vectors) must be within 1 ± this: the bounds above are relative to it. */
    static final double MAX_STD_RATIO_DEV = 0.01;
    /** Steps whose top1–top2 margin (llama.cpp's or ours) is below this × std are near-ties, not checked. */
    static final double NEAR_TIE = 0.15;
    static final int MIN_CHECKED = 6;
    static final String[] PRESETS = {"llama-1b", "qwen2-0.5b"};
    static final String[] TYPES = {"q4_k", "q6_k", "q4_0", "q8_0"};

    static final boolean VERBOSE = Boolean.getBoolean("edgellm.parity.verbose");
    /** Also write our logits of the full-vector steps next to llama.cpp's (little-endian float32). */
    static final boolean DUMP = Boolean.getBoolean("edgellm.parity.dump");
    /** Only the files whose display name contains a match of this regex (e.g. {@code -Dedgellm.parity.only=qwen3}). */
    static final String ONLY = System.getProperty("edgellm.parity.only", "");
    static final ObjectMapper JSON = new ObjectMapper();
    /** The llama.cpp processes this class started, stopped after all its tests. */
    static final List<Peer> PEERS = new CopyOnWriteArrayList<>();

    @AfterAll
    static void stopPeers() {
        PEERS.forEach(Peer::close);
    }

    // ---------------------------------------------------------------- the test

    @TestFactory
    List<DynamicTest> sameGreedyTokensAsLlamaCpp() throws Exception {
        Path bench = shared().resolve("bench");
        List<ModelSpec> specs = new ArrayList<>();
        for (String preset : PRESETS) {
            for (String type : TYPES) specs.add(benchModel(bench, preset, type));
        }
        return parityTests("models", specs, PEERS);
    }

    /** A file of {@code shared/bench/gen_gguf.py}'s preset at {@value #LAYERS} layers. */
    static ModelSpec benchModel(Path bench, String preset, String type) {
        Path gen = bench.resolve("gen_gguf.py");
        return new ModelSpec(preset + " " + type, preset + "-L" + LAYERS + "-" + type, gen, List.of(gen),
                List.of("--preset", preset, "--type", type, "--layers", String.valueOf(LAYERS)), List.of());
    }

    /**
     * A GGUF file to generate: {@code python3 script args toolArgs --out FILE}. The cached file is named
     * {@code stem-HASH.gguf}, the hash covering the bytes of {@code inputs} (the script and what it imports) and
     * {@code args}; {@code toolArgs} (paths of this machine) are left out of it. {@code name} is the display name.
     */
    record ModelSpec(String name, String stem, Path script, List<Path> inputs, List<String> args, List<String> toolArgs) {}

    /**
     * The whole method for a list of files, shared by the parity test classes: generates (or reuses) the files,
     * runs llama.cpp over all of them in one greedy.mjs process (registered in {@code peers}, for the caller's
     * {@code @AfterAll} to stop), and returns one dynamic test per file comparing EdgeLLM with it ({@link #compare}).
     * The only skip: npm unreachable while node-llama-cpp is not installed yet.
     */
    static List<DynamicTest> parityTests(String label, List<ModelSpec> specs, List<Peer> peers) throws Exception {
        long t0 = System.nanoTime();
        Path bench = shared().resolve("bench");
        Path cache = cacheDir();
        requirePython();
        if (!ONLY.isEmpty()) specs = specs.stream().filter(m -> java.util.regex.Pattern.compile(ONLY).matcher(m.name()).find()).toList();
        Path nlc;
        try {
            nlc = installPeer(bench, cache.resolve("nlc"));
        } catch (PeerUnavailable e) {
            // a skipped dynamic test, so that surefire counts and reports it (an aborted factory it does not)
            System.err.println("[llama.cpp parity] " + e.getMessage());
            return List.of(DynamicTest.dynamicTest("llama.cpp parity SKIPPED: npm unreachable", () -> Assumptions.abort(e.getMessage())));
        }
        long tInstalled = System.nanoTime();
        Map<String, Path> models = generateModels(specs, cache.resolve("parity"));
        long tGenerated = System.nanoTime();
        log("setup (%s): peer %.1f s, models %.1f s", label, (tInstalled - t0) / 1e9, (tGenerated - tInstalled) / 1e9);

        Path logits = Files.createDirectories(Paths.get("target", "parity-logits")).toAbsolutePath();
        Peer peer = Peer.start(nlc, new ArrayList<>(models.values()), logits, label);
        peers.add(peer);

        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, Path> e : models.entrySet()) {
            Path file = e.getValue();
            String name = e.getKey() + " [" + tensorTypes(file) + "]";
            tests.add(DynamicTest.dynamicTest(name, () -> compare(name, file, peer.result(file))));
        }
        return tests;
    }

    /** One file: same prompt ids, teacher-forced logits close, argmax equal wherever not near-tied. */
    static void compare(String name, Path file, CompletableFuture<JsonNode> result) throws Exception {
        JsonNode peer;
        try {
            peer = result.get(10, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException ex) {
            throw new AssertionError(ex.getCause().getMessage(), ex.getCause());
        }
        if (peer.has("error")) fail("llama.cpp failed on " + file + ":\n" + peer.get("error").asText());
        int nVocab = peer.get("n_vocab").asInt();
        int[] promptIds = ints(peer.get("prompt_ids"));
        JsonNode steps = peer.get("steps");
        assertEquals(STEPS, steps.size(), "llama.cpp steps");
        Map<Integer, float[]> full = fullLogits(peer, nVocab);

        long t0 = System.nanoTime();
        List<String> table = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int checked = 0, agreed = 0;
        double maxRel = 0, maxAbs = 0, maxRelFull = 0, maxRms = 0, maxMarginErr = 0, maxStdDev = 0, sumStd = 0;
        double[] margins = new double[STEPS];
        long tEval;
        try (Model model = Engine.builder().backend(BACKEND).build().load(file);
             Session s = model.newSession(SessionOptions.builder().contextLength(Math.max(64, promptIds.length + STEPS + 8))
                     .kvType(KvCacheType.F32).build())) {
            long tLoad = System.nanoTime();
            int[] ours = s.promptTokens(GenerationRequest.builder().prompt(PROMPT).build());
            assertArrayEquals(promptIds, ours, "prompt ids of '" + PROMPT + "' (llama.cpp vs EdgeLLM)");
            float[] logits = s.evaluate(promptIds);
            for (int k = 0; k < STEPS; k++) {
                if (k > 0) logits = s.evaluate(new int[] {steps.get(k - 1).get("id").asInt()});
                assertEquals(nVocab, logits.length, "vocabulary size");
                JsonNode st = steps.get(k);
                int want = st.get("id").asInt();
                double std = std(logits);
                sumStd += std;
                int[] top2 = top2(logits);
                double ourMargin = logits[top2[0]] - logits[top2[1]];
                double peerMargin = st.get("margin").asDouble();
                double absTop = 0;
                for (JsonNode p : st.get("top")) absTop = Math.max(absTop, Math.abs(logits[p.get(0).asInt()] - p.get(1).asDouble()));
                // how far llama.cpp's and our (top1 - candidate) differences are apart, over its top-8
                double lcTop1 = st.get("top").get(0).get(1).asDouble();
                int lcTop1Id = st.get("top").get(0).get(0).asInt();
                for (JsonNode p : st.get("top")) {
                    double d = (lcTop1 - p.get(1).asDouble()) - (logits[lcTop1Id] - logits[p.get(0).asInt()]);
                    maxMarginErr = Math.max(maxMarginErr, Math.abs(d) / std);
                }
                double absFull = Double.NaN;
                float[] v = full.get(k);
                if (v != null && DUMP) dump(Paths.get(peer.get("full_logits").get("file").asText() + ".edgellm-step" + k), logits);
                if (v != null) {
                    absFull = 0;
                    double sq = 0;
                    for (int i = 0; i < nVocab; i++) {
                        double d = logits[i] - v[i];
                        absFull = Math.max(absFull, Math.abs(d));
                        sq += d * d;
                    }
                    double rms = Math.sqrt(sq / nVocab) / std;
                    // the bounds are relative to our std: it must not be inflated (which would loosen them)
                    double stdRatio = std / std(v);
                    maxStdDev = Math.max(maxStdDev, Math.abs(stdRatio - 1));
                    if (Math.abs(stdRatio - 1) > MAX_STD_RATIO_DEV) {
                        problems.add(String.format(Locale.ROOT, "step %d: std of our logits / llama.cpp's = %.4f, not within 1 ± %.2f",
                                k, stdRatio, MAX_STD_RATIO_DEV));
                    }
                    maxRelFull = Math.max(maxRelFull, absFull / std);
                    maxRms = Math.max(maxRms, rms);
                    if (rms > MAX_REL_RMS) {
                        problems.add(String.format(Locale.ROOT, "step %d: rms Δlogit over the vocabulary %.4f std > %.3f std", k, rms, MAX_REL_RMS));
                    }
                    assertEquals(want, argmax(v), "llama.cpp's token is the argmax of its own logits at step " + k);
                }
                double abs = Double.isNaN(absFull) ? absTop : Math.max(absTop, absFull);
                maxAbs = Math.max(maxAbs, abs);
                maxRel = Math.max(maxRel, abs / std);
                margins[k] = Math.min(peerMargin, ourMargin) / std;
                boolean check = margins[k] >= NEAR_TIE;
                if (check) {
                    checked++;
                    if (top2[0] == want) agreed++;
                    else problems.add(String.format(Locale.ROOT, "step %d: EdgeLLM's argmax %d (%.4f) != llama.cpp's %d (ours %.4f,"
                            + " llama.cpp %.4f), margins %.4f / %.4f", k, top2[0], logits[top2[0]], want, logits[want],
                            st.get("top").get(0).get(1).asDouble(), ourMargin, peerMargin));
                }
                if (!check && logits[top2[0]] - logits[want] > NEAR_TIE * std) {
                    problems.add(String.format(Locale.ROOT, "step %d (near-tie for llama.cpp): its token %d is %.4f std below our"
                            + " argmax %d, more than a near-tie (%.2f std)", k, want, (logits[top2[0]] - logits[want]) / std, top2[0], NEAR_TIE));
                }
                if (abs / std > MAX_REL_DELTA) {
                    problems.add(String.format(Locale.ROOT, "step %d: max |Δlogit| %.4f = %.4f std > %.3f std", k, abs, abs / std, MAX_REL_DELTA));
                }
                table.add(String.format(Locale.ROOT, "  %2d %7d %7d %s  margin llama.cpp %.4f ours %.4f (%.3f std)  |Δ| top%d %.5f"
                        + " full %s  std %.4f", k, want, top2[0], check ? (top2[0] == want ? "ok  " : "DIFF") : "tie ",
                        peerMargin, ourMargin, margins[k], TOP, absTop, Double.isNaN(absFull) ? "-" : String.format(Locale.ROOT, "%.5f", absFull), std));
            }
            tEval = System.nanoTime();
            String summary = String.format(Locale.ROOT, "%s: %d/%d steps checked (not near-tied), %d agree; max |Δlogit| %.5f"
                    + " (%.4f std; full vectors: max %.4f std, rms %.4f std, std ratio 1 ± %.5f), max margin error %.4f std, mean std %.3f; llama.cpp load %d ms eval %d ms, EdgeLLM load %d ms"
                    + " eval %d ms", name, checked, STEPS, agreed, maxAbs, maxRel, maxRelFull, maxRms, maxStdDev, maxMarginErr, sumStd / STEPS,
                    peer.get("timings_ms").get("load").asLong(), peer.get("timings_ms").get("eval").asLong(),
                    (tLoad - t0) / 1_000_000, (tEval - tLoad) / 1_000_000);
            log("%s", summary);
            if (VERBOSE || !problems.isEmpty()) log("  step  llama  ours\n%s", String.join("\n", table));
            assertTrue(problems.isEmpty(), summary + "\n" + String.join("\n", problems) + "\n" + String.join("\n", table));
            assertTrue(checked >= MIN_CHECKED, summary + ": fewer than " + MIN_CHECKED + " checkable steps\n" + String.join("\n", table));
        }
    }

    // ---------------------------------------------------------------- environment

    static Path shared() {
        String p = System.getProperty("edgellm.shared");
        Path shared = p != null && !p.isEmpty() ? Paths.get(p) : TestData.testdata().getParent();
        shared = shared.toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(shared.resolve("bench/gen_gguf.py")), "no bench/gen_gguf.py in " + shared);
        return shared;
    }

    static Path cacheDir() throws IOException {
        String env = System.getenv("EDGELLM_BENCH_CACHE");
        Path dir = env != null && !env.isEmpty() ? Paths.get(env) : Paths.get(System.getProperty("user.home"), ".cache", "edgellm-bench");
        return Files.createDirectories(dir).toAbsolutePath().normalize();
    }

    static void requirePython() throws Exception {
        Result r;
        try {
            r = exec(List.of("python3", "-c", "import numpy; print(numpy.__version__)"), null, 60);
        } catch (IOException e) {
            throw new AssertionError("python3 is required to generate the test models (shared/bench/gen_gguf.py): " + e.getMessage(), e);
        }
        assertEquals(0, r.code, "python3 with numpy is required to generate the test models (shared/bench/gen_gguf.py):\n" + r.out);
    }

    /** Thrown only when npm or its registry cannot be reached: the one reason to skip. */
    static final class PeerUnavailable extends Exception {
        PeerUnavailable(String message) { super(message); }
    }

    /** Runs install_llamacpp.sh; PeerUnavailable only when npm or its registry cannot be reached. */
    static Path installPeer(Path bench, Path dir) throws Exception {
        Result r = exec(List.of("bash", bench.resolve("install_llamacpp.sh").toString(), dir.toString()), null, 900);
        if (r.code == 0) return dir;
        String reason = npmUnreachable();
        if (reason != null) {
            throw new PeerUnavailable("SKIPPED: llama.cpp parity needs node-llama-cpp from npm, and " + reason
                    + "; install_llamacpp.sh said:\n" + tail(r.out, 2000));
        }
        throw new AssertionError("install_llamacpp.sh " + dir + " failed (exit " + r.code + ") although npm reaches its registry:\n" + tail(r.out, 4000));
    }

    /** Why npm cannot be used, or null when {@code npm ping} reaches the registry. */
    static String npmUnreachable() {
        try {
            Result ping = exec(List.of("npm", "ping"), null, 120);
            if (ping.code == 0) return null;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\bE[A-Z_]{3,}\\b").matcher(ping.out);
            return "'npm ping' fails (exit " + ping.code + (m.find() ? ", " + m.group() : "") + ")";
        } catch (IOException e) {
            return "npm is not on the PATH (" + e.getMessage() + ")";
        } catch (Exception e) {
            return "'npm ping' did not finish: " + e;
        }
    }

    /** Generates (or reuses) every file; two at a time. Keys are display names, in the order of {@code specs}. */
    static Map<String, Path> generateModels(List<ModelSpec> specs, Path dir) throws Exception {
        Files.createDirectories(dir);
        Map<String, Path> out = new LinkedHashMap<>();
        Map<String, Future<Result>> jobs = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())));
        try {
            for (ModelSpec spec : specs) {
                List<byte[]> inputs = new ArrayList<>();
                for (Path in : spec.inputs()) inputs.add(Files.readAllBytes(in));
                String stem = spec.stem();
                Path file = dir.resolve(stem + "-" + hash(inputs, String.join(" ", spec.args())) + ".gguf");
                if (out.put(spec.name(), file) != null) throw new IllegalArgumentException("duplicate model name " + spec.name());
                if (Files.isRegularFile(file)) continue;
                // written under a name of this process, then renamed: concurrent builds sharing the cache
                Path tmp = dir.resolve(file.getFileName() + ".part" + ProcessHandle.current().pid());
                List<String> cmd = new ArrayList<>(List.of("python3", spec.script().toString()));
                cmd.addAll(spec.args());
                cmd.addAll(spec.toolArgs());
                cmd.addAll(List.of("--out", tmp.toString()));
                jobs.put(stem, pool.submit(() -> {
                    try (var old = Files.newDirectoryStream(dir, stem + "-*.gguf")) {
                        // other versions of this stem; a longer stem with this one as its prefix is another model
                        for (Path p : old) {
                            String rest = p.getFileName().toString().substring(stem.length() + 1);
                            if (!p.equals(file) && rest.matches("[0-9a-f]{10}\\.gguf")) Files.deleteIfExists(p);
                        }
                    }
                    Result r = exec(cmd, null, 600);
                    if (r.code == 0) Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    return r;
                }));
            }
            for (Map.Entry<String, Future<Result>> j : jobs.entrySet()) {
                Result r = j.getValue().get();
                assertEquals(0, r.code, "generating " + j.getKey() + " failed:\n" + tail(r.out, 4000));
                log("%s", r.out.strip());
            }
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    /** One greedy.mjs process over a list of files; each file's JSON line completes its future as soon as it is printed. */
    static final class Peer implements AutoCloseable {
        private final Map<Path, CompletableFuture<JsonNode>> results = new ConcurrentHashMap<>();
        private Process node;

        static Peer start(Path nlc, List<Path> files, Path logitsDir, String label) throws IOException {
            Path script = Paths.get("src", "test", "node", "greedy.mjs").toAbsolutePath();
            assertTrue(Files.isRegularFile(script), "greedy.mjs not found at " + script + " (run from the tests module)");
            List<String> cmd = new ArrayList<>(List.of("node", script.toString(), "--nlc", nlc.toString(), "--prompt", PROMPT,
                    "--steps", String.valueOf(STEPS), "--top", String.valueOf(TOP), "--full-steps", "0," + (STEPS - 1),
                    "--logits-dir", logitsDir.toString(), "--threads", "1", "--ctx", "512"));
            Peer peer = new Peer();
            for (Path f : files) {
                cmd.addAll(List.of("--model", f.toString()));
                peer.results.put(f, new CompletableFuture<>());
            }
            Path nodeLog = logitsDir.resolve("greedy-" + label + ".stderr.txt");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(nodeLog.toFile());
            try {
                peer.node = pb.start();
            } catch (IOException e) {
                throw new AssertionError("node is required (it runs llama.cpp through node-llama-cpp): " + e.getMessage(), e);
            }
            Process node = peer.node;
            Map<Path, CompletableFuture<JsonNode>> results = peer.results;
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        JsonNode j = JSON.readTree(line);
                        CompletableFuture<JsonNode> f = results.get(Paths.get(j.get("model").asText()));
                        if (f != null) f.complete(j);
                    }
                    int code = node.waitFor();
                    String err = Files.exists(nodeLog) ? tail(Files.readString(nodeLog), 4000) : "";
                    results.values().forEach(f -> f.completeExceptionally(new IllegalStateException(
                            "greedy.mjs exited (" + code + ") without a result for this model; stderr:\n" + err)));
                } catch (Exception e) {
                    results.values().forEach(f -> f.completeExceptionally(e));
                }
            }, "greedy.mjs reader (" + label + ")");
            reader.setDaemon(true);
            reader.start();
            return peer;
        }

        /** llama.cpp's JSON line for {@code file}, when it comes. */
        CompletableFuture<JsonNode> result(Path file) {
            return results.get(file);
        }

        @Override
        public void close() {
            if (node != null && node.isAlive()) node.destroyForcibly();
        }
    }

    // ---------------------------------------------------------------- helpers

    record Result(int code, String out) {}

    static Result exec(List<String> cmd, Path dir, long timeoutS) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (dir != null) pb.directory(dir.toFile());
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in " + timeoutS + " s");
        }
        return new Result(p.exitValue(), out.get());
    }

    static String tensorTypes(Path file) throws IOException {
        Map<String, Integer> n = new TreeMap<>();
        for (TensorInfo t : GgufFile.open(file).tensors()) n.merge(t.type().name(), 1, Integer::sum);
        StringBuilder sb = new StringBuilder();
        n.forEach((t, c) -> sb.append(sb.isEmpty() ? "" : " ").append(t).append('×').append(c));
        return sb.toString();
    }

    /** The whole logit vectors greedy.mjs wrote, by step. */
    static Map<Integer, float[]> fullLogits(JsonNode peer, int nVocab) throws IOException {
        Map<Integer, float[]> out = new TreeMap<>();
        JsonNode fl = peer.get("full_logits");
        if (fl == null || fl.isNull()) return out;
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(Paths.get(fl.get("file").asText()))).order(ByteOrder.LITTLE_ENDIAN);
        JsonNode steps = fl.get("steps");
        assertEquals((long) steps.size() * nVocab * 4, b.remaining(), "size of " + fl.get("file").asText());
        for (JsonNode s : steps) {
            float[] v = new float[nVocab];
            b.asFloatBuffer().get(v);
            b.position(b.position() + nVocab * 4);
            out.put(s.asInt(), v);
        }
        return out;
    }

    static void dump(Path p, float[] v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        Files.write(p, b.array());
    }

    static String hash(List<byte[]> inputs, String args) throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (byte[] in : inputs) md.update(in);
        md.update(args.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(md.digest()).substring(0, 10);
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /** Indices of the largest and second largest values (ties: lower index first). */
    static int[] top2(float[] v) {
        int a = 0, b = -1;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[a]) {
                b = a;
                a = i;
            } else if (b < 0 || v[i] > v[b]) {
                b = i;
            }
        }
        return new int[] {a, b};
    }

    static double std(float[] v) {
        double s = 0, s2 = 0;
        for (float x : v) {
            s += x;
            s2 += (double) x * x;
        }
        double m = s / v.length;
        return Math.sqrt(Math.max(0, s2 / v.length - m * m));
    }

    static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }

    static String tail(String s, int n) {
        return s.length() <= n ? s : "..." + s.substring(s.length() - n);
    }

    static void log(String fmt, Object... args) {
        System.out.println("[llama.cpp parity] " + String.format(Locale.ROOT, fmt, args));
    }

    // ---------------------------------------------------------------- the helpers themselves

    @Test
    void top2AndArgmaxPreferTheLowerIdOnTies() throws Exception {
        assertArrayEquals(new int[] {1, 2}, top2(new float[] {0, 3, 3, 1}));
        assertArrayEquals(new int[] {0, 1}, top2(new float[] {5, 4, 4}));
        assertArrayEquals(new int[] {2, 0}, top2(new float[] {1, 1, 2}));
        assertEquals(1, argmax(new float[] {0, 3, 3, 1}));
        assertEquals(0.5, std(new float[] {1, 2, 1, 2}), 1e-12);
        assertFalse(hash(List.of(new byte[] {1}), "a").equals(hash(List.of(new byte[] {1}), "b")));
        assertFalse(hash(List.of(new byte[] {1}), "a").equals(hash(List.of(new byte[] {1}, new byte[] {2}), "a")));
    }
}
