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
        for (boolean columns : new boolean[] {false, true}) {
            check(type, null, 2, columns); // copy-out on the calling thread
            try (WorkerPool pool = new WorkerPool(3)) {
                check(type, pool, 3, columns); // split across the pool's threads
            }
        }
    }

    /** columns: the tiles are written column-major (tiles of 8 rows then: 5 rounded up to a whole 8-row group). */
    private static void check(GgmlType type, WorkerPool pool, int threads, boolean columns) {
        Random rnd = new Random(type.ordinal() * 17L + 3);
        int n = type.blockSize == 1 ? 67 * 32 : type.blockSize * (type.blockSize == 32 ? 67 : 9);
        try (BlasGemm blas = BlasGemm.open(threads, pool, 4L * n * 5)) { // tiles of 5 rows
            assertNotNull(blas, "OpenBLAS natives load on linux-x86_64 and linux-arm64");
            for (int rows : new int[] {21, 13, 5, 1}) {
                TensorData w = randomTensor(type, n, rows, rnd);
                for (int batch : new int[] {BlasGemm.MIN_BATCH, 70}) {
                    float[] x = randomFloats(rnd, batch * n);
                    float[] got = new float[batch * rows];
                    if (!columns) blas.matMul(w, x, got, batch);
                    else blas.matMul(w, (r0, count, dst) -> {
                        assertEquals(0, r0 % BlasGemm.COLUMN_TILE_ROWS, "a column tile starts at a whole group");
                        float[] row = new float[n];
                        for (int r = 0; r < count; r++) {
                            ScalarKernels.getRow(w, r0 + r, row, 0);
                            BlasGemm.copyColumn(row, dst, r, count, n);
                        }
                    }, true, x, got, batch);
                    float[] want = new float[rows];
                    for (int t = 0; t < batch; t++) {
                        ScalarKernels.matVec(w, x, t * n, want, 0);
                        for (int r = 0; r < rows; r++) {
                            assertEquals(want[r], got[t * rows + r], 1e-4 * (1 + Math.abs(want[r])) * Math.sqrt(n),
                                    type + (pool == null ? "" : " pool") + (columns ? " columns" : "") + " rows " + rows + " batch " + batch + " token " + t + " row " + r);
                        }
                    }
                }
            }
        }
    }
}
