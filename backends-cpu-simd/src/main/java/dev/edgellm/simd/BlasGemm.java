package dev.edgellm.simd;

import dev.edgellm.spi.ScalarKernels;
import dev.edgellm.gguf.TensorData;
import org.bytedeco.javacpp.FloatPointer;

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
 * OpenBLAS runs its own threads; their count follows the backend's. Buffers grow to the largest call and are
 * reused, so steady-state prefill allocates nothing on the Java heap.
 */
final class BlasGemm implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BlasGemm.class.getName());
    /** Smallest batch sent to sgemm: below it the per-call dequantization outweighs sgemm's speed (BENCHMARKS.md). */
    static final int MIN_BATCH = 64;
    /** Bytes of dequantized weights per tile. */
    private static final long TILE_BYTES = 8L << 20;

    private final long tileBytes;
    private FloatPointer xBuf = new FloatPointer(0L), wBuf = new FloatPointer(0L), cBuf = new FloatPointer(0L);
    private float[] rowScratch = new float[0];
    private float[] outScratch = new float[0];

    private BlasGemm(int threads, long tileBytes) {
        blas_set_num_threads(threads);
        this.tileBytes = tileBytes;
    }

    /** OpenBLAS for {@code threads} threads, or null (with the reason logged) where its natives do not load. */
    static BlasGemm open(int threads) {
        return open(threads, TILE_BYTES);
    }

    /** Tests use small tiles so that several tiles and a short last one are exercised. */
    static BlasGemm open(int threads, long tileBytes) {
        try {
            return new BlasGemm(threads, tileBytes);
        } catch (Throwable e) { // UnsatisfiedLinkError, NoClassDefFoundError (no natives for this platform)
            LOG.info("simd: OpenBLAS unavailable (" + e + "); prefill uses the Vector API matMul");
            return null;
        }
    }

    /** Fills {@code dst[0 .. count·in)} with rows {@code r0 .. r0+count} of the weights, dequantized. */
    interface RowSource {
        void rows(int r0, int count, float[] dst);
    }

    /** {@code out[b * rows + r] = dot(row r of w, x[b * in ..])} for {@code b < n}, rows read by the scalar reference. */
    void matMul(TensorData w, float[] x, float[] out, int n) {
        int in = (int) w.info().rowLength();
        matMul(w, (r0, count, dst) -> {
            for (int r = 0; r < count; r++) ScalarKernels.getRow(w, r0 + r, dst, r * in);
        }, x, out, n);
    }

    /** As {@link #matMul(TensorData, float[], float[], int)}, with the weight rows from {@code src}. */
    void matMul(TensorData w, RowSource src, float[] x, float[] out, int n) {
        int in = (int) w.info().rowLength(), rows = (int) w.info().rows();
        int tileRows = (int) Math.max(1, Math.min(rows, tileBytes / (4L * in)));
        xBuf = ensure(xBuf, (long) n * in);
        wBuf = ensure(wBuf, (long) tileRows * in);
        cBuf = ensure(cBuf, (long) n * tileRows);
        xBuf.position(0).put(x, 0, n * in);
        if (rowScratch.length < tileRows * in) rowScratch = new float[tileRows * in];
        if (outScratch.length < tileRows) outScratch = new float[tileRows];
        for (int r0 = 0; r0 < rows; r0 += tileRows) {
            int t = Math.min(tileRows, rows - r0);
            src.rows(r0, t, rowScratch);
            wBuf.position(0).put(rowScratch, 0, t * in);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, t, in, 1f, xBuf.position(0), in, wBuf.position(0), in,
                    0f, cBuf.position(0), t);
            for (int b = 0; b < n; b++) cBuf.position((long) b * t).get(out, b * rows + r0, t);
        }
        xBuf.position(0);
        cBuf.position(0);
    }

    private static FloatPointer ensure(FloatPointer p, long floats) {
        if (p.capacity() >= floats) return p;
        p.close();
        return new FloatPointer(floats);
    }

    @Override
    public void close() {
        xBuf.close();
        wBuf.close();
        cBuf.close();
    }
}
