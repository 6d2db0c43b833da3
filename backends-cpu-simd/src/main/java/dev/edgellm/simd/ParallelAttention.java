package dev.edgellm.simd;

import dev.edgellm.kv.KvCache;
import dev.edgellm.kv.KvCacheType;

/**
 * {@link Attention} on the backend's {@link WorkerPool}: the attention in flight is published in fields the
 * workers read (WorkerPool's volatile generation orders them), each worker takes a share of the KV heads (decode)
 * or of the (KV head, position) pairs (prefill) and keeps its own scratch, so a step allocates nothing once the
 * scratch has grown to the model's shapes. One instance per backend; not for concurrent use (nor is the backend).
 */
final class ParallelAttention {
    /** Below this many query-key products (positions × heads × head size) one thread does the attention. */
    static final int ATTENTION_PARALLEL_MIN = 1 << 16;

    private float[] attMax = new float[0], attSum = new float[0];
    // per worker scratch of the f16 and quantized paths: running max, sum (group · chunkHeads floats), a tile's
    // key and value rows (TILE · Attention.tileSpan floats each), a tile's weights (group · TILE floats)
    private final float[][] attM, attL, attKeyTile, attValueTile, attTile;
    private final WorkerPool pool;
    private final long parallelMinWork;
    // the attention in flight, read by the workers (published by WorkerPool's volatile generation): f16 rows in
    // attKeys/attValues, or q8_0/q4_0 blocks in attQuantKeys/attQuantValues
    private short[] attKeys, attValues;
    private byte[] attQuantKeys, attQuantValues;
    private boolean attQ4;
    private float[] attQ, attOut;
    private int attKvDim, attPos, attQOff, attHeads, attKvHeads, attHeadDim, attOutOff;
    private float attScale;
    private final WorkerPool.Task attentionTask = this::attendPart;

    /**
     * Most scratch floats per thread (keys + values of one KV head) for {@link #attendBatch}: 8 MiB, i.e. 16k
     * positions of 64-wide heads; longer contexts go token by token, so the scratch stays bounded.
     */
    static final long BATCH_ATTENTION_MAX_FLOATS = 2L << 20;

    private final Attention.BatchScratch[] batchScratch; // per worker, filled lazily by each worker itself

    private int attStartPos, attN;
    private final WorkerPool.Task batchAttentionTask = this::attendBatchPart;

    /** @param parallelMinWork the backend's threshold below which one thread does the work (tests pass 0) */
    ParallelAttention(WorkerPool pool, long parallelMinWork) {
        this.pool = pool;
        this.parallelMinWork = parallelMinWork;
        int threads = pool.size();
        this.attM = new float[threads][];
        this.attL = new float[threads][];
        this.attKeyTile = new float[threads][];
        this.attValueTile = new float[threads][];
        this.attTile = new float[threads][];
        this.batchScratch = new Attention.BatchScratch[threads];
    }

    /**
     * f16, q8_0 and q4_0 caches are read directly ({@link KvCache#halfKeys}, {@link KvCache#quantKeys}): each key
     * and value row is converted to floats once per KV head, with the KV heads split across the workers for long
     * contexts; other caches (f32) go through the cache interface.
     */
    void attend(KvCache cache, int layer, int pos, float[] q, int qOff, int heads, int kvHeads,
                int headDim, float scale, float[] out, int outOff) {
        int group = heads / kvHeads;
        short[] keys = cache.halfKeys(layer);
        byte[] quantKeys = keys == null ? cache.quantKeys(layer) : null;
        if (keys == null && quantKeys == null) {
            if (attMax.length < group) {
                attMax = new float[group];
                attSum = new float[group];
            }
            Attention.attend(cache, layer, pos, q, qOff, heads, kvHeads, headDim, scale, out, outOff, attMax, attSum);
            return;
        }
        publishAttention(cache, layer, keys, quantKeys, q, heads, kvHeads, headDim, scale, out);
        attPos = pos;
        attQOff = qOff;
        attOutOff = outOff;
        try {
            long work = (long) (pos + 1) * heads * headDim;
            if (kvHeads > 1 && work >= Math.min(ATTENTION_PARALLEL_MIN, parallelMinWork)) pool.run(attentionTask);
            else attendPart(0, 1);
        } finally {
            clearAttention();
        }
    }

