package dev.edgellm.kv;

/** KV cache in float32: exact, 4 bytes per element. */
final class F32KvCache implements KvCache {
    private final int layers, firstLayer, ctx, kvDim;
    private final float[][] keys, values;

    /** Layers below {@code firstLayer} are held elsewhere (GPU) and get no storage here. */
    F32KvCache(int layers, int firstLayer, int ctx, int kvDim) {
        this.layers = layers;
        this.firstLayer = firstLayer;
        this.ctx = ctx;
        this.kvDim = kvDim;
        keys = new float[layers][];
        values = new float[layers][];
        for (int l = 0; l < layers; l++) {
            keys[l] = new float[l < firstLayer ? 0 : ctx * kvDim];
            values[l] = new float[l < firstLayer ? 0 : ctx * kvDim];
        }
    }

    @Override public KvCacheType type() { return KvCacheType.F32; }
    @Override public int layers() { return layers; }
    @Override public int contextLength() { return ctx; }
    @Override public int kvDim() { return kvDim; }
    @Override public long bytes() { return 2L * (layers - firstLayer) * ctx * kvDim * 4; }

    @Override
    public void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        System.arraycopy(k, kOff, keys[layer], pos * kvDim, kvDim);
        System.arraycopy(v, vOff, values[layer], pos * kvDim, kvDim);
    }

    @Override
    public void load(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        System.arraycopy(keys[layer], pos * kvDim, k, kOff, kvDim);
        System.arraycopy(values[layer], pos * kvDim, v, vOff, kvDim);
    }

    @Override
    public float dotKey(int layer, int pos, int off, float[] q, int qOff, int n) {
        float[] k = keys[layer];
        int base = pos * kvDim + off;
        float s = 0f;
        for (int i = 0; i < n; i++) s += q[qOff + i] * k[base + i];
        return s;
    }

    @Override
    public void addValue(int layer, int pos, int off, float w, float[] out, int outOff, int n) {
        float[] v = values[layer];
        int base = pos * kvDim + off;
        for (int i = 0; i < n; i++) out[outOff + i] += w * v[base + i];
    }
}
