package dev.edgellm.simd;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;

/**
 * The HotSpot flag the larger decode kernels need raised. While C2 compiles a method it adds up, over every
 * method body it inlines, how often that method's compiled code was thrown away (its decompile count); once the sum
 * reaches {@code PerMethodRecompilationCutoff / 2 + 1} (201 by default) it stops speculating on types wherever the
 * inlined code has trapped on a type before, and Vector API calls whose types it no longer knows stay real calls
 * that box every vector. The API's shared helpers (AbstractVector.convert0 and the like) collect such traps and
 * decompiles from all the kernels of the JVM, and a pair kernel inlines ~2 500 method bodies (the 8-row kernel
 * about half): its late compile crossed the line in about 1 bench run of 5 (3 of 5 with compile logging on), decoding
 * at a third of the speed with ~20 000 young collections, and in 0 of 11 logged runs with {@link #RECOMMENDED}
 * (BENCHMARKS.md, eleventh session).
 */
final class HotSpotFlags {
    static final long RECOMMENDED_RECOMPILATION_CUTOFF = 10_000;
    static final String RECOMMENDED = "-XX:PerMethodRecompilationCutoff=" + RECOMMENDED_RECOMPILATION_CUTOFF;

    private HotSpotFlags() {}

    /**
     * Whether this JVM's PerMethodRecompilationCutoff is at least {@link #RECOMMENDED_RECOMPILATION_CUTOFF} (or
     * negative: no limit). False where it cannot be read: not HotSpot, or a runtime without jdk.management.
     */
    static boolean recompilationCutoffRaised() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            long cutoff = Long.parseLong(vm.getVMOption("PerMethodRecompilationCutoff").getValue());
            return cutoff < 0 || cutoff >= RECOMMENDED_RECOMPILATION_CUTOFF;
        } catch (Throwable e) { // no such flag, bean or module (LinkageError): assume the default
            return false;
        }
    }
}
