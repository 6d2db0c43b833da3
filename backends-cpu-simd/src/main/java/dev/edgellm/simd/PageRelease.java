package dev.edgellm.simd;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.logging.Logger;

/**
 * Drops the resident pages of a read-only file mapping whose bytes the backend has copied into another layout
 * (Linux {@code madvise(MADV_DONTNEED)}): the copy replaces them in RSS instead of adding to it, so the
 * planner's "weights resident once" holds. The pages stay in the page cache and fault back in if read again.
 * Only for file mappings (on anonymous memory DONTNEED would zero the data), only on Linux, and only where
 * native access is enabled (the wrapper passes {@code --enable-native-access=ALL-UNNAMED}); otherwise a no-op.
 */
final class PageRelease {
    private static final Logger LOG = Logger.getLogger(PageRelease.class.getName());
    private static final int MADV_DONTNEED = 4;
    private static final long PAGE = 4096; // the smallest page size; a larger one only makes the range conservative
    private static final MethodHandle MADVISE = lookup();

    private PageRelease() {}

    private static MethodHandle lookup() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
                || !PageRelease.class.getModule().isNativeAccessEnabled()) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("madvise").map(f -> linker.downcallHandle(f,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)))
                    .orElse(null);
        } catch (RuntimeException e) {
            LOG.fine("simd: madvise unavailable: " + e);
            return null;
        }
    }

    static boolean available() {
        return MADVISE != null;
    }

    /** Releases the whole pages inside {@code [address, address + bytes)} of a file mapping; true if it ran. */
    static boolean release(long address, long bytes) {
        if (MADVISE == null) return false;
        long start = (address + PAGE - 1) & -PAGE, end = (address + bytes) & -PAGE;
        if (end <= start) return false;
        try {
            return (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), end - start, MADV_DONTNEED) == 0;
        } catch (Throwable e) {
            LOG.fine("simd: madvise failed: " + e);
            return false;
        }
    }
}
