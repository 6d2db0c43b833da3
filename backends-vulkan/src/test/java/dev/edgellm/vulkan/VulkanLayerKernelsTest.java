package dev.edgellm.vulkan;

import dev.edgellm.TestData;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.kv.KvCache;
import dev.edgellm.kv.KvCacheType;
import dev.edgellm.model.ModelConfig;
import dev.edgellm.model.Rope;
import dev.edgellm.spi.ScalarKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.lwjgl.system.MemoryStack;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;

import static dev.edgellm.RandomTensors.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The kernels of the resident layers one by one against the CPU code they replace (the whole-block path is
 * checked in {@link VulkanLayerOffloadTest}): RoPE against {@link Rope#rotate} (bit for bit: no FMA
 * contraction), KV store against the CPU caches' stored values (bit for bit: integer half rounding, ggml's
 * q8_0 rounding), attention against {@link ScalarKernels#attention} over a CPU cache holding the same keys and
 * values, the context shift against the CPU's load → rotate → store, SwiGLU and add against their formulas.
 * Shapes of stories260K (8 query heads, 4 KV heads of 8: GQA), 5 tokens at positions 37..41 of a 48-position
 * cache whose first 37 positions are filled first.
 */
class VulkanLayerKernelsTest {
    static final int CTX = 48, START = 37, T = 5;
    static VulkanContext ctx;
    static ModelConfig c;
    static Rope rope;

    @BeforeAll
    static void open() throws Exception {
        VulkanDeviceInfo d = VulkanTestSupport.deviceOrSkip();
        ctx = new VulkanContext(d, false);
        c = ModelConfig.from(GgufFile.open(TestData.model("stories260K.gguf")));
        rope = new Rope(c, null);
    }

    @AfterAll
    static void close() {
        if (ctx != null) ctx.close();
    }

    /** A host-visible buffer (so the test reads and writes it) with its float view. */
    record Buf(GpuBuffer g, FloatBuffer f) {
        static Buf of(int floats) {
            GpuBuffer g = ctx.allocate(floats * 4L, GpuBuffer.Kind.ACTIVATIONS);
            return new Buf(g, g.mapped.asFloatBuffer());
        }
    }

    static void run(String kernel, GpuBuffer b0, GpuBuffer act, int gx, int gy, int... push) {
        try (MemoryStack st = MemoryStack.stackPush(); DescriptorPools sets = ctx.descriptorPools()) {
            ByteBuffer p = st.calloc(VulkanContext.PUSH_BYTES).order(ByteOrder.nativeOrder());
            for (int i = 0; i < push.length; i++) p.putInt(4 * i, push[i]);
            ctx.begin();
            ctx.dispatch(ctx.pipeline(kernel), sets.set(b0, act, act), p, gx, gy);
            ctx.submitAndWait();
        }
    }

    static float[] random(Random rnd, int n) {
        return randomFloats(rnd, n);
    }

    @Test
    void ropeRotatesLikeTheCpuBitForBit() {
        Random rnd = new Random(1);
        int qDim = c.qDim(), pairs = rope.pairs();
        float[] q = random(rnd, T * qDim), cs = new float[T * 2 * pairs];
        for (int t = 0; t < T; t++) rope.cosSin(START + t, cs, t * 2 * pairs);
        Buf act = Buf.of(T * qDim + cs.length);
        act.f.put(0, q).put(T * qDim, cs);
        run("rope", act.g, act.g, (c.heads * pairs + 63) / 64, T, 0, qDim, c.heads, c.headDim, pairs, rope.neox() ? 1 : 0, T * qDim, 2 * pairs);
        for (int t = 0; t < T; t++) rope.rotate(q, t * qDim, c.heads, START + t);
        for (int i = 0; i < q.length; i++) assertEquals(q[i], act.f.get(i), 0f, "element " + i);
        ctx.free(act.g);
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "Q8_0"})
    void storeAttentionAndShiftMatchTheCpuCache(KvCacheType type) {
        Random rnd = new Random(type.ordinal());
        int kvDim = c.kvDim(), qDim = c.qDim(), pairs = rope.pairs();
        String suffix = "_" + type.id();
        int lanes = type == KvCacheType.F16 ? kvDim / 2 : type == KvCacheType.Q8_0 ? (kvDim / 32 + 1) / 2 : kvDim;
        // act: keys [0, (START+T) kvDim), values after them, queries, attention output, cos/sin of the shift
        int positions = START + T, oV = positions * kvDim, oQ = 2 * oV, oOut = oQ + T * qDim, oCs = oOut + T * qDim;
        float[] k = random(rnd, positions * kvDim), v = random(rnd, positions * kvDim), q = random(rnd, T * qDim);
        Buf act = Buf.of(oCs + 2 * pairs);
        act.f.put(0, k).put(oV, v).put(oQ, q);
        GpuBuffer kv = ctx.allocate(VulkanLayerOffload.kvBytesPerLayer(type, CTX, kvDim), GpuBuffer.Kind.ACTIVATIONS);
        KvCache cpu = KvCache.allocate(type, 1, CTX, kvDim);
        // store every position (token t of this dispatch = position t), as the CPU cache stores them
        run("kv_store" + suffix, kv, act.g, (lanes + 63) / 64, positions, 0, oV, kvDim, kvDim, CTX, 0);
        for (int pos = 0; pos < positions; pos++) cpu.store(0, pos, k, pos * kvDim, v, pos * kvDim);
        assertCacheEquals(cpu, kv, type, positions, "after store");

        // attention of T query tokens at positions START.. over the cache
        float scale = (float) (1.0 / Math.sqrt(c.headDim));
        try (MemoryStack st = MemoryStack.stackPush(); DescriptorPools sets = ctx.descriptorPools()) {
            ByteBuffer p = st.calloc(VulkanContext.PUSH_BYTES).order(ByteOrder.nativeOrder());
            p.putInt(0, oQ).putInt(4, qDim).putInt(8, oOut).putInt(12, c.headDim).putInt(16, c.heads / c.kvHeads)
                    .putInt(20, kvDim).putInt(24, CTX).putInt(28, START).putFloat(32, scale);
            ctx.begin();
            ctx.dispatch(ctx.pipeline("attention" + suffix), sets.set(kv, act.g, act.g), p, c.heads, T);
            ctx.submitAndWait();
        }
        float[] want = new float[T * qDim], att = new float[CTX];
        for (int t = 0; t < T; t++) {
            ScalarKernels.attention(cpu, 0, START + t, q, t * qDim, c.heads, c.kvHeads, c.headDim, scale, att, want, t * qDim);
        }
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], act.f.get(oOut + i), 1e-5f * Math.max(1f, Math.abs(want[i])), "attention output " + i);
        }

        // context shift: keep 4, drop 9 of the 42 positions (chunks of at most 9: four dispatches)
        int keep = 4, drop = 9;
        float[] cs = new float[2 * pairs];
        rope.cosSin(-drop, cs, 0);
        act.f.put(oCs, cs);
        for (int src0 = keep + drop; src0 < positions; src0 += drop) {
            run("kv_shift" + suffix, kv, act.g, (lanes + 63) / 64, Math.min(drop, positions - src0),
                    kvDim, CTX, c.headDim, pairs, rope.neox() ? 1 : 0, src0, drop, oCs);
        }
        float[] kr = new float[kvDim], vr = new float[kvDim];
        for (int pos = keep + drop; pos < positions; pos++) {
            cpu.load(0, pos, kr, 0, vr, 0);
            rope.rotate(kr, 0, c.kvHeads, -drop);
            cpu.store(0, pos - drop, kr, 0, vr, 0);
        }
        assertCacheEquals(cpu, kv, type, positions - drop, "after the shift");
        ctx.free(kv);
        ctx.free(act.g);
    }

    /** Every cached element of positions [0, n) as the GPU holds it equals the CPU cache's. */
    static void assertCacheEquals(KvCache cpu, GpuBuffer kv, KvCacheType type, int n, String when) {
        int kvDim = c.kvDim();
        float[] kc = new float[kvDim], vc = new float[kvDim];
        ByteBuffer b = kv.mapped.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long region = VulkanLayerOffload.kvBytesPerLayer(type, CTX, kvDim) / 2;
        int scaleWords = (kvDim + 63) / 64;
        for (int pos = 0; pos < n; pos++) {
            cpu.load(0, pos, kc, 0, vc, 0);
            for (int r = 0; r < 2; r++) {
                float[] want = r == 0 ? kc : vc;
                for (int j = 0; j < kvDim; j++) {
                    int e = pos * kvDim + j;
                    int base = (int) (r * region);
                    float got = switch (type) {
                        case F32 -> b.getFloat(base + 4 * e);
                        case F16 -> Float.float16ToFloat(b.getShort(base + 2 * e));
                        default -> Float.float16ToFloat(b.getShort(base + CTX * kvDim + 4 * pos * scaleWords + 2 * (j / 32)))
                                * b.get(base + e);
                    };
                    assertEquals(want[j], got, 0f, when + ": " + (r == 0 ? "key" : "value") + " " + j + " of position " + pos);
                }
            }
        }
    }

    @Test
    void swigluAndAddFollowTheirFormulas() {
        Random rnd = new Random(5);
        int n = 300; // not a multiple of the 256-wide work group
        float[] g = random(rnd, T * n), u = random(rnd, T * n), r = random(rnd, T * n);
        Buf act = Buf.of(3 * T * n);
        act.f.put(0, g).put(T * n, u).put(2 * T * n, r);
        run("swiglu", act.g, act.g, (n + 255) / 256, T, n, 0, T * n, n);
        for (int i = 0; i < T * n; i++) {
            float want = g[i] / (1f + (float) Math.exp(-g[i])) * u[i];
            assertEquals(want, act.f.get(i), 1e-6f * Math.max(1f, Math.abs(want)), "swiglu " + i);
        }
        // residual add with a token stride, then a bias (stride 0) onto the same rows
        run("add", act.g, act.g, (n + 255) / 256, T, n, 2 * T * n, n, T * n, n);
        Buf bias = Buf.of(n);
        float[] bv = random(rnd, n);
        bias.f.put(0, bv);
        run("add", bias.g, act.g, (n + 255) / 256, T, n, 0, 0, T * n, n);
        for (int i = 0; i < T * n; i++) assertEquals(u[i] + r[i] + bv[i % n], act.f.get(T * n + i), 0f, "add " + i);
        ctx.free(bias.g);
        ctx.free(act.g);
    }
}
