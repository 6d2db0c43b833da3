package dev.edgellm.simd;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static dev.edgellm.RandomTensors.randomFloats;
import static dev.edgellm.RandomTensors.randomTensor;

/**
 * Run by {@link Interleaved8Test} in a fresh JVM: per repacked format, two spans and a lone group ({@link
 * RepackedCase#groups(GgmlType)}: where the format has spans, both its span kernel and its 8-row one) dotted in rounds of 500 calls until three rounds in a row allocate nothing (before C2, Vector
 * API calls box their vectors; a kernel C1 or C2 gives up on never gets there). Prints "TYPE bytes" per format,
 * the bytes of the last round, and exits 1 if a format never reached zero. Then the same for the column fills of
 * the formats that have them ("columns TYPE bytes"), every format's row dequantizers ("rows TYPE bytes", "bf16 rows
 * TYPE bytes"; these alone do not count in the exit code: see {@link Interleaved8Test}), and every row kernel ("row
 * TYPE bytes").
 */
final class KernelAllocationCheck {
    /** Every format with a row kernel ({@link Kernels#forType}). */
    static final GgmlType[] ROW_TYPES = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
            GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q2_K,
            GgmlType.Q3_K};

    /** Every repacked format whose prefill dequantizes into column-major tiles ({@link Interleaved8#columnTiles}). */
    static final GgmlType[] COLUMN_TYPES = {GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q8_0};

    /** A random tensor of {@code 8 · groups} rows of a type, repacked, with a quantized input: what the kernel checks call. */
    record RepackedCase(Interleaved8 format, int groups, int blocks, MemorySegment packed, QuantizedInput input, float[] out) {
        /** Two full spans and a lone group (3 groups for a format without spans). */
        static int groups(GgmlType type) {
            return 2 * Interleaved8.forType(type).span() + 1;
        }

        static RepackedCase of(GgmlType type, int groups, int blocks) {
            Interleaved8 format = Interleaved8.forType(type);
            int n = format.blockElements() * blocks;
            TensorData w = randomTensor(type, n, 8 * groups, new Random(16));
            MemorySegment packed = Arena.ofAuto().allocate(format.packedBytes(groups, blocks));
            format.repack(Interleaved8Test.rows(MemorySegment.ofBuffer(w.buffer(0)), w.rowBytes()), 0, groups, groups, blocks, packed);
            QuantizedInput q = new QuantizedInput();
            q.quantize(randomFloats(new Random(17), n), 0, n);
            return new RepackedCase(format, groups, blocks, packed, q, new float[8 * groups]);
        }

        /** Every group dotted once, in pairs where the format pairs them. */
        void dotAll() {
            for (int g = 0; g < groups; g += format.groupsAt(g, groups)) format.dot(packed, g, groups, blocks, input, out, 8 * g);
        }
    }

    /** The repacked formats, whose kernels, fills and dequantizers the check runs. */
    static final GgmlType[] REPACKED_TYPES = {GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q5_K,
            GgmlType.Q6_K};

    public static void main(String[] args) {
        boolean ok = repackedSettle();
        ok &= rowKernelsSettle();
        System.exit(ok ? 0 : 1);
    }

    private static boolean repackedSettle() {
        boolean ok = true;
        for (GgmlType type : REPACKED_TYPES) {
            RepackedCase c = RepackedCase.of(type, RepackedCase.groups(type), 2);
            ok &= settles(type.toString(), () -> {
                for (int i = 0; i < 500; i++) c.dotAll();
            });
        }
        // the prefill's column fills (formats that dequantize into column-major tiles): every group of two spans and
        // a lone one, into f32 and bf16 tiles. A call of ours that C2 left a call in a fill boxed its vector: the
        // 8-row Q4_0 fill allocated 7.6 MB per prompt token in llama-1b's prefill on 256-bit CPUs
        for (GgmlType type : COLUMN_TYPES) {
            RepackedCase c = RepackedCase.of(type, RepackedCase.groups(type), 2);
            if (!c.format().columnTiles()) { // Q5_0 without spans dequantizes by rows
                System.out.println("columns " + type + " none");
                continue;
            }
            int rows = 8 * c.groups(), columns = c.format().blockElements() * c.blocks();
            MemorySegment tile = Arena.ofAuto().allocate(4L * rows * columns, 64);
            ok &= settles("columns " + type, () -> {
                for (int i = 0; i < 100; i++) {
                    for (int g = 0; g < c.groups(); g += c.format().groupsAt(g, c.groups())) {
                        c.format().dequantizeGroupColumns(c.packed(), g, c.groups(), c.blocks(), 0, c.blocks(), tile,
                                rows, 8L * g, (i & 1) == 0);
                    }
                }
            });
        }
        // the prefill's row dequantizers of every repacked format (the tiles of formats without column tiles, and
        // of rows past the last full group), as floats and fused into bf16; judged by the caller
        for (GgmlType type : REPACKED_TYPES) {
            RepackedCase c = RepackedCase.of(type, RepackedCase.groups(type), 2);
            int n = c.format().blockElements() * c.blocks();
            float[] row = new float[n];
            MemorySegment bf16 = Arena.ofAuto().allocate(2L * n, 64);
            settles("rows " + type, () -> {
                for (int i = 0; i < 20; i++) {
                    for (int r = 0; r < 8 * c.groups(); r++) c.format().dequantizeRow(c.packed(), r, c.groups(), c.blocks(), row, 0);
                }
            });
            settles("bf16 rows " + type, () -> {
                for (int i = 0; i < 20; i++) {
                    for (int r = 0; r < 8 * c.groups(); r++) {
                        c.format().dequantizeRowBf16(c.packed(), r, c.groups(), c.blocks(), row, bf16, 0);
                    }
                }
            });
        }
        return ok;
    }

    private static boolean rowKernelsSettle() {
        boolean ok = true;
        // the row kernels (tensors that are not repacked: other formats, rows past the last full group, CPUs with
        // 128-bit vectors): their largest bodies had reached C2's inlining budget and boxed (Q5_1, Q5_K, Q6_K)
        for (GgmlType type : ROW_TYPES) {
            Kernels.RowDot kernel = Kernels.forType(type);
            int n = 512;
            TensorData w = randomTensor(type, n, 1, new Random(18));
            // native memory, as mapped weights are (a heap segment's vector loads take other paths in C2)
            MemorySegment row = Arena.ofAuto().allocate(w.rowBytes(), 64).copyFrom(
                    MemorySegment.ofBuffer(w.buffer(0)).asSlice(w.rowOffset(0), w.rowBytes()));
            float[] x = randomFloats(new Random(19), n);
            float[] sink = new float[1]; // the results used, so that no call is dropped
            ok &= settles("row " + type, () -> {
                for (int i = 0; i < 500; i++) sink[0] += kernel.dot(row, 0, x, 0, n);
            });
        }
        return ok;
    }

    /**
     * Runs {@code round} until three rounds in a row allocate nothing on this thread, at most 2000 rounds, and prints
     * {@code label} with the bytes the last round allocated; whether it got there.
     */
    private static boolean settles(String label, Runnable round) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int zeroRounds = 0;
        long allocated = -1;
        for (int i = 0; i < 2000 && zeroRounds < 3; i++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            round.run();
            allocated = mx.getCurrentThreadAllocatedBytes() - before;
            zeroRounds = allocated == 0 ? zeroRounds + 1 : 0;
        }
        System.out.println(label + " " + allocated);
        return zeroRounds == 3;
    }
}
