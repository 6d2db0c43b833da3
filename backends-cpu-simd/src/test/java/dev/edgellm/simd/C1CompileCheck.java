package dev.edgellm.simd;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static dev.edgellm.RandomTensors.randomFloats;
import static dev.edgellm.RandomTensors.randomTensor;

/**
 * Run by {@link Interleaved8Test} in a fresh JVM with {@code -XX:TieredStopAtLevel=3 -XX:+PrintCompilation}: calls
 * every repacked format's kernels often on short rows (a standard compile) and a few times on long ones (a loop long
 * enough for an on-stack-replacement compile), so that C1 compiles each kernel at its profiling tier both ways. The
 * test then looks for C1 refusing one of ours ("COMPILE SKIPPED"): a kernel too large for C1's tier 3 can stay in
 * tier 2 for good, never reaching C2, boxing every vector (a K-quant kernel did, BENCHMARKS.md).
 */
final class C1CompileCheck {
    public static void main(String[] args) {
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
            Interleaved8 format = Interleaved8.forType(type);
            int groups = 3;
            for (int blocks : new int[] {65536 / format.blockElements(), 1}) {
                int n = format.blockElements() * blocks;
                TensorData w = randomTensor(type, n, 8 * groups, new Random(16));
                MemorySegment packed = Arena.ofAuto().allocate(format.packedBytes(groups, blocks));
                format.repack(Interleaved8Test.rows(MemorySegment.ofBuffer(w.buffer(0)), w.rowBytes()), 0, groups, groups, blocks, packed);
                QuantizedInput q = new QuantizedInput();
                q.quantize(randomFloats(new Random(17), n), 0, n);
                float[] out = new float[8 * groups];
                int calls = blocks == 1 ? 1_000 : 3;
                for (int i = 0; i < calls; i++) {
                    for (int g = 0; g < groups; g += format.groupsAt(g, groups)) format.dot(packed, g, groups, blocks, q, out, 8 * g);
                }
            }
            System.out.println(type + " done");
        }
    }
}
