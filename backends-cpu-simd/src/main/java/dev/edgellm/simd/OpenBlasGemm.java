package dev.edgellm.simd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.logging.Logger;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.blas_set_num_threads;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

/**
 * {@link PrefillGemm} through OpenBLAS's fp32 sgemm (JavaCPP's bundled build, x86-64 and arm64 Linux): f32
 * tiles; a column-major tile is read as Wᵀ untransposed. OpenBLAS's thread count follows the backend's.
 */
final class OpenBlasGemm extends PrefillGemm {
    private static final Logger LOG = Logger.getLogger(OpenBlasGemm.class.getName());

    private OpenBlasGemm(int threads, WorkerPool pool, long tileBytes) {
        super(pool, tileBytes);
        blas_set_num_threads(threads);
    }

    /** Tests use small tiles so that several tiles and a short last one are exercised, and may pass no pool. */
    static OpenBlasGemm open(int threads, WorkerPool pool, long tileBytes) {
        try {
            return new OpenBlasGemm(threads, pool, tileBytes);
        } catch (Throwable e) { // UnsatisfiedLinkError, NoClassDefFoundError (no natives for this platform)
            LOG.info("simd: OpenBLAS unavailable (" + e + ")");
            return null;
        }
    }

    @Override
    String description() { return "OpenBLAS sgemm (f32)"; }

    @Override
    int tileElementBytes() { return 4; }

    @Override
    void input(float[] x, int n, int in) {
        MemorySegment.copy(x, 0, input.ensure(4L * n * in).segment(), ValueLayout.JAVA_FLOAT, 0, n * in);
    }

    @Override
    void multiply(int n, int t, int in, boolean columns) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, columns ? CblasNoTrans : CblasTrans, n, t, in, 1f, input.pointer(), in,
                tile.pointer(), columns ? t : in, 0f, products.pointer(), t);
    }

    @Override
    void closeNative() {}
}
