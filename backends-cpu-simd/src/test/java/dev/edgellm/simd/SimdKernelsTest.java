package dev.edgellm.simd;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.quant.Quants;
import dev.edgellm.spi.ScalarKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static dev.edgellm.RandomTensors.randomFloats;
import static dev.edgellm.RandomTensors.randomTensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every SIMD kernel against the scalar reference (the oracle): random blocks with valid fp16 scales, odd row
 * counts, row lengths of 1, 3 and many blocks, 1 and 3 threads, matVec and batched matMul (1..9 tokens, so
 * both the fused and the dequantize-once paths and the 4-token tail run). The bound is float rounding:
 * 1e-5 of Σ|w·x| per output; where the decode kernel quantizes the activations to 8 bits ({@link Interleaved8}, rows
 * in full groups of 8), plus that rounding's worst case, Σ|w| · scale(block) / 2.
 */
class SimdKernelsTest {
    static final int[] ROWS = {1, 7, 13, 17};
    static final int[] THREADS = {1, 3};
    static final int[] BATCHES = {1, 2, 3, 4, 5, 9, 64};

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K",
            "Q2_K", "Q3_K"})
    void matchesScalarReference(GgmlType type) {
        assertNotNull(Kernels.forType(type), "kernel for " + type);
        Random rnd = new Random(type.ordinal() * 31L + 7);
        int bs = type.blockSize;
        for (int blocks : new int[] {1, 3, bs == 1 ? 4099 : bs == 32 ? 67 : 11}) {
            int n = bs * blocks;
            for (int rows : ROWS) {
                TensorData w = randomTensor(type, n, rows, rnd);
                for (int threads : THREADS) {
                    try (SimdBackend b = new SimdBackend(threads, 0, 0)) {
                        checkMatVec(b, w, n, rows, rnd);
                        for (int batch : BATCHES) checkMatMul(b, w, n, rows, batch, rnd);
                    }
                }
            }
        }
    }

    /**
     * Embedding lookups of a table the backend has repacked (a tied token_embd, whose mapped pages it released and
     * releases again after each lookup): exactly the reference rows, for grouped rows and tail rows alike; at 128 bits
     * too (surefire execution vectors-128), where they are repacked too.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void rowsOfARepackedTableAreTheReferenceRows(GgmlType type) {
        int n = 512, rows = 29; // 3 groups + 5 tail rows
        TensorData w = randomTensor(type, n, rows, new Random(21));
        float[] want = new float[n], got = new float[n + 3], out = new float[rows];
        try (SimdBackend b = new SimdBackend(2, 0, 0)) {
            b.matVec(w, randomFloats(new Random(22), n), 0, out, 0); // prepares (and repacks) the table
            for (int r = 0; r < rows; r++) {
                Quants.of(type).dequantize(w.buffer(r), w.rowOffset(r), want, 0, n);
                b.getRow(w, r, got, 3);
                assertArrayEquals(want, java.util.Arrays.copyOfRange(got, 3, n + 3), type + " row " + r);
            }
        }
    }

    private static void checkMatVec(SimdBackend b, TensorData w, int n, int rows, Random rnd) {
        int xOff = 5;
        float[] x = randomFloats(rnd, xOff + n);
        float[] want = new float[rows + 3], got = new float[rows + 3];
        ScalarKernels.matVec(w, x, xOff, want, 3);
        b.matVec(w, x, xOff, got, 3);
        for (int r = 0; r < rows; r++) {
            assertClose(w, r, x, xOff, n, want[3 + r], got[3 + r], repacked(w) ? activationRounding(w, r, x, xOff, n) : 0);
        }
    }

    /** Whether decode runs an {@link Interleaved8} kernel (8-bit activations) on this tensor. */
    private static boolean repacked(TensorData w) {
        return SimdBackend.repacks(w.info().type(), w.info().rows());
    }

    /**
     * Worst case of rounding both the weights and x to bf16 (oneDNN's prefill tiles; 8 significant bits, each
     * rounding within 2^-8 relative): 2^-7 · Σ |w_i · x_i|, plus f32 accumulation.
     */
    static double bf16Rounding(TensorData w, int r, float[] x, int xOff, int n) {
        float[] row = new float[n];
        Quants.of(w.info().type()).dequantize(w.buffer(r), w.rowOffset(r), row, 0, n);
        double bound = 0;
        for (int i = 0; i < n; i++) bound += Math.abs((double) row[i] * x[xOff + i]);
        return 0x1p-7 * bound;
    }

    /** Worst case of quantizing x to 8 bits per 32-block: Σ |w_i| · (max|x| over i's block / 127) / 2. */
    static double activationRounding(TensorData w, int r, float[] x, int xOff, int n) {
        float[] row = new float[n];
        Quants.of(w.info().type()).dequantize(w.buffer(r), w.rowOffset(r), row, 0, n);
        double bound = 0;
        for (int b = 0; b < n / 32; b++) {
            float amax = 0;
            for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[xOff + 32 * b + i]));
            for (int i = 0; i < 32; i++) bound += Math.abs(row[32 * b + i]) * (amax / 127.0) / 2;
        }
        return bound;
    }

    private static void checkMatMul(SimdBackend b, TensorData w, int n, int rows, int batch, Random rnd) {
        float[] x = randomFloats(rnd, batch * n);
        float[] got = new float[batch * rows];
        b.matMul(w, x, got, batch);
        float[] want = new float[rows];
        for (int t = 0; t < batch; t++) {
            ScalarKernels.matVec(w, x, t * n, want, 0);
            for (int r = 0; r < rows; r++) {
                double q = batch < PrefillGemm.MIN_BATCH || batch < b.gemmMinBatch() ? (repacked(w) ? activationRounding(w, r, x, t * n, n) : 0)
                        : b.prefillGemmElementBytes() == 2 ? bf16Rounding(w, r, x, t * n, n) : 0;
                assertClose(w, r, x, t * n, n, want[r], got[t * rows + r], q);
            }
        }
    }

    private static void assertClose(TensorData w, int r, float[] x, int xOff, int n, float want, float got, double extra) {
        float[] row = new float[n];
        Quants.of(w.info().type()).dequantize(w.buffer(r), w.rowOffset(r), row, 0, n);
        double mag = 0;
        for (int i = 0; i < n; i++) mag += Math.abs((double) row[i] * x[xOff + i]);
        assertTrue(Float.isFinite(want), "reference finite");
        assertEquals(want, got, 1e-5 * mag + 1e-6 + extra, w.info().type() + " n=" + n + " row " + r);
    }

    @org.junit.jupiter.api.Test
    void rmsNormMatchesTheReference() {
        Random rnd = new Random(5);
        try (SimdBackend b = new SimdBackend(1, 0, 0)) {
            for (int n : new int[] {1, 7, 8, 33, 1000, 2048}) {
                float[] x = new float[n + 3], w = new float[n], want = new float[n + 2], got = new float[n + 2];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                for (int i = 0; i < n; i++) w[i] = (float) rnd.nextGaussian();
                ScalarKernels.rmsNorm(want, 2, x, 3, w, 1e-5f, n);
                b.rmsNorm(got, 2, x, 3, w, 1e-5f, n);
                for (int i = 2; i < n + 2; i++) {
                    assertEquals(want[i], got[i], 1e-5f * Math.max(1f, Math.abs(want[i])), "n=" + n + " i=" + i);
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void vectorHalfToFloatMatchesTheJdkForAll65536Halfs() {
        short[] all = new short[65536 + 3];
        for (int i = 0; i < 65536; i++) all[i + 3] = (short) i;
        float[] got = new float[65536];
        Attention.halfToFloat(all, 3, got, 0, 65536);
        for (int i = 0; i < 65536; i++) {
            float want = Float.float16ToFloat((short) i);
            if (Float.isNaN(want)) assertTrue(Float.isNaN(got[i]), "half 0x" + Integer.toHexString(i));
            else assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[i]), "half 0x" + Integer.toHexString(i));
        }
    }

    @ParameterizedTest
    @EnumSource(dev.edgellm.kv.KvCacheType.class)
    void attentionMatchesTheReference(dev.edgellm.kv.KvCacheType type) {
        Random rnd = new Random(11 + type.ordinal());
        for (int threads : THREADS) try (SimdBackend b = new SimdBackend(threads, 0, 0)) { // 3: heads split
            // {heads, kvHeads, headDim}: MHA, GQA 4:1 and 7:1 (qwen2-0.5b), odd head size, KV heads in three chunks
            // of the tiled kernel (Attention.TILE_SPAN_MAX)
            for (int[] shape : new int[][] {{4, 4, 32}, {8, 2, 64}, {14, 2, 64}, {3, 1, 36}, {6, 2, 48}, {40, 20, 120}}) {
                if (type.name().startsWith("Q") && shape[1] * shape[2] % 32 != 0) continue; // block caches need kvDim % 32 == 0
                int heads = shape[0], kvHeads = shape[1], hd = shape[2], kvDim = kvHeads * hd, ctx = 70;
                dev.edgellm.kv.KvCache cache = dev.edgellm.kv.KvCache.allocate(type, 2, ctx, kvDim);
                for (int t = 0; t < ctx; t++) {
                    float[] k = randomFloats(rnd, kvDim), v = randomFloats(rnd, kvDim);
                    for (int i = 0; i < kvDim; i++) k[i] *= 2f; // sharper softmax: more max updates
                    cache.store(1, t, k, 0, v, 0);
                }
                for (int pos : new int[] {0, 1, 5, 31, 69}) {
                    float[] q = randomFloats(rnd, 3 + heads * hd);
                    float[] want = new float[2 + heads * hd], got = new float[2 + heads * hd];
                    float scale = (float) (1 / Math.sqrt(hd));
                    ScalarKernels.attention(cache, 1, pos, q, 3, heads, kvHeads, hd, scale, new float[ctx], want, 2);
                    b.attention(cache, 1, pos, q, 3, heads, kvHeads, hd, scale, new float[ctx], got, 2);
                    for (int i = 2; i < want.length; i++) {
                        assertEquals(want[i], got[i], 1e-5f * Math.max(1f, Math.abs(want[i])),
                                type + " shape " + java.util.Arrays.toString(shape) + " pos " + pos + " i " + i);
                    }
                }
            }
        }
    }

    /**
     * Prefill attention ({@link SimdBackend#attentionBatch}: converted keys and values shared by the batch, split
     * across threads by KV head and position, including splits inside a head) against the reference token by
     * token, on every cache type (f32 goes token by token), batches that start at 0 and later, shapes as above.
     */
    @ParameterizedTest
    @EnumSource(dev.edgellm.kv.KvCacheType.class)
    void batchAttentionMatchesTheReferenceTokenByToken(dev.edgellm.kv.KvCacheType type) {
        Random rnd = new Random(23 + type.ordinal());
        for (int threads : THREADS) try (SimdBackend b = new SimdBackend(threads, 0, 0)) {
            for (int[] shape : new int[][] {{4, 4, 32}, {8, 2, 64}, {14, 2, 64}, {3, 1, 36}, {6, 2, 48}, {4, 1, 80}}) {
                if (type.name().startsWith("Q") && shape[1] * shape[2] % 32 != 0) continue;
                int heads = shape[0], kvHeads = shape[1], hd = shape[2], kvDim = kvHeads * hd, ctx = 75;
                dev.edgellm.kv.KvCache cache = dev.edgellm.kv.KvCache.allocate(type, 2, ctx, kvDim);
                for (int t = 0; t < ctx; t++) {
                    float[] k = randomFloats(rnd, kvDim), v = randomFloats(rnd, kvDim);
                    for (int i = 0; i < kvDim; i++) k[i] *= 2f;
                    cache.store(1, t, k, 0, v, 0);
                }
                for (int[] batch : new int[][] {{0, 2}, {0, 37}, {5, 3}, {33, 42}, {74, 1}}) {
                    int start = batch[0], n = batch[1], stride = heads * hd;
                    float[] q = randomFloats(rnd, n * stride);
                    float[] want = new float[n * stride], got = new float[n * stride];
                    float scale = (float) (1 / Math.sqrt(hd));
                    for (int i = 0; i < n; i++) {
                        ScalarKernels.attention(cache, 1, start + i, q, i * stride, heads, kvHeads, hd, scale, new float[ctx],
                                want, i * stride);
                    }
                    b.attentionBatch(cache, 1, start, n, q, heads, kvHeads, hd, scale, new float[ctx], got);
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got[i], 1e-5f * Math.max(1f, Math.abs(want[i])), type + " " + threads
                                + " threads, shape " + java.util.Arrays.toString(shape) + " batch " + start + "+" + n + " i " + i);
                    }
                }
            }
        }
    }

    @Test
    void swigluMatchesTheReference() {
        Random rnd = new Random(31);
        for (int threads : THREADS) try (SimdBackend b = new SimdBackend(threads, 0, 0)) {
            for (int n : new int[] {1, 7, 8, 100, 4099}) {
                float[] gate = randomFloats(rnd, n), up = randomFloats(rnd, n);
                for (int i = 0; i < n; i += 5) gate[i] *= 40f; // saturated: e^-g overflows to inf or underflows to 0
                float[] want = gate.clone(), got = gate.clone();
                ScalarKernels.swiglu(want, up, n);
                b.swiglu(got, up, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(want[i], got[i], 2e-6f * Math.max(1f, Math.abs(want[i])), threads + " threads, n " + n + " i " + i);
                }
            }
        }
    }

    /** Vec.exp: within 2 ulp of Math.exp where the result is a normal float; the edges exactly. */
    @Test
    void vectorExpIsWithinTwoUlpOfMathExp() {
        Random rnd = new Random(5);
        int n = 64 * Vec.L;
        float[] x = new float[n], e = new float[n];
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < n; i++) x[i] = (rnd.nextFloat() * 2 - 1) * (round % 2 == 0 ? 88f : 3f);
            float sum = Vec.exp(x, 0, e, 0, n, 1f, 0f);
            double want = 0;
            for (int i = 0; i < n; i++) {
                float ref = (float) Math.exp(x[i]);
                want += e[i];
                if (ref >= Float.MIN_NORMAL) {
                    assertTrue(Math.abs(e[i] - ref) <= 2 * Math.ulp(ref), "exp(" + x[i] + ") = " + e[i] + ", want " + ref);
                } else {
                    assertTrue(Math.abs(e[i] - ref) <= 2 * Float.MIN_NORMAL * 0x1p-23f * 4, "exp(" + x[i] + ") = " + e[i]);
                }
            }
            if (round % 2 == 1) assertEquals(want, sum, 1e-6 * want, "sum of the results"); // no overflow
        }
        float[] edge = new float[Vec.L * 2], out = new float[edge.length];
        float[] in = {Float.NEGATIVE_INFINITY, -200f, 0f, 1f, -1f, Float.NaN, 100f, Float.POSITIVE_INFINITY};
        System.arraycopy(in, 0, edge, 0, in.length);
        Vec.exp(edge, 0, out, 0, edge.length, 1f, 0f);
        assertEquals(0f, out[0], "exp(-inf)");
        assertEquals(0f, out[1], "exp(-200)");
        assertEquals(1f, out[2], "exp(0)");
        assertEquals((float) Math.E, out[3], Math.ulp((float) Math.E));
        assertEquals((float) (1 / Math.E), out[4], Math.ulp((float) (1 / Math.E)));
        assertTrue(Float.isNaN(out[5]), "exp(NaN)");
        assertTrue(out[6] >= 3.4e38f && out[7] >= 3.4e38f, "saturates near Float.MAX_VALUE or above: " + out[6] + ", " + out[7]);
        // the shifted form the attention uses: e^(x - max), and the negated one SwiGLU uses: e^-x
        Vec.exp(new float[] {1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f}, 0, out, 0, Math.min(8, Vec.L), -1f, 0.5f);
        assertEquals((float) Math.exp(-1.5), out[0], Math.ulp((float) Math.exp(-1.5)) * 2);
    }

    /** Vec.sum adds in one fixed order, the same the interpreter and C2 use: ((v0+v4)+(v2+v6))+((v1+v5)+(v3+v7)). */
    @Test
    void vectorSumAddsInAFixedOrder() {
        Random rnd = new Random(9);
        float[] v = new float[Vec.L];
        for (int round = 0; round < 10_000; round++) {
            for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(8) - 4));
            float want = Vec.L == 8 ? ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]))
                    : (v[0] + v[2]) + (v[1] + v[3]);
            float got = Vec.sum(jdk.incubator.vector.FloatVector.fromArray(Vec.F, v, 0));
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), "sum of " + java.util.Arrays.toString(v));
        }
    }

    /**
     * The kernels sum lanes with {@link Vec#sum} and exponentiate with {@link Vec#exp}, never with the Vector API's
     * {@code reduceLanes(ADD)} or {@code EXP}, whose results change when C2 compiles them (SimdDeterminismTest in
     * the tests module shows the end-to-end effect; this names the line).
     */
    @Test
    void kernelsUseTheFixedOrderSumAndExp() throws java.io.IOException {
        forEachMainLine(java.nio.file.Path.of("src/main/java/dev/edgellm/simd"), (where, line) -> assertTrue(
                !line.contains("reduceLanes(VectorOperators.ADD)") && !line.contains("VectorOperators.EXP)"),
                where + " uses the Vector API's own add-reduction or EXP: " + line.trim()));
    }

    /**
     * No confined arena in any module's main code (all of it can run in the JVM that decodes): one access through a
     * confined session makes C2 compile the owner-thread check into every kernel compiled afterwards (the JDK
     * profiles that check once for all callers); 1-thread decode after a long prompt was 15-25% slower for it
     * (OneDnnGemm.passiveOpenMpThreads, BENCHMARKS.md 21st session).
     */
    @Test
    void mainCodeMakesNoConfinedArena() throws java.io.IOException {
        forEachMainLine(java.nio.file.Path.of(".."), (where, line) -> assertTrue(!line.contains("Arena.ofConfined("),
                where + " makes a confined arena: kernels compiled after its first use check the owner thread on every load"));
    }

    /**
     * Calls {@code check} with "path/File.java:line" (relative to {@code root}) and the text of every line of the main sources ({@code src/main/java})
     * under {@code root}; fails if there are none, so a moved tree cannot pass by being empty.
     */
    private static void forEachMainLine(java.nio.file.Path root, java.util.function.BiConsumer<String, String> check)
            throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(root)) {
            java.util.List<java.nio.file.Path> sources = files.filter(f -> f.toString().endsWith(".java")
                    && f.normalize().toString().replace('\\', '/').contains("src/main/java/")).toList();
            assertTrue(!sources.isEmpty(), "no main sources under " + root.toAbsolutePath().normalize());
            for (java.nio.file.Path f : sources) {
                java.util.List<String> lines = java.nio.file.Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) check.accept(root.relativize(f) + ":" + (i + 1), lines.get(i));
            }
        }
    }

    @Test
    void q8_0PrefillDequantizationIsBitIdenticalToTheReference() {
        int n = 96, rows = 5;
        TensorData w = randomTensor(GgmlType.Q8_0, n, rows, new Random(41));
        java.lang.foreign.MemorySegment seg = java.lang.foreign.MemorySegment.ofBuffer(w.buffer(0));
        for (int r = 0; r < rows; r++) {
            float[] want = new float[n + 3], got = new float[n + 3];
            Quants.of(GgmlType.Q8_0).dequantize(w.buffer(r), w.rowOffset(r), want, 3, n);
            BlockKernels.q8_0Dequantize(seg, w.rowOffset(r), got, 3, n);
            org.junit.jupiter.api.Assertions.assertArrayEquals(want, got, "row " + r);
        }
    }
}
