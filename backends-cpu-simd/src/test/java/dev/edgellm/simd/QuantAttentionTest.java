package dev.edgellm.simd;

import dev.edgellm.kv.KvCache;
import dev.edgellm.kv.KvCacheType;
import dev.edgellm.spi.ScalarKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Random;

import static dev.edgellm.RandomTensors.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The q8_0 / q4_0 KV cache attention path ({@link Attention#attendTiled}, through {@link SimdBackend#attention})
 * against {@link ScalarKernels#attention} on the same cache. The vector dequantization is bit-identical to the
 * cache's own ({@code d·q} is exact in float; checked directly), so outputs differ only by summation order in the
 * dots, the softmax sum and the value accumulation: the bound is {@code 5e-6 · max(1, |want|)} per output (largest
 * seen on AVX2: 2.3e-6, i.e. ~20 float ulps of an output of order 1 after up to 300 positions; the f16 path's test
 * allows 1e-5).
 */
class QuantAttentionTest {
    static final float TOLERANCE = 5e-6f;

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0"})
    void dequantizationIsBitIdenticalToTheCache(KvCacheType type) {
        Random rnd = new Random(3 + type.ordinal());
        int kvDim = 32 * 9, ctx = 5;
        KvCache cache = KvCache.allocate(type, 1, ctx, kvDim);
        for (int t = 0; t < ctx; t++) {
            float[] k = randomFloats(rnd, kvDim), v = randomFloats(rnd, kvDim);
            for (int i = 0; i < kvDim; i++) v[i] *= t == 1 ? 1e-6f : t == 2 ? 3e4f : 1f; // fp16 subnormal and large scales
            if (t == 3) Arrays.fill(k, 0f); // d = 0
            cache.store(0, t, k, 0, v, 0);
        }
        byte[] keys = cache.quantKeys(0), values = cache.quantValues(0);
        assertNotNull(keys);
        int rowBytes = kvDim / 32 * type.blockBytes;
        float[] wantK = new float[kvDim], wantV = new float[kvDim];
        for (int t = 0; t < ctx; t++) {
            cache.load(0, t, wantK, 0, wantV, 0);
            for (int variant = 0; variant < 2; variant++) {
                float[] gotK = new float[kvDim], gotV = new float[kvDim];
                dequantize(type, variant == 1, keys, t * rowBytes, kvDim / 32, gotK);
                dequantize(type, variant == 1, values, t * rowBytes, kvDim / 32, gotV);
                for (int i = 0; i < kvDim; i++) {
                    String where = type + (variant == 1 ? " any lanes" : "") + " pos " + t + " i " + i;
                    assertEquals(Float.floatToIntBits(wantK[i]), Float.floatToIntBits(gotK[i]), "key " + where);
                    assertEquals(Float.floatToIntBits(wantV[i]), Float.floatToIntBits(gotV[i]), "value " + where);
                }
            }
        }
    }

    private static void dequantize(KvCacheType type, boolean anyLanes, byte[] src, int off, int blocks, float[] dst) {
        if (type == KvCacheType.Q8_0) {
            if (anyLanes) Attention.q8_0ToFloatAnyLanes(src, off, blocks, dst, 0);
            else Attention.q8_0ToFloat(src, off, blocks, dst, 0);
        } else {
            if (anyLanes) Attention.q4_0ToFloatAnyLanes(src, off, blocks, dst, 0);
            else Attention.q4_0ToFloat(src, off, blocks, dst, 0);
        }
    }

    @Test
    void onlyTheBlockCachesExposeBlocks() {
        for (KvCacheType type : KvCacheType.values()) {
            KvCache c = KvCache.allocate(type, 2, 1, 4, 64);
            if (type == KvCacheType.Q8_0 || type == KvCacheType.Q4_0) {
                assertEquals(0, c.quantKeys(0).length, "GPU-held layer");
                assertEquals(4 * 2 * type.blockBytes, c.quantValues(1).length);
            } else {
                assertNull(c.quantKeys(1), type.id());
                assertNull(c.quantValues(1), type.id());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0"})
    void attentionMatchesTheReference(KvCacheType type) {
        Random rnd = new Random(17 + type.ordinal());
        int ctx = 300;
        // {heads, kvHeads, headDim}: llama-1b (GQA 4:1), MHA with 128-wide heads, qwen2-0.5b (7:1), heads that
        // start inside a block (48, 40: kvDim still a multiple of 32), one KV head (MQA), KV heads in two chunks
        // of the tiled kernel (16 · 128 > Attention.TILE_SPAN_MAX; 2 and 3 threads: chunks within a thread's share)
        for (int[] shape : new int[][] {{32, 8, 64}, {4, 4, 128}, {14, 2, 64}, {6, 2, 48}, {12, 4, 40}, {8, 1, 32},
                {16, 16, 128}}) {
            int heads = shape[0], kvHeads = shape[1], hd = shape[2], kvDim = kvHeads * hd;
            // three layers, the first held elsewhere (GPU offload): its arrays are empty and never read
            KvCache cache = KvCache.allocate(type, 3, 1, ctx, kvDim);
            for (int layer = 1; layer < 3; layer++) {
                for (int t = 0; t < ctx; t++) {
                    float[] k = randomFloats(rnd, kvDim), v = randomFloats(rnd, kvDim);
                    for (int i = 0; i < kvDim; i++) k[i] *= 2f; // sharper softmax: more max updates
                    cache.store(layer, t, k, 0, v, 0);
                }
            }
            float scale = (float) (1 / Math.sqrt(hd));
            for (int threads : new int[] {1, 2, 3}) {
                try (SimdBackend b = new SimdBackend(threads, 0, 0)) { // parallel from the first position
                    for (int pos : new int[] {0, 1, 5, 31, 32, 33, 200, ctx - 1}) {
                        int layer = 1 + (pos & 1);
                        float[] q = randomFloats(rnd, 3 + heads * hd);
                        float[] want = new float[2 + heads * hd], got = new float[2 + heads * hd];
                        Arrays.fill(got, Float.NaN); // every output must be written
                        ScalarKernels.attention(cache, layer, pos, q, 3, heads, kvHeads, hd, scale, new float[ctx], want, 2);
                        b.attention(cache, layer, pos, q, 3, heads, kvHeads, hd, scale, new float[ctx], got, 2);
                        for (int i = 2; i < want.length; i++) {
                            assertEquals(want[i], got[i], TOLERANCE * Math.max(1f, Math.abs(want[i])), type + " shape "
                                    + Arrays.toString(shape) + " threads " + threads + " pos " + pos + " i " + i);
                        }
                    }
                }
            }
        }
    }
}
