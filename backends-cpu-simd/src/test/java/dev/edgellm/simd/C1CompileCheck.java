package dev.edgellm.simd;

import dev.edgellm.gguf.GgmlType;

/**
 * Run by {@link Interleaved8Test} in a fresh JVM with {@code -XX:TieredStopAtLevel=3 -XX:+PrintCompilation}: calls
 * every repacked format's kernels (span and 8-row ones) often on short rows (a standard compile) and a few times on long ones (a loop long
 * enough for an on-stack-replacement compile), so that C1 compiles each kernel at its profiling tier both ways. The
 * test then looks for C1 refusing one of ours ("COMPILE SKIPPED"): a kernel too large for C1's tier 3 can stay in
 * tier 2 for good, never reaching C2, boxing every vector (a K-quant kernel did, BENCHMARKS.md).
 */
final class C1CompileCheck {
    public static void main(String[] args) {
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
            for (int blocks : new int[] {65536 / Interleaved8.forType(type).blockElements(), 1}) {
                KernelAllocationCheck.RepackedCase c = KernelAllocationCheck.RepackedCase.of(type,
                        KernelAllocationCheck.RepackedCase.groups(type), blocks);
                for (int i = 0, calls = blocks == 1 ? 1_000 : 3; i < calls; i++) c.dotAll();
            }
            System.out.println(type + " done");
        }
    }
}
