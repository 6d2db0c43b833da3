package dev.edgellm.simd;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativePagesTest {
    private static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");

    @Test
    void allocatesZeroedAlignedWritableMemoryOfTheSize() {
        for (long bytes : new long[] {100, NativePages.HUGE_PAGE - 64, 5 * NativePages.HUGE_PAGE + 4160}) {
            try (Arena arena = Arena.ofShared()) {
                MemorySegment s = NativePages.allocate(arena, bytes);
                assertEquals(bytes, s.byteSize());
                assertEquals(0, s.address() % 64, "64-byte aligned");
                for (long i = 0; i < bytes; i += 4093) assertEquals(0, s.get(ValueLayout.JAVA_BYTE, i), "zero at " + i);
                s.set(ValueLayout.JAVA_BYTE, bytes - 1, (byte) 7);
                assertEquals(7, s.get(ValueLayout.JAVA_BYTE, bytes - 1));
            }
        }
    }

    /**
     * On Linux with native access, a buffer of several huge pages starts on a 2 MiB boundary, its whole huge pages
     * carry the kernel's huge-page advice (VmFlags "hg" in /proc/self/smaps), its tail does not, and closing the
     * arena unmaps it.
     */
    @Test
    void advisesHugePagesOverWholeHugePagesAndUnmapsOnClose() throws IOException {
        if (!LINUX || !NativePages.available() || !NativePages.HUGE_PAGES) return;
        long bytes = 3 * NativePages.HUGE_PAGE + 12_288, start;
        try (Arena arena = Arena.ofShared()) {
            start = NativePages.allocate(arena, bytes).address();
            assertEquals(0, start % NativePages.HUGE_PAGE, "huge-page aligned");
            String head = vmFlags(start), tail = vmFlags(start + 3 * NativePages.HUGE_PAGE);
            assertNotNull(head, "mapping listed");
            assertTrue(head.contains(" hg"), "huge pages advised: " + head);
            assertFalse(tail.contains(" hg"), "partial last huge page not advised: " + tail);
        }
        assertNull(vmFlags(start), "unmapped when the arena closed");
    }

    /** The VmFlags line of the mapping holding {@code address} in /proc/self/smaps, or null when none does. */
    private static String vmFlags(long address) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        boolean inside = false;
        for (String line : lines) {
            int dash = line.indexOf('-'), space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).matches("[0-9a-f]+")) {
                long from = Long.parseUnsignedLong(line.substring(0, dash), 16);
                long to = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                inside = address >= from && address < to;
            } else if (inside && line.startsWith("VmFlags:")) {
                return line;
            }
        }
        return null;
    }
}
