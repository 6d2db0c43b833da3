package dev.edgellm.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.edgellm.ModelFormatException;
import dev.edgellm.TestData;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real files cut at many lengths: every cut must end in a ModelFormatException that keeps the contract and
 * points at the start of a field at or before the cut, never in another exception or a hang.
 */
class GgufTruncationTest {
    @TempDir
    Path dir;

    /** stories260K-q8_0: every length through the header and padding, then samples inside the tensor data. */
    @Test
    void modelCutAnywhere() throws Exception {
        Path src = TestData.model("stories260K-q8_0.gguf");
        byte[] bytes = Files.readAllBytes(src);
        GgufFile full = GgufReader.read(src);
        TreeSet<Long> starts = GgufChecks.fieldStarts(bytes, Integer.MAX_VALUE);
        long headerEnd = starts.last();
        assertEquals(14229, headerEnd);
        assertEquals(14240, full.dataOffset());

        TreeSet<Long> cuts = new TreeSet<>();
        for (long l = 0; l <= full.dataOffset() + 64; l++) cuts.add(l); // every byte of the header and padding
        for (TensorInfo t : full.tensors()) {
            long s = full.dataOffset() + t.offset();
            long e = s + t.byteSize();
            for (long l : new long[] {s, s + 1, (s + e) / 2, e - 1}) cuts.add(l);
        }
        for (long l = full.dataOffset(); l < bytes.length; l += 997) cuts.add(l);
        cuts.add((long) bytes.length - 1);
        int cases = cutDescending(src, bytes, cuts, (len, e) -> {
            if (len >= headerEnd) {
                // Header intact: the first tensor (in table order) whose data does not fit must be named.
                int i = firstTensorPastEnd(full, len);
                TensorInfo t = full.tensors().get(i);
                String what = full.dataOffset() + t.offset() >= len ? ".offset" : ".data";
                assertEquals("tensor[" + i + "] '" + t.name() + "'" + what, e.field(), "cut at " + len);
                assertTrue(e.getMessage().contains("past the end of the file"), e.getMessage());
                return;
            }
            assertFalse(e.field().endsWith(".data"), "cut at " + len + ": " + e.getMessage());
            assertTrue(starts.contains(e.offset()), "cut at " + len + ": offset is not the start of a field: " + e.getMessage());
        });
        assertTrue(cases > 14_000, "cases: " + cases);
    }

    static int firstTensorPastEnd(GgufFile f, long len) {
        for (int i = 0; i < f.tensors().size(); i++) {
            TensorInfo t = f.tensors().get(i);
            if (f.dataOffset() + t.offset() + t.byteSize() > len) return i;
        }
        throw new AssertionError("no tensor past " + len);
    }

    /** A vocab-only file whose header is the whole file: any cut is inside the header. */
    @Test
    void vocabCutAtFieldBoundariesAndStride() throws Exception {
        Path src = TestData.testdata().resolve("vocab/ggml-vocab-llama-spm.gguf");
        byte[] bytes = Files.readAllBytes(src);
        TreeSet<Long> starts = GgufChecks.fieldStarts(bytes, 200);
        assertEquals(bytes.length, (long) starts.last(), "header runs to the end of the file");
        TreeSet<Long> cuts = new TreeSet<>();
        for (long l = 0; l <= 2048; l++) cuts.add(l);
        for (long s : starts) { // both sides of every (sampled) string and array boundary
            for (long d = -1; d <= 1; d++) if (s + d >= 0 && s + d < bytes.length) cuts.add(s + d);
        }
        for (long l = 0; l < bytes.length; l += 4093) cuts.add(l);
        for (long l = bytes.length - 40; l < bytes.length; l++) cuts.add(l);
        NavigableSet<Long> allStarts = GgufChecks.fieldStarts(bytes, Integer.MAX_VALUE);
        int cases = cutDescending(src, bytes, cuts, (len, e) ->
                assertTrue(allStarts.contains(e.offset()), "cut at " + len + ": offset is not the start of a field: " + e.getMessage()));
        assertTrue(cases > 2_000, "cases: " + cases);
    }

    interface Check {
        void accept(long length, ModelFormatException e);
    }

    /**
     * Copies {@code bytes} to a temp file and truncates it to each length in {@code cuts}, longest first
     * (one copy, cheap truncations); the full length must parse. Returns the number of cuts checked.
     */
    private int cutDescending(Path src, byte[] bytes, TreeSet<Long> cuts, Check check) throws Exception {
        Path file = dir.resolve(src.getFileName());
        Files.write(file, bytes);
        assertTrue(GgufChecks.parse(file, true, "uncut") instanceof GgufFile, "the uncut file parses");
        Map<String, Integer> fields = new TreeMap<>();
        int n = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (long len : cuts.descendingSet()) {
                if (len >= bytes.length) continue;
                ch.truncate(len);
                ModelFormatException e = GgufChecks.expectError(file, len, "cut at " + len);
                check.accept(len, e);
                fields.merge(e.field().replaceAll("\\[\\d+\\]", "[]").replaceAll("'[^']*'", "'…'"), 1, Integer::sum);
                n++;
            }
        }
        System.out.println(src.getFileName() + ": " + n + " cuts, errors by field: " + fields);
        return n;
    }
}
