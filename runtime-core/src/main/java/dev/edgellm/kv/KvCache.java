package dev.edgellm.kv;

/**
 * Keys and values of every layer for positions {@code 0 .. contextLength-1}. Each position of a layer holds
 * {@code kvDim = kvHeads × headDim} keys and as many values; a head's slice starts at {@code head × headDim}.
 * Sized from the requested context, not the model's maximum. Not thread-safe: owned by one session.
 */
public interface KvCache {
    KvCacheType type();

    int layers();

    int contextLength();

    /** kvHeads × headDim. */
    int kvDim();

    /** Stores the key and value vectors ({@code kvDim} floats each) of {@code pos} in {@code layer}. */
    void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff);

    /**
     * Reads back the key and value vectors of {@code pos} in {@code layer} (dequantized; what the attention
     * sees). With {@link #store} this moves positions, e.g. for a context shift.
     */
    void load(int layer, int pos, float[] k, int kOff, float[] v, int vOff);

    /** Dot product of the cached key slice {@code [off, off+n)} at {@code pos} with {@code q[qOff ..]}. */
    float dotKey(int layer, int pos, int off, float[] q, int qOff, int n);

    /** {@code out[outOff + i] += w × value[pos][off + i]} for {@code i < n}. */
    void addValue(int layer, int pos, int off, float w, float[] out, int outOff, int n);

    /** Bytes held by the cache. */
    long bytes();

    /**
     * The keys of {@code layer} as IEEE half-precision bits, key i of position p at {@code [p · kvDim + i]}, when
     * the cache stores them so (f16), else null. Read-only: backends use it to convert many keys at once.
     */
    default short[] halfKeys(int layer) { return null; }

    /** The values of {@code layer}, laid out as {@link #halfKeys}; null unless the cache is f16. */
    default short[] halfValues(int layer) { return null; }

    /**
     * The keys of {@code layer} as ggml blocks when the cache is {@link KvCacheType#Q8_0} or {@link KvCacheType#Q4_0}
     * (else null): position p's row of {@code kvDim} keys starts at byte {@code p × rowBytes}, rowBytes =
     * kvDim / 32 × {@link KvCacheType#blockBytes}, and holds kvDim / 32 blocks of a little-endian fp16 scale d
     * followed by 32 int8 quants (Q8_0: value d·q) or 16 bytes of nibbles (Q4_0: byte j holds element j in its
     * low and element j + 16 in its high nibble, value d·(nibble − 8)). Read-only: backends use it to dequantize
     * many keys at once. Layers below the cache's first host layer are zero-length.
     */
    default byte[] quantKeys(int layer) { return null; }

    /** The values of {@code layer}, laid out as {@link #quantKeys}; null unless the cache is q8_0 or q4_0. */
    default byte[] quantValues(int layer) { return null; }

    static KvCache allocate(KvCacheType type, int layers, int contextLength, int kvDim) {
        return allocate(type, layers, 0, contextLength, kvDim);
    }

    /**
     * A cache holding layers {@code [firstLayer, layers)} only: the ones below are kept by a GPU
     * ({@link dev.edgellm.spi.LayerOffload}) and must not be stored to or read here.
     */
    static KvCache allocate(KvCacheType type, int layers, int firstLayer, int contextLength, int kvDim) {
        if (firstLayer < 0 || firstLayer > layers) {
            throw new IllegalArgumentException("first host layer " + firstLayer + " outside 0.." + layers);
        }
        if (contextLength < 1) throw new IllegalArgumentException("context length must be >= 1, got " + contextLength);
        long perLayer = (long) contextLength * kvDim;
        if (perLayer > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("context " + contextLength + " × kv dim " + kvDim + " is too large for one layer");
        }
        switch (type) {
            case F32: return new F32KvCache(layers, firstLayer, contextLength, kvDim);
            case F16: return new F16KvCache(layers, firstLayer, contextLength, kvDim);
            case Q8_0:
            case Q4_0: return new QuantKvCache(type, layers, firstLayer, contextLength, kvDim);
            default: throw new AssertionError(type);
        }
    }
}
