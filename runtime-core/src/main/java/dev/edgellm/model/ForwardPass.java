package dev.edgellm.model;

import dev.edgellm.kv.KvCache;
import dev.edgellm.model.LlamaWeights.Layer;
import dev.edgellm.spi.Backend;
import dev.edgellm.spi.LayerOffload;

/**
 * The llama-family forward pass (llama, mistral, qwen2, qwen3) over a batch of consecutive tokens, written
 * to be read top to bottom: embeddings, then per layer RMSNorm → q/k/v (+bias) → (q/k norm) → RoPE → KV
 * cache → causal attention → output projection → residual, RMSNorm → SwiGLU FFN → residual, then the
 * final norm and the vocabulary projection. Every numeric operation goes through the {@link Backend}.
 *
 * <p>With a {@link LayerOffload}, the first {@code offload.layers()} blocks run on its device (their keys and
 * values live there) and this code runs the rest; the residual stream crosses once each way per batch.
 *
 * <p>Scratch buffers are allocated once, sized for {@link #maxBatch} tokens, so the decode loop allocates
 * nothing. One instance per session; not thread-safe.
 */
public final class ForwardPass {
    private final ModelConfig c;
    private final LlamaWeights w;
    private final Backend backend;
    private final KvCache cache;
    private final int maxBatch;
    private final Rope rope;
    private final LayerOffload offload;
    /** First block run here: 0, or the blocks the offload owns. */
    private final int firstLayer;

    // activations for up to maxBatch tokens, token i at offset i * (width)
    private final float[] x, xb, xb2, q, k, v, attOut, hb, hb2;
    private final float[] att;
    private final float[] logits;

    public ForwardPass(ModelConfig c, LlamaWeights w, Backend backend, KvCache cache, int maxBatch) {
        this(c, w, backend, cache, maxBatch, null);
    }

    /** @param offload runs the first {@code offload.layers()} blocks, or null for none */
    public ForwardPass(ModelConfig c, LlamaWeights w, Backend backend, KvCache cache, int maxBatch, LayerOffload offload) {
        this.c = c;
        this.w = w;
        this.backend = backend;
        this.cache = cache;
        this.maxBatch = maxBatch;
        x = new float[maxBatch * c.dim];
        xb = new float[maxBatch * c.dim];
        xb2 = new float[maxBatch * c.dim];
        q = new float[maxBatch * c.qDim()];
        k = new float[maxBatch * c.kvDim()];
        v = new float[maxBatch * c.kvDim()];
        attOut = new float[maxBatch * c.qDim()];
        hb = new float[maxBatch * c.hiddenDim];
        hb2 = new float[maxBatch * c.hiddenDim];
        att = new float[cache.contextLength()];
        logits = new float[c.vocabSize];
        rope = new Rope(c, w.ropeFreqFactors);
        this.offload = offload;
        this.firstLayer = offload == null ? 0 : offload.layers();
    }

    public int maxBatch() { return maxBatch; }

    public KvCache cache() { return cache; }

    /** The blocks run on a device, or null. */
    public LayerOffload offload() { return offload; }

    /**
     * Runs {@code n} tokens ({@code tokens[off ..]}) at positions {@code startPos ..}, splitting into batches
     * of at most {@link #maxBatch}, and returns the logits after the last one (a shared buffer, overwritten by
     * the next call).
     */
    public float[] forward(int[] tokens, int off, int n, int startPos) {
        if (n <= 0) throw new IllegalArgumentException("no tokens to evaluate");
        if (startPos + n > cache.contextLength()) {
            throw new IllegalStateException("positions " + startPos + ".." + (startPos + n - 1)
                    + " exceed the context length " + cache.contextLength());
        }
        for (int done = 0; done < n; ) {
            int b = Math.min(maxBatch, n - done);
            batch(tokens, off + done, b, startPos + done);
            done += b;
        }
        return logits;
    }

