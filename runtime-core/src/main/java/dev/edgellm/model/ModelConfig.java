package dev.edgellm.model;

import dev.edgellm.ModelFormatException;
import dev.edgellm.gguf.GgufFile;

/**
 * Hyper-parameters of a llama-family model, read from GGUF metadata keys {@code {arch}.*} (names as in
 * llama.cpp's llama-arch.cpp). Validated: every count positive, heads divisible by KV heads, dimensions
 * consistent, so a nonsense header fails here with the key named rather than deep inside a kernel.
 */
public final class ModelConfig {
    public final Architecture arch;
    public final int dim;
    public final int layers;
    public final int hiddenDim;
    public final int heads;
    public final int kvHeads;
    public final int headDim;
    /** Dimension of keys/values per head (qwen3 may differ from dim/heads). */
    public final int kvHeadDim;
    public final int ropeDim;
    public final float ropeBase;
    /** Linear RoPE scaling: positions are multiplied by this (1 = none). */
    public final float ropeFreqScale;
    public final float rmsEps;
    public final int trainedContext;
    public final int vocabSize;

    private ModelConfig(Architecture arch, int dim, int layers, int hiddenDim, int heads, int kvHeads, int headDim,
                        int kvHeadDim, int ropeDim, float ropeBase, float ropeFreqScale, float rmsEps,
                        int trainedContext, int vocabSize) {
        this.arch = arch;
        this.dim = dim;
        this.layers = layers;
        this.hiddenDim = hiddenDim;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.kvHeadDim = kvHeadDim;
        this.ropeDim = ropeDim;
        this.ropeBase = ropeBase;
        this.ropeFreqScale = ropeFreqScale;
        this.rmsEps = rmsEps;
        this.trainedContext = trainedContext;
        this.vocabSize = vocabSize;
    }

    /** Query dimension: heads × headDim. */
    public int qDim() { return heads * headDim; }

    /** Key/value dimension: kvHeads × kvHeadDim. */
    public int kvDim() { return kvHeads * kvHeadDim; }

    public static ModelConfig from(GgufFile gguf) throws ModelFormatException {
        String archName = gguf.getString("general.architecture", null);
        if (archName == null) throw bad(gguf, "general.architecture", "missing key");
        Architecture arch = Architecture.byName(archName);
        if (arch == null) {
            throw bad(gguf, "general.architecture", "unsupported architecture '" + archName + "' (supported: "
                    + Architecture.supportedNames() + ")");
        }
        String p = archName + ".";
        try {
            int dim = positive(gguf, p + "embedding_length", required(gguf, p + "embedding_length"));
            int layers = positive(gguf, p + "block_count", required(gguf, p + "block_count"));
            int hidden = positive(gguf, p + "feed_forward_length", required(gguf, p + "feed_forward_length"));
            int heads = positive(gguf, p + "attention.head_count", required(gguf, p + "attention.head_count"));
            int kvHeads = positive(gguf, p + "attention.head_count_kv", gguf.getInt(p + "attention.head_count_kv", heads));
            if (heads % kvHeads != 0) {
                throw bad(gguf, p + "attention.head_count_kv", "head count " + heads + " is not a multiple of KV head count " + kvHeads);
            }
            int headDim = positive(gguf, p + "attention.key_length", gguf.getInt(p + "attention.key_length", dim / heads));
            int kvHeadDim = positive(gguf, p + "attention.value_length", gguf.getInt(p + "attention.value_length", headDim));
            if (kvHeadDim != headDim) {
                throw bad(gguf, p + "attention.value_length", "key length " + headDim + " != value length " + kvHeadDim + " is not supported");
            }
            int ropeDim = positive(gguf, p + "rope.dimension_count", gguf.getInt(p + "rope.dimension_count", headDim));
            if (ropeDim > headDim || ropeDim % 2 != 0) {
                throw bad(gguf, p + "rope.dimension_count", "RoPE dimension " + ropeDim + " must be even and <= head size " + headDim);
            }
            float base = gguf.getFloat(p + "rope.freq_base", 10000f);
            if (!(base > 0)) throw bad(gguf, p + "rope.freq_base", "must be > 0, got " + base);
            // As llama.cpp reads it (llama-model.cpp, load_hparams): the scaling type defaults to "linear" when the
            // key is absent, and the factor is rope.scaling.factor, else the legacy rope.scale_linear, 0 or absent
            // meaning 1. So a file with only rope.scale_linear = 4 (older converters) is scaled linearly by 4.
            // ("llama3" is not a llama.cpp scaling type; accepted here as no linear scaling, since Llama 3.1 files
            // carry their scaling in rope_freqs.weight.)
            float freqScale = 1f;
            String scaling = gguf.getString(p + "rope.scaling.type", "linear");
            if (scaling.equals("linear")) {
                String key = gguf.has(p + "rope.scaling.factor") ? p + "rope.scaling.factor" : p + "rope.scale_linear";
                float factor = gguf.getFloat(key, 0f);
                if (factor != 0) {
                    if (!(factor > 0)) throw bad(gguf, key, "must be > 0, got " + factor);
                    freqScale = 1f / factor;
                }
            } else if (!scaling.equals("none") && !scaling.equals("llama3")) {
                throw bad(gguf, p + "rope.scaling.type", "RoPE scaling '" + scaling + "' is not supported (none, linear, llama3)");
            }
            float eps = gguf.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f);
            if (!(eps > 0 && eps < 1)) throw bad(gguf, p + "attention.layer_norm_rms_epsilon", "must be in (0, 1), got " + eps);
            int ctx = positive(gguf, p + "context_length", gguf.getInt(p + "context_length", 2048));
            int vocab;
            if (gguf.has(p + "vocab_size")) {
                vocab = positive(gguf, p + "vocab_size", gguf.getInt(p + "vocab_size", 0));
            } else if (gguf.has("tokenizer.ggml.tokens")) {
                vocab = gguf.get("tokenizer.ggml.tokens").arrayLength();
            } else {
                throw bad(gguf, "tokenizer.ggml.tokens", "missing key (needed for the vocabulary size)");
            }
            return new ModelConfig(arch, dim, layers, hidden, heads, kvHeads, headDim, kvHeadDim, ropeDim, base,
                    freqScale, eps, ctx, vocab);
        } catch (IllegalArgumentException e) {
            // wrong metadata type, reported by GgufFile's typed getters
            throw new ModelFormatException(gguf.path(), -1, "metadata", e.getMessage(), e);
        }
    }

    private static int required(GgufFile g, String key) throws ModelFormatException {
        if (!g.has(key)) throw bad(g, key, "missing key");
        return g.getInt(key, 0);
    }

    private static int positive(GgufFile g, String key, int v) throws ModelFormatException {
        if (v <= 0 || v > (1 << 24)) throw bad(g, key, "value " + v + " is out of range");
        return v;
    }

    private static ModelFormatException bad(GgufFile g, String key, String problem) {
        return new ModelFormatException(g.path(), -1, key, problem);
    }

    @Override
    public String toString() {
        return arch.ggufName + ": dim " + dim + ", layers " + layers + ", ffn " + hiddenDim + ", heads " + heads + "/"
                + kvHeads + " × " + headDim + ", rope " + arch.ropeType + " dim " + ropeDim + " base " + ropeBase
                + ", eps " + rmsEps + ", vocab " + vocabSize + ", trained ctx " + trainedContext;
    }
}
