package dev.edgellm.simd;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static dev.edgellm.RandomTensors.randomFloats;
import static dev.edgellm.RandomTensors.randomTensor;

/**
 * Run by {@link Interleaved8Test} in a fresh JVM: per repacked format, 3 groups (a pair and a lone group where the
 * format pairs them) dotted in rounds of 500 calls until three rounds in a row allocate nothing (before C2, Vector
 * API calls box their vectors; a kernel C1 or C2 gives up on never gets there). Prints "TYPE bytes" per format,
 * the bytes of the last round, and exits 1 if a format never reached zero.
 */
final class KernelAllocationCheck {
    public static void main(String[] args) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        boolean ok = true;
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q8_0, GgmlType.Q4_K}) {
            Interleaved8 format = Interleaved8.forType(type);
            int groups = 3, blocks = 2, n = format.blockElements() * blocks;
            TensorData w = randomTensor(type, n, 8 * groups, new Random(16));
            MemorySegment packed = Arena.ofAuto().allocate(format.packedBytes(groups, blocks));
            format.repack(Interleaved8Test.rows(MemorySegment.ofBuffer(w.buffer(0)), w.rowBytes()), 0, groups, groups, blocks, packed);
            QuantizedInput q = new QuantizedInput();
            q.quantize(randomFloats(new Random(17), n), 0, n);
            float[] out = new float[8 * groups];
            int zeroRounds = 0;
            long allocated = -1;
            for (int round = 0; round < 2000 && zeroRounds < 3; round++) {
                long before = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 500; i++) {
                    for (int g = 0; g < groups; g += format.groupsAt(g, groups)) format.dot(packed, g, groups, blocks, q, out, 8 * g);
                }
                allocated = mx.getCurrentThreadAllocatedBytes() - before;
                zeroRounds = allocated == 0 ? zeroRounds + 1 : 0;
            }
            System.out.println(type + " " + allocated);
            ok &= zeroRounds == 3;
        }
        System.exit(ok ? 0 : 1);
    }
}
