package dev.edgellm.simd;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.quant.Quants;
import dev.edgellm.spi.ScalarKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static dev.edgellm.RandomTensors.randomFloats;
import static dev.edgellm.RandomTensors.randomTensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both prefill GEMMs against the scalar reference, token by token: odd row counts, tiles of a few rows (so
 * several tiles and a short last one run), batches at and above {@link PrefillGemm#MIN_BATCH}, row-major and
 * column-major tiles, and the buffers reused across calls of different shapes. OpenBLAS (f32) must match to
 * float rounding; oneDNN (bf16, emulated where the CPU lacks bf16 instructions, so this runs on every x86-64)
 * within the bound of rounding both operands to bf16 (8 significant bits): 2^-7 · Σ|w_i·x_i|.
 */
class PrefillGemmTest {
    private static final boolean X86_64 = System.getProperty("os.arch").matches("amd64|x86_64");

    /** The memory planner counts oneDNN's memory from the batch the backend sends to it (it cannot see this module). */
    @org.junit.jupiter.api.Test
    void thePlannerCountsOneDnnFromTheSameBatch() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("edgellm.simd.gemmMinBatch") == null, "overridden");
        assertEquals(dev.edgellm.planner.MemoryPlanner.SIMD_ONEDNN_MIN_BATCH, PrefillGemm.MIN_BATCH_BF16);
        assertEquals(PrefillGemm.MIN_BATCH_BF16, PrefillGemm.MIN_BATCH);
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void openBlasMatchesScalarReference(GgmlType type) {
        for (boolean columns : new boolean[] {false, true}) {
            check(type, false, null, 2, columns); // copy-out on the calling thread
            try (WorkerPool pool = new WorkerPool(3)) {
                check(type, false, pool, 3, columns); // split across the pool's threads
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void oneDnnBf16MatchesScalarReferenceWithinBf16Rounding(GgmlType type) {
        org.junit.jupiter.api.Assumptions.assumeTrue(X86_64, "oneDNN natives are bundled for x86-64 Linux only");
        for (boolean columns : new boolean[] {false, true}) {
            check(type, true, null, 2, columns);
            try (WorkerPool pool = new WorkerPool(3)) {
                check(type, true, pool, 3, columns);
            }
        }
    }

    /** columns: the tiles are written column-major (tiles of 8 rows then: 5 rounded up to a whole 8-row group). */
    private static void check(GgmlType type, boolean bf16, WorkerPool pool, int threads, boolean columns) {
        Random rnd = new Random(type.ordinal() * 17L + 3);
        int n = type.blockSize == 1 ? 67 * 32 : type.blockSize * (type.blockSize == 32 ? 67 : 9);
        long tileBytes = (bf16 ? 2L : 4L) * n * 5; // tiles of 5 rows
        try (PrefillGemm gemm = bf16 ? OneDnnGemm.open(threads, pool, tileBytes, false) : OpenBlasGemm.open(threads, pool, tileBytes)) {
            assertNotNull(gemm, (bf16 ? "oneDNN natives load on linux-x86_64" : "OpenBLAS natives load on linux-x86_64 and linux-arm64"));
            assertEquals(bf16 ? 2 : 4, gemm.tileElementBytes());
            for (int rows : new int[] {21, 13, 5, 1}) {
                TensorData w = randomTensor(type, n, rows, rnd);
                for (int batch : new int[] {PrefillGemm.MIN_BATCH, 70}) {
                    float[] x = randomFloats(rnd, batch * n);
                    float[] got = new float[batch * rows];
                    if (!columns) gemm.matMul(w, x, got, batch);
                    else gemm.matMul(w, (r0, count, dst) -> {
                        assertEquals(0, r0 % PrefillGemm.COLUMN_TILE_ROWS, "a column tile starts at a whole group");
                        float[] row = new float[n];
                        for (int r = 0; r < count; r++) {
                            ScalarKernels.getRow(w, r0 + r, row, 0);
                            gemm.copyColumn(row, dst, r, count, n);
                        }
                    }, true, x, got, batch);
                    float[] want = new float[rows], row = new float[n];
                    for (int t = 0; t < batch; t++) {
                        ScalarKernels.matVec(w, x, t * n, want, 0);
                        for (int r = 0; r < rows; r++) {
                            Quants.of(type).dequantize(w.buffer(r), w.rowOffset(r), row, 0, n);
                            double mag = 0;
                            for (int i = 0; i < n; i++) mag += Math.abs((double) row[i] * x[t * n + i]);
                            double tolerance = (bf16 ? 0x1p-7 : 0) * mag + 1e-5 * mag + 1e-6;
                            assertEquals(want[r], got[t * rows + r], tolerance, type + (bf16 ? " bf16" : "")
                                    + (pool == null ? "" : " pool") + (columns ? " columns" : "") + " rows " + rows
                                    + " batch " + batch + " token " + t + " row " + r);
                        }
                    }
                }
            }
        }
    }

    /**
     * Steady-state prefill allocates nothing on the Java heap, whichever GEMM runs (calling thread, no pool): as
     * in {@link DecodeAllocationTest}, warm up until three consecutive rounds of 10 products allocate nothing
     * (the Vector API boxes its vectors until C2 has compiled the bf16 conversion); a product that allocates in
     * steady state never gets there.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aRepeatedProductAllocatesNothing(boolean bf16) {
        org.junit.jupiter.api.Assumptions.assumeTrue(!bf16 || X86_64, "oneDNN natives are bundled for x86-64 Linux only");
        int n = 256, rows = 40, batch = PrefillGemm.MIN_BATCH;
        TensorData w = randomTensor(GgmlType.Q8_0, n, rows, new Random(3));
        float[] x = randomFloats(new Random(4), batch * n), out = new float[batch * rows], row = new float[n];
        try (PrefillGemm gemm = bf16 ? OneDnnGemm.open(1, null, 4L * n * 16, false) : OpenBlasGemm.open(1, null, 4L * n * 16)) {
            PrefillGemm.RowSource src = (r0, count, dst) -> {
                for (int r = 0; r < count; r++) {
                    ScalarKernels.getRow(w, r0 + r, row, 0);
                    gemm.copyRow(row, dst, r, n);
                }
            };
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            int zeroRounds = 0, round = 0;
            long allocated = -1;
            for (; zeroRounds < 3 && round < 400; round++) {
                long before = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 10; i++) gemm.matMul(w, src, x, out, batch);
                allocated = mx.getCurrentThreadAllocatedBytes() - before;
                zeroRounds = allocated == 0 ? zeroRounds + 1 : 0;
            }
            assertEquals(3, zeroRounds, "bytes allocated by the last 10 products after " + round + " rounds: " + allocated);
        }
    }

    /** {@code -Dedgellm.simd.gemm}: each value picks its GEMM; anything else is an error naming the property. */
    @Test
    void gemmChoice() {
        try (WorkerPool pool = new WorkerPool(2)) {
            try (PrefillGemm g = PrefillGemm.open(pool, "openblas")) {
                assertTrue(g instanceof OpenBlasGemm, "openblas: " + g.description());
            }
            if (X86_64) {
                try (PrefillGemm g = PrefillGemm.open(pool, "onednn")) { // emulated bf16 too, where the CPU lacks it
                    assertTrue(g instanceof OneDnnGemm && g.description().startsWith("oneDNN matmul (bf16, "), g.description());
                }
            }
            try (PrefillGemm g = PrefillGemm.open(pool, "auto")) {
                boolean nativeBf16 = g instanceof OneDnnGemm o && o.nativeBf16();
                assertTrue(nativeBf16 || g instanceof OpenBlasGemm, "auto takes oneDNN only where bf16 is native: " + g.description());
            }
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> PrefillGemm.open(pool, "blas"));
            assertEquals("-Dedgellm.simd.gemm must be auto, onednn or openblas, not 'blas'", e.getMessage());
        }
    }

    /** The vector conversion against the scalar one, which rounds to nearest even and keeps NaN a NaN. */
    @Test
    void bf16ConversionRoundsToNearestEven() {
        assertEquals((short) 0x3F80, PrefillGemm.bf16(1f));
        assertEquals((short) 0x3F80, PrefillGemm.bf16(Float.intBitsToFloat(0x3F808000))); // tie, even below
        assertEquals((short) 0x3F82, PrefillGemm.bf16(Float.intBitsToFloat(0x3F818000))); // tie, even above
        assertEquals((short) 0x3F81, PrefillGemm.bf16(Float.intBitsToFloat(0x3F808001)));
        assertEquals((short) 0x7F80, PrefillGemm.bf16(Float.POSITIVE_INFINITY));
        assertEquals((short) 0x7F80, PrefillGemm.bf16(Float.MAX_VALUE)); // rounds up to infinity, as IEEE does
        assertTrue(Float.isNaN(PrefillGemm.fromBf16(PrefillGemm.bf16(Float.NaN))));
        assertTrue(Float.isNaN(PrefillGemm.fromBf16(PrefillGemm.bf16(Float.intBitsToFloat(0xFFFFFFFF)))));
        Random rnd = new Random(9);
        float[] src = new float[1003];
        for (int i = 0; i < src.length; i++) {
            src[i] = switch (i % 5) {
                case 0 -> Float.intBitsToFloat(rnd.nextInt()); // any bits: NaNs, infinities, subnormals
                case 1 -> Float.intBitsToFloat((rnd.nextInt() & 0xFFFF0000) | 0x8000); // ties
                default -> (float) rnd.nextGaussian();
            };
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(2L * src.length + 6);
            PrefillGemm.toBf16(src, 3, dst, 6, src.length - 3);
            for (int i = 3; i < src.length; i++) {
                short want = PrefillGemm.bf16(src[i]), got = dst.get(Vec.SHORT, 6 + 2L * (i - 3));
                if (Float.isNaN(src[i])) assertTrue(Float.isNaN(PrefillGemm.fromBf16(got)), "NaN at " + i);
                else assertEquals(want, got, "element " + i + " = " + src[i]);
                if (!Float.isNaN(src[i])) {
                    assertTrue(Math.abs(PrefillGemm.fromBf16(want) - src[i]) <= Math.max(Math.abs(src[i]) * 0x1p-8, 0x1p-134) || Float.isInfinite(PrefillGemm.fromBf16(want)),
                            "within 2^-8 relative (half a subnormal ulp): " + src[i]);
                }
            }
        }
    }
}
