package dev.edgellm.kv;

import dev.edgellm.quant.Float16;
import dev.edgellm.quant.Q4_0;
import dev.edgellm.quant.Q8_0;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * KV cache in ggml's Q8_0 or Q4_0 blocks (32 values share an fp16 scale), quantized per position along
 * kvDim exactly as llama.cpp quantizes its cache rows, with the same rounding (Q8_0/Q4_0.quantize). One
 * byte[] per layer for keys and one for values: ctx × kvDim / 32 × 34 (or 18) bytes. Reads dequantize
 * element by element; this is the scalar reference, SIMD kernels belong to the vector backend (which reads the
 * blocks through {@link #quantKeys}/{@link #quantValues}).
 */
final class QuantKvCache implements KvCache {
    private final KvCacheType type;
    private final boolean q4;
    private final int layers, firstLayer, ctx, kvDim, blockBytes, rowBytes;
    private final byte[][] keys, values;
    private final ByteBuffer[] keyBufs, valueBufs;

    /** Layers below {@code firstLayer} are held elsewhere (GPU) and get no storage here. */
    QuantKvCache(KvCacheType type, int layers, int firstLayer, int ctx, int kvDim) {
        if (kvDim % 32 != 0) {
            throw new IllegalArgumentException(type.id() + " KV cache needs kv dim to be a multiple of 32, got " + kvDim);
        }
        this.type = type;
        this.q4 = type == KvCacheType.Q4_0;
        this.layers = layers;
        this.firstLayer = firstLayer;
        this.ctx = ctx;
        this.kvDim = kvDim;
        this.blockBytes = type.blockBytes;
        this.rowBytes = kvDim / 32 * blockBytes;
        long perLayer = (long) ctx * rowBytes;
        if (perLayer > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("context " + ctx + " is too large for one " + type.id() + " cache layer");
        }
        keys = new byte[layers][];
        values = new byte[layers][];
        keyBufs = new ByteBuffer[layers];
        valueBufs = new ByteBuffer[layers];
        for (int l = 0; l < layers; l++) {
            keys[l] = new byte[l < firstLayer ? 0 : (int) perLayer];
            values[l] = new byte[l < firstLayer ? 0 : (int) perLayer];
            keyBufs[l] = ByteBuffer.wrap(keys[l]).order(ByteOrder.LITTLE_ENDIAN);
            valueBufs[l] = ByteBuffer.wrap(values[l]).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    @Override public KvCacheType type() { return type; }
    @Override public int layers() { return layers; }
    @Override public int contextLength() { return ctx; }
    @Override public int kvDim() { return kvDim; }
    @Override public long bytes() { return 2L * (layers - firstLayer) * ctx * rowBytes; }
    @Override public byte[] quantKeys(int layer) { return keys[layer]; }
    @Override public byte[] quantValues(int layer) { return values[layer]; }

    @Override
    public void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        if (q4) {
            Q4_0.quantize(k, kOff, keyBufs[layer], pos * rowBytes, kvDim);
            Q4_0.quantize(v, vOff, valueBufs[layer], pos * rowBytes, kvDim);
        } else {
            Q8_0.quantize(k, kOff, keyBufs[layer], pos * rowBytes, kvDim);
            Q8_0.quantize(v, vOff, valueBufs[layer], pos * rowBytes, kvDim);
        }
    }

    /** Element {@code e} (index within the position's row) of {@code row}, dequantized. */
    private float get(byte[] data, int rowStart, int e) {
        int p = rowStart + (e >>> 5) * blockBytes;
        float d = Float16.halfToFloat((data[p] & 0xFF) | (data[p + 1] & 0xFF) << 8);
        int j = e & 31;
        if (!q4) return d * data[p + 2 + j];
        int b = data[p + 2 + (j & 15)] & 0xFF;
        return d * ((j < 16 ? b & 0xF : b >>> 4) - 8);
    }

    /** Dequantizes; storing the result again gives the same blocks (the scale is set by the largest element). */
    @Override
    public void load(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        int row = pos * rowBytes;
        for (int i = 0; i < kvDim; i++) {
            k[kOff + i] = get(keys[layer], row, i);
            v[vOff + i] = get(values[layer], row, i);
        }
    }

    @Override
    public float dotKey(int layer, int pos, int off, float[] q, int qOff, int n) {
        byte[] k = keys[layer];
        int row = pos * rowBytes;
        float s = 0f;
        for (int i = 0; i < n; i++) s += q[qOff + i] * get(k, row, off + i);
        return s;
    }

    @Override
    public void addValue(int layer, int pos, int off, float w, float[] out, int outOff, int n) {
        byte[] v = values[layer];
        int row = pos * rowBytes;
        for (int i = 0; i < n; i++) out[outOff + i] += w * get(v, row, off + i);
    }
}
