package dev.edgellm.simd;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;

/**
 * The HotSpot flags the SIMD backend reads: the one the larger decode kernels need raised, and whether the JIT has
 * fused multiply-add instructions at all.
 *
 * <p>The recompilation cutoff: while C2 compiles a method it adds up, over every method body it inlines, how often that method's compiled code was thrown away (its decompile count); once the sum
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

    /**
     * False only where HotSpot says it emits no FMA instructions ({@code UseFMA} off: x86 CPUs without AVX2/FMA3,
     * such as Atom, Celeron J/N before Alder Lake and Sandy/Ivy Bridge, or the flag turned off). There every
     * Vector API {@code fma} runs {@code Math.fma}'s software path (exact, through BigDecimal) and allocates: a
     * bench of stories260K ran 17 tok/s with 296 MB of heap per token against the scalar backend's ~2 500
     * (BENCHMARKS.md, twenty-third session). True where the flag cannot be read (not HotSpot, no jdk.management).
     */
    static boolean hardwareFma() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return Boolean.parseBoolean(vm.getVMOption("UseFMA").getValue());
        } catch (Throwable e) { // no such flag, bean or module: nothing says FMA is missing
            return true;
        }
    }
}