    private void batch(int[] tokens, int off, int n, int startPos) {
        int dim = c.dim, qDim = c.qDim(), kvDim = c.kvDim(), hidden = c.hiddenDim;
        for (int i = 0; i < n; i++) {
            int t = tokens[off + i];
            if (t < 0 || t >= c.vocabSize) throw new IllegalArgumentException("token id " + t + " outside vocabulary of " + c.vocabSize);
            backend.getRow(w.tokenEmbedding, t, x, i * dim);
        }
        if (offload != null) offload.forward(x, n, startPos);
        float scale = (float) (1.0 / Math.sqrt(c.headDim));
        for (int l = firstLayer; l < c.layers; l++) {
            Layer y = w.layers[l];
            // attention block
            for (int i = 0; i < n; i++) backend.rmsNorm(xb, i * dim, x, i * dim, y.attnNorm, c.rmsEps, dim);
            backend.matMul(y.wq, xb, q, n);
            backend.matMul(y.wk, xb, k, n);
            backend.matMul(y.wv, xb, v, n);
            for (int i = 0; i < n; i++) {
                int pos = startPos + i;
                if (y.bq != null) {
                    addInPlace(q, i * qDim, y.bq, qDim);
                    addInPlace(k, i * kvDim, y.bk, kvDim);
                    addInPlace(v, i * kvDim, y.bv, kvDim);
                }
                if (y.qNorm != null) {
                    for (int h = 0; h < c.heads; h++) {
                        int o = i * qDim + h * c.headDim;
                        backend.rmsNorm(q, o, q, o, y.qNorm, c.rmsEps, c.headDim);
                    }
                    for (int h = 0; h < c.kvHeads; h++) {
                        int o = i * kvDim + h * c.headDim;
                        backend.rmsNorm(k, o, k, o, y.kNorm, c.rmsEps, c.headDim);
                    }
                }
                rope.rotate(q, i * qDim, c.heads, pos);
                rope.rotate(k, i * kvDim, c.kvHeads, pos);
                cache.store(l, pos, k, i * kvDim, v, i * kvDim);
            }
            backend.attentionBatch(cache, l, startPos, n, q, c.heads, c.kvHeads, c.headDim, scale, att, attOut);
            backend.matMul(y.wo, attOut, xb2, n);
            addInPlace(x, 0, xb2, n * dim);
            // feed-forward block (SwiGLU)
            for (int i = 0; i < n; i++) backend.rmsNorm(xb, i * dim, x, i * dim, y.ffnNorm, c.rmsEps, dim);
            backend.matMul(y.gate, xb, hb, n);
            backend.matMul(y.up, xb, hb2, n);
            backend.swiglu(hb, hb2, n * hidden);
            backend.matMul(y.down, hb, xb2, n);
            addInPlace(x, 0, xb2, n * dim);
        }
        if (offload != null && offload.computesLogits()) {
            offload.logits(logits);
            return;
        }
        int last = (n - 1) * dim;
        backend.rmsNorm(xb, 0, x, last, w.outputNorm, c.rmsEps, dim);
        backend.matVec(w.output, xb, 0, logits, 0);
    }

    private static void addInPlace(float[] dst, int off, float[] src, int n) {
        for (int i = 0; i < n; i++) dst[off + i] += src[i];
    }

    /**
     * Context shift: forgets cached positions {@code [keep, keep + discard)} and moves {@code [keep + discard,
     * cached)} down by {@code discard}, re-rotating the keys by {@code -discard} positions (RoPE angles are
     * linear in the position, so this equals rotating the unrotated key at its new position). Values do not
     * depend on the position and move as they are. Uses the batch scratch; allocates nothing.
     */
    public void shiftCache(int keep, int discard, int cached) {
        if (keep < 0 || discard < 1 || keep + discard > cached || cached > cache.contextLength()) {
            throw new IllegalArgumentException("bad context shift: keep " + keep + ", discard " + discard + ", cached " + cached);
        }
        if (offload != null) offload.shiftCache(keep, discard, cached);
        for (int l = firstLayer; l < c.layers; l++) {
            for (int pos = keep + discard; pos < cached; pos++) {
                cache.load(l, pos, k, 0, v, 0);
                rope.rotate(k, 0, c.kvHeads, -discard);
                cache.store(l, pos - discard, k, 0, v, 0);
            }
        }
    }
}
