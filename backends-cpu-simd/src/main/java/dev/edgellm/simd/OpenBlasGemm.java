package dev.edgellm.simd;

import org.bytedeco.javacpp.FloatPointer;

import java.lang.foreign.MemorySegment;
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

    private FloatPointer xBuf = new FloatPointer(0L), wBuf = new FloatPointer(0L), cBuf = new FloatPointer(0L);
    private MemorySegment wSeg = MemorySegment.NULL, cSeg = MemorySegment.NULL;

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
    MemorySegment tile(long elements) {
        if (wBuf.capacity() < elements) {
            wBuf = ensure(wBuf, elements);
            wSeg = view(wBuf);
        }
        return wSeg;
    }

    @Override
    MemorySegment products(long floats) {
        if (cBuf.capacity() < floats) {
            cBuf = ensure(cBuf, floats);
            cSeg = view(cBuf);
        }
        return cSeg;
    }

    @Override
    void input(float[] x, int n, int in) {
        xBuf = ensure(xBuf, (long) n * in);
        xBuf.position(0).put(x, 0, n * in);
        xBuf.position(0);
    }

    @Override
    void multiply(int n, int t, int in, boolean columns) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, columns ? CblasNoTrans : CblasTrans, n, t, in, 1f, xBuf.position(0), in,
                wBuf.position(0), columns ? t : in, 0f, cBuf.position(0), t);
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
