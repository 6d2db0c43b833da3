package dev.edgellm.spi;

import dev.edgellm.gguf.TensorData;
import dev.edgellm.kv.KvCache;
import dev.edgellm.quant.QuantFormat;
import dev.edgellm.quant.Quants;

import java.nio.ByteBuffer;

/**
 * Scalar reference implementations of the {@link Backend} operations: plain float32 loops over the quant
 * formats' reference dot products. The oracle every accelerated backend is tested against; also what runs
 * where nothing faster is available (Android without a GPU backend).
 */
public final class ScalarKernels {
    private ScalarKernels() {}

    public static void matVec(TensorData w, float[] x, int xOff, float[] out, int outOff) {
        QuantFormat f = Quants.of(w.info().type());
        int n = (int) w.info().rowLength();
        long rows = w.info().rows();
        for (int r = 0; r < rows; r++) {
            out[outOff + r] = f.dot(w.buffer(r), w.rowOffset(r), x, xOff, n);
        }
    }

    public static void getRow(TensorData table, int row, float[] out, int outOff) {
        if (row < 0 || row >= table.info().rows()) {
            throw new IllegalArgumentException("row " + row + " out of range for " + table.info().name()
                    + " with " + table.info().rows() + " rows");
        }
        ByteBuffer b = table.buffer(row);
        Quants.of(table.info().type()).dequantize(b, table.rowOffset(row), out, outOff, (int) table.info().rowLength());
    }

    public static void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, float eps, int n) {
        float ss = 0f;
        for (int i = 0; i < n; i++) ss += x[xOff + i] * x[xOff + i];
        float scale = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) out[outOff + i] = weight[i] * (scale * x[xOff + i]);
    }

    public static void attention(KvCache cache, int layer, int pos, float[] q, int qOff, int heads, int kvHeads,
                                 int headDim, float scale, float[] att, float[] out, int outOff) {
        int group = heads / kvHeads;
        for (int h = 0; h < heads; h++) {
            int kvOff = (h / group) * headDim;
            int qh = qOff + h * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t <= pos; t++) {
                float s = cache.dotKey(layer, t, kvOff, q, qh, headDim) * scale;
                att[t] = s;
                if (s > max) max = s;
            }
            float sum = 0f;
            for (int t = 0; t <= pos; t++) {
                float e = (float) Math.exp(att[t] - max);
                att[t] = e;
                sum += e;
            }
            int o = outOff + h * headDim;
            for (int i = 0; i < headDim; i++) out[o + i] = 0f;
            float inv = 1f / sum;
            for (int t = 0; t <= pos; t++) cache.addValue(layer, t, kvOff, att[t] * inv, out, o, headDim);
        }
    }

    /** {@code gate[i] = gate[i] / (1 + e^-gate[i]) · up[i]} for i < n. */
    public static void swiglu(float[] gate, float[] up, int n) {
        for (int j = 0; j < n; j++) {
            float g = gate[j];
            gate[j] = g / (1f + (float) Math.exp(-g)) * up[j];
        }
    }
}
