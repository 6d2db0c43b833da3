package dev.edgellm.simd;

import dev.edgellm.spi.ScalarKernels;
import dev.edgellm.gguf.TensorData;
import org.bytedeco.javacpp.FloatPointer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.logging.Logger;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.blas_set_num_threads;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

/**
 * Prefill matrix-matrix product through OpenBLAS's sgemm (JavaCPP's bundled build): weights are dequantized
 * tile by tile (a few MiB of rows at a time, never the whole matrix) into an off-heap buffer, and
 * {@code out[n × rows] = x[n × in] · W_tileᵀ} runs per tile. Dequantizing costs ~one pass over the weights per
 * call, which only pays off for large batches ({@link SimdBackend} uses this from {@link #MIN_BATCH} tokens on).
 * OpenBLAS runs its own threads; their count follows the backend's. The weight tiles are written straight
 * into OpenBLAS's buffer by the row source and the products read back by the backend's workers, so the only
 * single-threaded work around sgemm is the (small) activation copy; before each sgemm the workers are told to
 * park at once rather than spin, which would take a core from OpenBLAS. Buffers grow to the largest call and
 * are reused, so steady-state prefill allocates nothing on the Java heap.
 */
final class BlasGemm implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BlasGemm.class.getName());
    /** Smallest batch sent to sgemm: below it the per-call dequantization outweighs sgemm's speed (BENCHMARKS.md). */
    static final int MIN_BATCH = 64;
    /** Bytes of dequantized weights per tile ({@code -Dedgellm.simd.blasTileBytes} for A/B measurements). */
    private static final long TILE_BYTES = Long.getLong("edgellm.simd.blasTileBytes", 8L << 20);

    private final long tileBytes;
    private final WorkerPool pool; // null: copies on the calling thread (tests)
    private FloatPointer xBuf = new FloatPointer(0L), wBuf = new FloatPointer(0L), cBuf = new FloatPointer(0L);
    private MemorySegment wSeg = MemorySegment.NULL, cSeg = MemorySegment.NULL;
    private float[] rowScratch = new float[0]; // for the scalar-reference row source of matMul(TensorData, ...)

    // the copy-out in flight, read by the workers (published by WorkerPool's volatile generation)
    private float[] copyOut;
    private int copyN, copyT, copyRows, copyR0;
    private final WorkerPool.Task copyOutTask = (worker, workers) ->
            copyOut(copyN * worker / workers, copyN * (worker + 1) / workers);

    private BlasGemm(int threads, WorkerPool pool, long tileBytes) {
        blas_set_num_threads(threads);
        this.pool = pool;
        this.tileBytes = tileBytes;
    }

    /** OpenBLAS with {@code pool}'s thread count, or null (with the reason logged) where its natives do not load. */
    static BlasGemm open(WorkerPool pool) {
        return open(pool.size(), pool, TILE_BYTES);
    }

    /** Tests use small tiles so that several tiles and a short last one are exercised, and may pass no pool. */
    static BlasGemm open(int threads, WorkerPool pool, long tileBytes) {
        try {
            return new BlasGemm(threads, pool, tileBytes);
        } catch (Throwable e) { // UnsatisfiedLinkError, NoClassDefFoundError (no natives for this platform)
            LOG.info("simd: OpenBLAS unavailable (" + e + "); prefill uses the Vector API matMul");
            return null;
        }
    }

    /**
     * Writes rows {@code r0 .. r0+count} of the weights, dequantized, as floats into {@code dst}: row-major (row r
     * of the tile at byte {@code 4·r·in}) or, for a column source, column-major (row r, column c at float
     * {@code c·count + r}); may split the rows across the worker pool.
     */
    interface RowSource {
        void rows(int r0, int count, MemorySegment dst);
    }

    /**
     * Rows per column-major tile are a multiple of this, and so is every tile's first row: a source whose layout
     * interleaves 8 rows ({@link Interleaved8}) writes 8 rows' values of a column with one store.
     */
    static final int COLUMN_TILE_ROWS = 8;

    /** {@code out[b * rows + r] = dot(row r of w, x[b * in ..])} for {@code b < n}, rows read by the scalar reference. */
    void matMul(TensorData w, float[] x, float[] out, int n) {
        int in = (int) w.info().rowLength();
        matMul(w, (r0, count, dst) -> {
            if (rowScratch.length < in) rowScratch = new float[in];
            float[] row = rowScratch;
            for (int r = 0; r < count; r++) {
                ScalarKernels.getRow(w, r0 + r, row, 0);
                copyRow(row, dst, r, in);
            }
        }, x, out, n);
    }

    /** Copies {@code row[0 .. in)} to row r of a tile. */
    static void copyRow(float[] row, MemorySegment tile, int r, int in) {
        MemorySegment.copy(row, 0, tile, ValueLayout.JAVA_FLOAT, 4L * r * in, in);
    }

    /** Copies {@code row[0 .. in)} to row r of a column-major tile of {@code count} rows. */
    static void copyColumn(float[] row, MemorySegment tile, int r, int count, int in) {
        for (int c = 0; c < in; c++) tile.setAtIndex(ValueLayout.JAVA_FLOAT, (long) c * count + r, row[c]);
    }

    /** As {@link #matMul(TensorData, float[], float[], int)}, with the weight rows from {@code src} (row-major tiles). */
    void matMul(TensorData w, RowSource src, float[] x, float[] out, int n) {
        matMul(w, src, false, x, out, n);
    }

    /**
     * As {@link #matMul(TensorData, float[], float[], int)}, with the weight rows from {@code src}, which writes
     * column-major tiles if {@code columns} (sgemm then reads the tile as Wᵀ untransposed).
     */
    void matMul(TensorData w, RowSource src, boolean columns, float[] x, float[] out, int n) {
        int in = (int) w.info().rowLength(), rows = (int) w.info().rows();
        int tileRows = (int) Math.max(1, Math.min(rows, tileBytes / (4L * in)));
        if (columns && tileRows < rows) tileRows = Math.max(COLUMN_TILE_ROWS, tileRows / COLUMN_TILE_ROWS * COLUMN_TILE_ROWS);
        xBuf = ensure(xBuf, (long) n * in);
        if (wBuf.capacity() < (long) tileRows * in) {
            wBuf = ensure(wBuf, (long) tileRows * in);
            wSeg = view(wBuf);
        }
        if (cBuf.capacity() < (long) n * tileRows) {
            cBuf = ensure(cBuf, (long) n * tileRows);
            cSeg = view(cBuf);
        }
        xBuf.position(0).put(x, 0, n * in);
        for (int r0 = 0; r0 < rows; r0 += tileRows) {
            int t = Math.min(tileRows, rows - r0);
            src.rows(r0, t, wSeg);
            if (pool != null) pool.rest();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, columns ? CblasNoTrans : CblasTrans, n, t, in, 1f, xBuf.position(0), in,
                    wBuf.position(0), columns ? t : in, 0f, cBuf.position(0), t);
            copyOut = out;
            copyN = n;
            copyT = t;
            copyRows = rows;
            copyR0 = r0;
            try {
                if (pool == null) copyOut(0, n);
                else pool.run(copyOutTask);
            } finally {
                copyOut = null;
            }
        }
        xBuf.position(0);
    }

    /** out[b·rows + r0 ..] = products of tokens b in [b0, b1) for the tile just computed. */
    private void copyOut(int b0, int b1) {
        for (int b = b0; b < b1; b++) {
            MemorySegment.copy(cSeg, ValueLayout.JAVA_FLOAT, 4L * b * copyT, copyOut, b * copyRows + copyR0, copyT);
        }
    }

    private static FloatPointer ensure(FloatPointer p, long floats) {
        if (p.capacity() >= floats) return p;
        p.close();
        return new FloatPointer(floats);
    }

    /** The native buffer as a segment (restricted: the wrapper and tests enable native access). */
    private static MemorySegment view(FloatPointer p) {
        return MemorySegment.ofAddress(p.address()).reinterpret(4L * p.capacity());
    }

    @Override
    public void close() {
        xBuf.close();
        wBuf.close();
        cBuf.close();
    }
}