    /** Sets the fields the attention workers read (the cache's f16 or quantized arrays, shapes, q and out). */
    private void publishAttention(KvCache cache, int layer, short[] keys, byte[] quantKeys, float[] q, int heads,
                                  int kvHeads, int headDim, float scale, float[] out) {
        if (keys != null) {
            attKeys = keys;
            attValues = cache.halfValues(layer);
        } else {
            attQuantKeys = quantKeys;
            attQuantValues = cache.quantValues(layer);
            attQ4 = cache.type() == KvCacheType.Q4_0;
        }
        attKvDim = cache.kvDim();
        attQ = q;
        attHeads = heads;
        attKvHeads = kvHeads;
        attHeadDim = headDim;
        attScale = scale;
        attOut = out;
    }

    /** Drops the references {@link #publishAttention} set, so that no cache array outlives the call. */
    private void clearAttention() {
        attKeys = attValues = null;
        attQuantKeys = attQuantValues = null;
        attQ = attOut = null;
    }

    /** Worker {@code worker}'s share of the KV heads of the f16 or quantized attention in flight. */
    private void attendPart(int worker, int workers) {
        int group = attHeads / attKvHeads, heads = group * Attention.chunkHeads(attKvHeads, attHeadDim);
        if (attM[worker] == null || attM[worker].length < heads) {
            attM[worker] = new float[heads];
            attL[worker] = new float[heads];
        }
        if (attTile[worker] == null || attTile[worker].length < group * Attention.TILE) {
            attTile[worker] = new float[group * Attention.TILE];
        }
        int tile = Attention.TILE * Attention.tileSpan(attKvHeads, attHeadDim);
        if (attKeyTile[worker] == null || attKeyTile[worker].length < tile) {
            attKeyTile[worker] = new float[tile];
            attValueTile[worker] = new float[tile];
        }
        int kh0 = attKvHeads * worker / workers, kh1 = attKvHeads * (worker + 1) / workers;
        Attention.attendTiled(attKeys, attValues, attQuantKeys, attQuantValues, attQ4, attKvDim, attPos, attQ, attQOff,
                attHeads, attKvHeads, kh0, kh1, attHeadDim, attScale, attOut, attOutOff, attM[worker], attL[worker],
                attKeyTile[worker], attValueTile[worker], attTile[worker]);
    }

    /**
     * Prefill on f16, q8_0 and q4_0 caches: {@link Attention#attendBatch}, the (KV head, position) pairs split
     * across the workers. False, having done nothing, for a single token, other caches, or contexts too long
     * for the scratch: the caller then goes token by token.
     */
    boolean attendBatch(KvCache cache, int layer, int startPos, int n, float[] q, int heads, int kvHeads,
                        int headDim, float scale, float[] out) {
        short[] keys = cache.halfKeys(layer);
        byte[] quantKeys = keys == null ? cache.quantKeys(layer) : null;
        long scratch = 2L * Attention.batchStride(startPos + n) * headDim;
        // one token (decode) goes to the tiled kernel, which needs no context-sized scratch; so do other caches
        // and contexts too long for the scratch
        if (n == 1 || (keys == null && quantKeys == null) || scratch > BATCH_ATTENTION_MAX_FLOATS
                || heads % kvHeads != 0) {
            return false;
        }
        publishAttention(cache, layer, keys, quantKeys, q, heads, kvHeads, headDim, scale, out);
        attStartPos = startPos;
        attN = n;
        try {
            long work = (long) n * (startPos + n) * heads * headDim;
            if (work >= Math.min(ATTENTION_PARALLEL_MIN, parallelMinWork)) pool.run(batchAttentionTask);
            else attendBatchPart(0, 1);
        } finally {
            clearAttention();
        }
        return true;
    }

    private void attendBatchPart(int worker, int workers) {
        if (batchScratch[worker] == null) batchScratch[worker] = new Attention.BatchScratch();
        long items = (long) attKvHeads * attN;
        Attention.attendBatch(attKeys, attValues, attQuantKeys, attQuantValues, attQ4, attKvDim, attStartPos, attN,
                attQ, attHeads, attKvHeads, attHeadDim, attScale, attOut, (int) (items * worker / workers),
                (int) (items * (worker + 1) / workers), batchScratch[worker]);
    }
}
