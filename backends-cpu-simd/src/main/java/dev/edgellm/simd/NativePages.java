package dev.edgellm.simd;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.logging.Logger;

/**
 * Linux page calls on the memory behind the weights ({@code mmap}, {@code munmap}, {@code madvise}), each a no-op
 * or a plain fallback elsewhere, or where native access is off (the wrapper passes
 * {@code --enable-native-access=ALL-UNNAMED}).
 * <ul>
 * <li>{@link #release}: drops the resident pages of a read-only file mapping whose bytes the backend has copied
 * into another layout ({@code MADV_DONTNEED}): the copy replaces them in RSS instead of adding to it, so the
 * planner's "weights resident once" holds. The pages stay in the page cache and fault back in if read again. Only
 * for file mappings: on anonymous memory DONTNEED would zero the data.</li>
 * <li>{@link #allocate}: memory for repacked weights, backed by 2 MiB transparent huge pages where the kernel
 * allows them ({@code MADV_HUGEPAGE}; THP mode "always" or "madvise"). Decode streams every weight once per token;
 * with 4 KiB pages that is a TLB miss every ~28 Q4_0 group-blocks, and huge pages made 1-thread decode of
 * llama-1b Q4_0 faster in 11 of 12 alternating runs, by 7% at the median (BENCHMARKS.md, twelfth session). The mapping is anonymous and fresh, so it starts
 * zeroed like {@link Arena#allocate}'s, but no page is touched before the repack writes it: faults then take
 * whole huge pages, where a zero-filled allocation would already hold 4 KiB ones.</li>
 * </ul>
 */
final class NativePages {
    private static final Logger LOG = Logger.getLogger(NativePages.class.getName());
    private static final int MADV_DONTNEED = 4, MADV_HUGEPAGE = 14;
    private static final int PROT_READ_WRITE = 0x3, MAP_PRIVATE_ANONYMOUS = 0x22; // same on x86-64 and arm64
    private static final long PAGE = 4096; // the smallest page size; a larger one only makes the range conservative
    static final long HUGE_PAGE = 1L << 21;
    /** {@code -Dedgellm.simd.hugePages=false} turns huge pages off (to measure them). */
    static final boolean HUGE_PAGES = !"false".equals(System.getProperty("edgellm.simd.hugePages"));
    private static final MethodHandle MADVISE, MMAP, MUNMAP;

    static {
        MethodHandle madvise = null, mmap = null, munmap = null;
        if (System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
                && NativePages.class.getModule().isNativeAccessEnabled()) {
            try {
                Linker linker = Linker.nativeLinker();
                var lookup = linker.defaultLookup();
                // the address as a long, as mmap's: no MemorySegment per call (getRow releases a page per token)
                madvise = lookup.find("madvise").map(f -> linker.downcallHandle(f, FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT))).orElse(null);
                mmap = lookup.find("mmap").map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG))).orElse(null);
                munmap = lookup.find("munmap").map(f -> linker.downcallHandle(f, FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG))).orElse(null);
            } catch (RuntimeException e) {
                LOG.fine("simd: mmap/madvise unavailable: " + e);
            }
        }
        MADVISE = madvise;
        MMAP = mmap;
        MUNMAP = munmap;
    }

    private NativePages() {}

    static boolean available() {
        return MADVISE != null;
    }

    /** Releases the whole pages inside {@code [address, address + bytes)} of a file mapping; true if it ran. */
    static boolean release(long address, long bytes) {
        return advise(address, bytes, PAGE, MADV_DONTNEED);
    }

    /**
     * Releases every page that overlaps {@code [address, address + bytes)} of a file mapping, but none reaching
     * outside {@code [lo, hi)}; true if it ran.
     */
    static boolean releaseOverlapping(long address, long bytes, long lo, long hi) {
        long start = Math.max(lo, address & -PAGE), end = Math.min(hi, (address + bytes + PAGE - 1) & -PAGE);
        return end > start && release(start, end - start);
    }

    /**
     * {@code bytes} of zeroed memory, 64-byte aligned, freed when {@code arena} closes: an anonymous mapping with
     * huge pages advised over its whole 2 MiB pages where that is possible (Linux, native access, at least one
     * huge page's worth), else {@code arena.allocate}.
     */
    static MemorySegment allocate(Arena arena, long bytes) {
        if (!HUGE_PAGES || MMAP == null || MUNMAP == null || MADVISE == null || bytes < HUGE_PAGE) {
            return arena.allocate(bytes, 64);
        }
        long mapped = bytes + HUGE_PAGE; // room to start on a huge-page boundary; the untouched rest costs no RSS
        long raw;
        try {
            raw = (long) MMAP.invokeExact(0L, mapped, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
        } catch (Throwable e) {
            raw = -1;
        }
        if (raw == -1 || raw == 0) {
            LOG.fine("simd: anonymous mmap of " + mapped + " bytes failed; plain allocation");
            return arena.allocate(bytes, 64);
        }
        long start = (raw + HUGE_PAGE - 1) & -HUGE_PAGE, unmapFrom = raw;
        // only whole huge pages inside the buffer: a partial one at the end stays in 4 KiB pages, so RSS never
        // exceeds what the buffer's bytes need
        advise(start, bytes & -HUGE_PAGE, HUGE_PAGE, MADV_HUGEPAGE);
        return MemorySegment.ofAddress(start).reinterpret(bytes, arena, s -> unmap(unmapFrom, mapped));
    }

    private static void unmap(long address, long bytes) {
        try {
            int rc = (int) MUNMAP.invokeExact(address, bytes);
            if (rc != 0) LOG.warning("simd: munmap of " + bytes + " bytes failed");
        } catch (Throwable e) {
            LOG.warning("simd: munmap failed: " + e);
        }
    }

    /** madvise over the whole {@code page}-sized pages inside {@code [address, address + bytes)}. */
    private static boolean advise(long address, long bytes, long page, int advice) {
        if (MADVISE == null) return false;
        long start = (address + page - 1) & -page, end = (address + bytes) & -page;
        if (end <= start) return false;
        try {
            return (int) MADVISE.invokeExact(start, end - start, advice) == 0;
        } catch (Throwable e) {
            LOG.fine("simd: madvise failed: " + e);
            return false;
        }
    }
}
