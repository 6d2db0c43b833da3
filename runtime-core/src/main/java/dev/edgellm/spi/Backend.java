package dev.edgellm.spi;

import dev.edgellm.gguf.TensorData;
import dev.edgellm.kv.KvCache;
import dev.edgellm.kv.KvCacheType;
import dev.edgellm.model.LlamaWeights;
import dev.edgellm.model.ModelConfig;

/**
 * The operations a model's forward pass needs, in the spirit of ggml-backend: a small set of kernels
 * over float32 activations and weights in their stored (quantized) format. Model code calls only these,
 * so a SIMD or GPU backend plugs in without touching it. Every method has a scalar reference
 * implementation in {@link ScalarKernels}; a backend overrides what it accelerates and is tested against
 * that reference.
 *
 * <p>Activations are {@code float[]} with explicit offsets. A backend instance belongs to one model and may
 * be called from one thread at a time (a session runs one forward pass at a time); it may use worker
 * threads internally. Close it to release threads or device memory.
 */
public interface Backend extends AutoCloseable {
    /** Provider name, e.g. {@code scalar}. */
    String name();

    /** One line for logs and {@code --json}: which kernels, threads, device. */
    String description();

    /**
     * {@code out[outOff + r] = dot(row r of w, x[xOff ..])} for every row r of {@code w}. The row length of
     * {@code w} is the input size.
     */
    default void matVec(TensorData w, float[] x, int xOff, float[] out, int outOff) {
        ScalarKernels.matVec(w, x, xOff, out, outOff);
    }

    /**
     * Batched {@link #matVec}: {@code n} input vectors stored back to back in {@code x} (stride = row
     * length of w), outputs back to back in {@code out} (stride = rows of w). Prefill uses this; a backend
     * can replace it with a real matrix-matrix kernel.
     */
    default void matMul(TensorData w, float[] x, float[] out, int n) {
        int in = (int) w.info().rowLength();
        int rows = (int) w.info().rows();
        for (int i = 0; i < n; i++) matVec(w, x, i * in, out, i * rows);
    }

    /** Copies row {@code row} of {@code table} (e.g. token_embd), dequantized, into {@code out[outOff ..]}. */
    default void getRow(TensorData table, int row, float[] out, int outOff) {
        ScalarKernels.getRow(table, row, out, outOff);
    }

    /** {@code out = x / sqrt(mean(x²) + eps) * weight}, over {@code n} elements. */
    default void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, float eps, int n) {
        ScalarKernels.rmsNorm(out, outOff, x, xOff, weight, eps, n);
    }

    /**
     * Causal self-attention of one query position against the cache: for every query head, softmax over
     * cached positions {@code 0..pos} of {@code q·k * scale}, then the weighted sum of values, into
     * {@code out[outOff ..]} (heads × headDim). GQA: query head h reads KV head {@code h / (heads/kvHeads)}.
     * {@code att} is scratch of at least {@code pos + 1} floats.
     */
    default void attention(KvCache cache, int layer, int pos, float[] q, int qOff, int heads, int kvHeads,
                           int headDim, float scale, float[] att, float[] out, int outOff) {
        ScalarKernels.attention(cache, layer, pos, q, qOff, heads, kvHeads, headDim, scale, att, out, outOff);
    }

    /**
     * {@link #attention} for {@code n} consecutive query positions {@code startPos ..} of one batch, whose keys
     * and values are all in the cache already: query i at {@code q[i·heads·headDim ..]}, its output at
     * {@code out[i·heads·headDim ..]}. Prefill calls this once per layer, so that a backend can read each cached
     * key and value once per batch instead of once per token. {@code att}: scratch of {@code startPos + n} floats.
     */
    default void attentionBatch(KvCache cache, int layer, int startPos, int n, float[] q, int heads, int kvHeads,
                                int headDim, float scale, float[] att, float[] out) {
        int stride = heads * headDim;
        for (int i = 0; i < n; i++) {
            attention(cache, layer, startPos + i, q, i * stride, heads, kvHeads, headDim, scale, att, out, i * stride);
        }
    }

    /** SwiGLU's gating: {@code gate[i] = silu(gate[i]) · up[i]} for i < n, silu(g) = g / (1 + e^-g). */
    default void swiglu(float[] gate, float[] up, int n) {
        ScalarKernels.swiglu(gate, up, n);
    }

    /**
     * Keeps the first {@code layers} blocks of a model resident on this backend's device for one session
     * (see {@link LayerOffload}), or returns null when this backend cannot (CPU backends). It may run fewer
     * blocks than asked, e.g. up to the first block with a tensor type it has no kernel for; the result says
     * how many. Weights are uploaded once per backend and shared by its sessions.
     *
     * @param contextLength positions of the session's device KV cache
     * @param maxBatch      most tokens per {@link LayerOffload#forward} call
     */
    default LayerOffload offloadLayers(ModelConfig config, LlamaWeights weights, int layers, KvCacheType kvType,
                                       int contextLength, int maxBatch) {
        return null;
    }

    /** Device memory held now, in bytes per kind (e.g. {@code weights}, {@code kv_cache}); empty for CPU backends. */
    default java.util.Map<String, Long> deviceMemory() {
        return java.util.Map.of();
    }

    @Override
    default void close() {}
}
