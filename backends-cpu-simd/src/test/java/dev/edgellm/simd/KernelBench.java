package dev.edgellm.simd;

import dev.edgellm.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import static dev.edgellm.RandomTensors.randomFloats;
import static dev.edgellm.RandomTensors.randomTensor;

/**
 * Not a test: single-thread matVec throughput of the kernel variants on tensors larger than the caches
 * (8 tensors cycled), the shape of llama-1b's FFN; median of the repetitions. Run:
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:../runtime-core/target/classes dev.edgellm.simd.KernelBench [TYPE]}
 */
public final class KernelBench {
    static final int N = Integer.getInteger("kb.n", 2048), ROWS = Integer.getInteger("kb.rows", 8192), TENSORS = Integer.getInteger("kb.tensors", 8), REPS = Integer.getInteger("kb.reps", 15);
    static final long WARMUP_MS = Long.getLong("kb.warmupMs", 4000);
    /** Distinct tensors among the cycled ones: 1 with few rows keeps the weights in L2 and times the kernel's compute alone. */
    static final int DISTINCT = Math.min(TENSORS, Integer.getInteger("kb.distinct", TENSORS));

    static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    static long runQ4Float(MemorySegment[] segs, int rowBytes, float[] x, float[] xs, float[] out) {
        long t0 = MX.getCurrentThreadCpuTime();
        for (MemorySegment s : segs) {
            BlockKernels.blockSums(x, 0, xs, 0, N);
            for (int r = 0; r < ROWS; r++) out[r] = BlockKernels.q4_0Sums(s, (long) r * rowBytes, x, 0, xs, 0, N);
        }
        return MX.getCurrentThreadCpuTime() - t0;
    }

    static long runX8(Interleaved8 format, MemorySegment[] packed, float[] x, QuantizedInput qi, float[] out) {
        long t0 = MX.getCurrentThreadCpuTime();
        int blocks = N / format.blockElements();
        qi.quantize(x, 0, N); // once, as a matVec does: the kernel's time alone
        for (MemorySegment s : packed) {
            for (int g = 0, groups = ROWS / 8; g < groups; g += format.groupsAt(g, groups)) {
                format.dot(s, g, groups, blocks, qi, out, 8 * g);
            }
        }
        return MX.getCurrentThreadCpuTime() - t0;
    }

