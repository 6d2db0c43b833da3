package dev.edgellm.kv;

import dev.edgellm.quant.Float16;

/** KV cache in IEEE half precision (as llama.cpp's default): values are rounded when stored. */
final class F16KvCache implements KvCache {
    private final int layers, firstLayer, ctx, kvDim;
    private final short[][] keys, values;

    /** Layers below {@code firstLayer} are held elsewhere (GPU) and get no storage here. */
    F16KvCache(int layers, int firstLayer, int ctx, int kvDim) {
        this.layers = layers;
        this.firstLayer = firstLayer;
        this.ctx = ctx;
        this.kvDim = kvDim;
        keys = new short[layers][];
        values = new short[layers][];
        for (int l = 0; l < layers; l++) {
            keys[l] = new short[l < firstLayer ? 0 : ctx * kvDim];
            values[l] = new short[l < firstLayer ? 0 : ctx * kvDim];
        }
    }

    @Override public KvCacheType type() { return KvCacheType.F16; }
    @Override public int layers() { return layers; }
    @Override public int contextLength() { return ctx; }
    @Override public int kvDim() { return kvDim; }
    @Override public long bytes() { return 2L * (layers - firstLayer) * ctx * kvDim * 2; }
    @Override public short[] halfKeys(int layer) { return keys[layer]; }
    @Override public short[] halfValues(int layer) { return values[layer]; }

    @Override
    public void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        short[] kl = keys[layer], vl = values[layer];
        int base = pos * kvDim;
        for (int i = 0; i < kvDim; i++) {
            kl[base + i] = Float16.floatToHalfShort(k[kOff + i]);
            vl[base + i] = Float16.floatToHalfShort(v[vOff + i]);
        }
    }

    @Override
    public void load(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        short[] kl = keys[layer], vl = values[layer];
        int base = pos * kvDim;
        for (int i = 0; i < kvDim; i++) {
            k[kOff + i] = Float16.halfToFloat(kl[base + i]);
            v[vOff + i] = Float16.halfToFloat(vl[base + i]);
        }
    }

    @Override
    public float dotKey(int layer, int pos, int off, float[] q, int qOff, int n) {
        short[] k = keys[layer];
        int base = pos * kvDim + off;
        float s = 0f;
        for (int i = 0; i < n; i++) s += q[qOff + i] * Float16.halfToFloat(k[base + i]);
        return s;
    }

    @Override
    public void addValue(int layer, int pos, int off, float w, float[] out, int outOff, int n) {
        short[] v = values[layer];
        int base = pos * kvDim + off;
        for (int i = 0; i < n; i++) out[outOff + i] += w * Float16.halfToFloat(v[base + i]);
    }
}
