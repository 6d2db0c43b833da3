package dev.edgellm.model;

/**
 * Rotary position embedding of a llama-family model: the angle of pair i at position p is
 * {@code p · θ_i}, θ_i = scale · base^(−2i/ropeDim) / factor_i (factors from {@code rope_freqs.weight}, Llama 3.1
 * scaling). Angles, cosines and sines are computed in double, once per position, so every backend (CPU or
 * GPU, which gets the tables from {@link #cosSin}) rotates with the same numbers. Pairs are (2i, 2i+1) for
 * the normal layout and (i, i + ropeDim/2) for NEOX (qwen2/3).
 */
public final class Rope {
    private final double[] invFreq;
    private final int headDim;
    private final boolean neox;

    public Rope(ModelConfig c, float[] factors) {
        invFreq = new double[c.ropeDim / 2];
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] = c.ropeFreqScale * Math.pow(c.ropeBase, -2.0 * i / c.ropeDim);
            if (factors != null) invFreq[i] /= factors[i];
        }
        headDim = c.headDim;
        neox = c.arch.ropeType == Architecture.RopeType.NEOX;
    }

    /** Rotated pairs per head: ropeDim / 2. */
    public int pairs() { return invFreq.length; }

    public boolean neox() { return neox; }

    /** Writes cos and sin of every pair at {@code pos} to {@code out[off + 2i]} and {@code out[off + 2i + 1]}. */
    public void cosSin(int pos, float[] out, int off) {
        for (int i = 0; i < invFreq.length; i++) {
            double angle = pos * invFreq[i];
            out[off + 2 * i] = (float) Math.cos(angle);
            out[off + 2 * i + 1] = (float) Math.sin(angle);
        }
    }

    /** Rotates the first ropeDim dimensions of each of {@code heads} heads at {@code off} for position pos. */
    public void rotate(float[] vec, int off, int heads, int pos) {
        int half = invFreq.length;
        for (int i = 0; i < half; i++) {
            double angle = pos * invFreq[i];
            float cos = (float) Math.cos(angle), sin = (float) Math.sin(angle);
            for (int h = 0; h < heads; h++) {
                int base = off + h * headDim;
                int a = neox ? base + i : base + 2 * i;
                int b = neox ? base + i + half : base + 2 * i + 1;
                float x0 = vec[a], x1 = vec[b];
                vec[a] = x0 * cos - x1 * sin;
                vec[b] = x0 * sin + x1 * cos;
            }
        }
    }
}
