package dev.edgellm.simd;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.spi.ScalarKernels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static dev.edgellm.RandomTensors.randomFloats;
import static dev.edgellm.RandomTensors.randomTensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The OpenBLAS prefill path against the scalar reference, token by token: odd row counts, tiles of a few rows
 * (so several tiles and a short last one run), batches at and above {@link BlasGemm#MIN_BATCH}, and the
 * buffers reused across calls of different shapes.
 */
class BlasGemmTest {
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void matchesScalarReference(GgmlType type) {
        check(type, null, 2); // copy-out on the calling thread
        try (WorkerPool pool = new WorkerPool(3)) {
            check(type, pool, 3); // split across the pool's threads
        }
    }

    private static void check(GgmlType type, WorkerPool pool, int threads) {
        Random rnd = new Random(type.ordinal() * 17L + 3);
        int n = type.blockSize == 1 ? 67 * 32 : type.blockSize * (type.blockSize == 32 ? 67 : 9);
        try (BlasGemm blas = BlasGemm.open(threads, pool, 4L * n * 5)) { // tiles of 5 rows
            assertNotNull(blas, "OpenBLAS natives load on linux-x86_64 and linux-arm64");
            for (int rows : new int[] {13, 5, 1}) {
                TensorData w = randomTensor(type, n, rows, rnd);
                for (int batch : new int[] {BlasGemm.MIN_BATCH, 70}) {
                    float[] x = randomFloats(rnd, batch * n);
                    float[] got = new float[batch * rows];
                    blas.matMul(w, x, got, batch);
                    float[] want = new float[rows];
                    for (int t = 0; t < batch; t++) {
                        ScalarKernels.matVec(w, x, t * n, want, 0);
                        for (int r = 0; r < rows; r++) {
                            assertEquals(want[r], got[t * rows + r], 1e-4 * (1 + Math.abs(want[r])) * Math.sqrt(n),
                                    type + (pool == null ? "" : " pool") + " rows " + rows + " batch " + batch + " token " + t + " row " + r);
                        }
                    }
                }
            }
        }
    }
}