    public static void main(String[] args) {
        String only = args.length > 0 ? args[0] : "";
        Random rnd = new Random(1);
        System.out.printf("read bandwidth %.1f GB/s%n", readBandwidth());
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
            if (!only.isEmpty() && !type.name().equals(only)) continue;
            int rowBytes = (int) type.byteSize(N);
            MemorySegment[] segs = new MemorySegment[TENSORS], globals = new MemorySegment[TENSORS];
            for (int t = 0; t < TENSORS; t++) {
                if (t >= DISTINCT) {
                    segs[t] = segs[t % DISTINCT];
                    globals[t] = globals[t % DISTINCT];
                    continue;
                }
                ByteBuffer src = randomTensor(type, N, ROWS, rnd).buffer(0);
                ByteBuffer direct = ByteBuffer.allocateDirect(rowBytes * ROWS).order(ByteOrder.LITTLE_ENDIAN);
                direct.put(src.duplicate().clear()).clear();
                segs[t] = MemorySegment.ofBuffer(direct);
                globals[t] = Arena.global().allocate(rowBytes * (long) ROWS, 64).copyFrom(segs[t]);
            }
            float[] x = randomFloats(rnd, N);
            float[] out = new float[ROWS];
            Kernels.RowDot fl = Kernels.forType(type);
            boolean in = type == GgmlType.Q4_0;
            Interleaved8 format = Interleaved8.forType(type);
            double bytes = (double) rowBytes * ROWS * TENSORS;
            double[] a = new double[REPS], b = new double[REPS], c = new double[REPS];
            MemorySegment[] packed = new MemorySegment[TENSORS];
            if (format != null) {
                for (int t = 0; t < TENSORS; t++) {
                    if (t >= DISTINCT) {
                        packed[t] = packed[t % DISTINCT];
                        continue;
                    }
                    packed[t] = Arena.global().allocate(format.packedBytes(ROWS / 8, N / format.blockElements()), 64);
                    MemorySegment seg = segs[t];
                    format.repack(new Interleaved8.Rows() {
                        @Override
                        public MemorySegment segment(int row) { return seg; }

                        @Override
                        public long offset(int row) { return (long) row * rowBytes; }
                    }, 0, ROWS / 8, ROWS / 8, N / format.blockElements(), packed[t]);
                }
            }
            QuantizedInput qi = new QuantizedInput();
            // untimed passes of the repacked kernel first, for WARMUP_MS: C2 compiles a span kernel only some seconds
            // in (Q5_0's 48-row one ~2 s after its first call; timed from the start, the median of 15 DRAM passes
            // included C1's boxed ones: 3-5 GB/s)
            for (long end = System.nanoTime() + WARMUP_MS * 1_000_000L; packed[0] != null && System.nanoTime() < end; ) {
                runX8(format, packed, x, qi, out);
            }
            for (int rep = 0; rep < REPS; rep++) {
                if (type == GgmlType.Q8_0) {
                    float[] xp = new float[N];
                    BlockKernels.permute32(x, 0, xp, 0, N);
                    a[rep] = bytes / runFloat(BlockKernels::q8_0Permuted, segs, rowBytes, xp, out);
                } else {
                    a[rep] = bytes / runFloat(fl, segs, rowBytes, x, out);
                }
                if (in) b[rep] = bytes / runQ4Float(segs, rowBytes, x, new float[N / 32], out);
                if (packed[0] != null) c[rep] = bytes / runX8(format, packed, x, qi, out);
            }
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long m0 = mx.getCurrentThreadAllocatedBytes();
            runFloat(fl, segs, rowBytes, x, out);
            long m1 = mx.getCurrentThreadAllocatedBytes();
            if (in) runQ4Float(segs, rowBytes, x, new float[N / 32], out);
            long m2 = mx.getCurrentThreadAllocatedBytes();
            if (packed[0] != null) runX8(format, packed, x, qi, out);
            long m3 = mx.getCurrentThreadAllocatedBytes();
            System.out.printf("%s allocated bytes per pass: float %d new %d repacked %d%n", type, m1 - m0, m2 - m1, m3 - m2);
            System.out.printf("%s GB/s (median of %d): row-major %.2f | q4_0 B2I+block sums %.2f | repacked x8 %.2f%n",
                    type, REPS, median(a), median(b), median(c));
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static long runFloat(Kernels.RowDot k, MemorySegment[] segs, int rowBytes, float[] x, float[] out) {
        long t0 = MX.getCurrentThreadCpuTime();
        for (MemorySegment s : segs) {
            for (int r = 0; r < ROWS; r++) out[r] = k.dot(s, (long) r * rowBytes, x, 0, N);
        }
        return MX.getCurrentThreadCpuTime() - t0;
    }

    static double readBandwidth() {
        MemorySegment big = Arena.global().allocate(256L << 20, 64);
        big.fill((byte) 1);
        double best = 0;
        for (int rep = 0; rep < 8; rep++) {
            long t0 = MX.getCurrentThreadCpuTime();
            int sum = sum(big);
            best = Math.max(best, big.byteSize() / (double) (MX.getCurrentThreadCpuTime() - t0) + (sum == 42 ? 1e-9 : 0));
        }
        return best;
    }

    static int sum(MemorySegment s) {
        ByteVector a0 = ByteVector.zero(ByteVector.SPECIES_256), a1 = a0;
        for (long i = 0; i < s.byteSize(); i += 64) {
            a0 = a0.add(ByteVector.fromMemorySegment(ByteVector.SPECIES_256, s, i, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(ByteVector.fromMemorySegment(ByteVector.SPECIES_256, s, i + 32, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }
}
