package dev.edgellm.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The model architectures EdgeLLM runs, by their {@code general.architecture} name, with what differs
 * between them in the llama family: RoPE layout, biases on the q/k/v projections, per-head q/k RMSNorm.
 * (llama.cpp: llama and mistral use normal RoPE — checkpoints are permuted at conversion — qwen2/qwen3
 * use the NeoX layout.)
 */
public enum Architecture {
    LLAMA("llama", RopeType.NORMAL, false, false),
    MISTRAL("mistral", RopeType.NORMAL, false, false),
    QWEN2("qwen2", RopeType.NEOX, true, false),
    QWEN3("qwen3", RopeType.NEOX, false, true);

    /** Value of {@code general.architecture}, also the prefix of its hyper-parameter keys. */
    public final String ggufName;
    public final RopeType ropeType;
    /** q/k/v projections carry a bias (qwen2). Loaded whenever present, required for these. */
    public final boolean qkvBias;
    /** RMSNorm over each head of q and k before RoPE (qwen3). */
    public final boolean qkNorm;

    Architecture(String ggufName, RopeType ropeType, boolean qkvBias, boolean qkNorm) {
        this.ggufName = ggufName;
        this.ropeType = ropeType;
        this.qkvBias = qkvBias;
        this.qkNorm = qkNorm;
    }

    /** Supported names, comma separated, for error messages. */
    public static String supportedNames() {
        return Arrays.stream(values()).map(a -> a.ggufName).collect(Collectors.joining(", "));
    }

    /** The architecture named {@code name}, or null. */
    public static Architecture byName(String name) {
        for (Architecture a : values()) {
            if (a.ggufName.equals(name)) return a;
        }
        return null;
    }

    public enum RopeType {
        /** Rotate adjacent pairs (2i, 2i+1). */
        NORMAL,
        /** Rotate (i, i + rotDim/2): GPT-NeoX layout. */
        NEOX
    }
}
