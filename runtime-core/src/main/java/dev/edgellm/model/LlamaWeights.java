package dev.edgellm.model;

import dev.edgellm.ModelFormatException;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.gguf.TensorInfo;
import dev.edgellm.quant.Quants;
import dev.edgellm.spi.ScalarKernels;

import java.io.IOException;

/**
 * The tensors of a llama-family model, resolved by llama.cpp's tensor names and checked against the
 * {@link ModelConfig} before anything runs. Matrices stay mapped in their stored format (zero copy);
 * only the small 1-D vectors (norms, biases, RoPE factors) are dequantized onto the heap.
 */
public final class LlamaWeights {
    public final TensorData tokenEmbedding;   // [dim] x vocab rows
    public final float[] outputNorm;          // [dim]
    public final TensorData output;           // [dim] x vocab rows; token_embd when tied
    public final boolean tiedOutput;
    /** Llama 3.1-style per-frequency RoPE divisors ({@code rope_freqs.weight}, ropeDim/2), or null. */
    public final float[] ropeFreqFactors;
    public final Layer[] layers;

    /** One transformer block. Matrices: row length = input size, rows = output size. */
    public static final class Layer {
        public float[] attnNorm;                      // [dim]
        public TensorData wq, wk, wv, wo;             // q: dim→qDim, k/v: dim→kvDim, o: qDim→dim
        public float[] bq, bk, bv;                    // qwen2 biases, else null
        public float[] qNorm, kNorm;                  // qwen3 per-head norms [headDim], else null
        public float[] ffnNorm;                       // [dim]
        public TensorData gate, up, down;             // gate/up: dim→hidden, down: hidden→dim
    }

    private LlamaWeights(TensorData tokenEmbedding, float[] outputNorm, TensorData output, boolean tiedOutput,
                         float[] ropeFreqFactors, Layer[] layers) {
        this.tokenEmbedding = tokenEmbedding;
        this.outputNorm = outputNorm;
        this.output = output;
        this.tiedOutput = tiedOutput;
        this.ropeFreqFactors = ropeFreqFactors;
        this.layers = layers;
    }

    public static LlamaWeights load(GgufFile g, ModelConfig c) throws IOException {
        Loader l = new Loader(g);
        TensorData embd = l.matrix("token_embd.weight", c.dim, c.vocabSize);
        float[] outNorm = l.vector("output_norm.weight", c.dim);
        boolean tied = g.tensor("output.weight") == null;
        TensorData out = tied ? embd : l.matrix("output.weight", c.dim, c.vocabSize);
        float[] freqs = g.tensor("rope_freqs.weight") != null ? l.vector("rope_freqs.weight", c.ropeDim / 2) : null;
        Layer[] layers = new Layer[c.layers];
        for (int i = 0; i < c.layers; i++) {
            String p = "blk." + i + ".";
            Layer y = new Layer();
            y.attnNorm = l.vector(p + "attn_norm.weight", c.dim);
            y.wq = l.matrix(p + "attn_q.weight", c.dim, c.qDim());
            y.wk = l.matrix(p + "attn_k.weight", c.dim, c.kvDim());
            y.wv = l.matrix(p + "attn_v.weight", c.dim, c.kvDim());
            y.wo = l.matrix(p + "attn_output.weight", c.qDim(), c.dim);
            if (c.arch.qkvBias || g.tensor(p + "attn_q.bias") != null) {
                y.bq = l.vector(p + "attn_q.bias", c.qDim());
                y.bk = l.vector(p + "attn_k.bias", c.kvDim());
                y.bv = l.vector(p + "attn_v.bias", c.kvDim());
            }
            if (c.arch.qkNorm) {
                y.qNorm = l.vector(p + "attn_q_norm.weight", c.headDim);
                y.kNorm = l.vector(p + "attn_k_norm.weight", c.headDim);
            }
            y.ffnNorm = l.vector(p + "ffn_norm.weight", c.dim);
            y.gate = l.matrix(p + "ffn_gate.weight", c.dim, c.hiddenDim);
            y.up = l.matrix(p + "ffn_up.weight", c.dim, c.hiddenDim);
            y.down = l.matrix(p + "ffn_down.weight", c.hiddenDim, c.dim);
            layers[i] = y;
        }
        return new LlamaWeights(embd, outNorm, out, tied, freqs, layers);
    }

    /** Resolves tensors by name and checks type and shape, naming the tensor on any mismatch. */
    private static final class Loader {
        private final GgufFile g;

        Loader(GgufFile g) {
            this.g = g;
        }

        TensorInfo find(String name) throws ModelFormatException {
            TensorInfo t = g.tensor(name);
            if (t == null) throw new ModelFormatException(g.path(), -1, name, "required tensor is missing");
            if (!Quants.supports(t.type())) {
                throw new ModelFormatException(g.path(), g.dataOffset() + t.offset(), name,
                        "tensor type " + t.type() + " is not supported");
            }
            return t;
        }

        TensorData matrix(String name, int rowLength, int rows) throws IOException {
            TensorInfo t = find(name);
            if (t.dims() != 2 || t.dim(0) != rowLength || t.dim(1) != rows) {
                throw new ModelFormatException(g.path(), g.dataOffset() + t.offset(), name, "shape "
                        + java.util.Arrays.toString(t.shape()) + " does not match the model's [" + rowLength + ", " + rows + "]");
            }
            return g.map(t);
        }

        float[] vector(String name, int n) throws IOException {
            TensorInfo t = find(name);
            if (t.elements() != n || t.dim(0) != n) {
                throw new ModelFormatException(g.path(), g.dataOffset() + t.offset(), name, "shape "
                        + java.util.Arrays.toString(t.shape()) + " does not match the model's [" + n + "]");
            }
            float[] v = new float[n];
            ScalarKernels.getRow(g.map(t), 0, v, 0);
            return v;
        }
    }
}
