package dev.edgellm.gguf;

import static dev.edgellm.gguf.GgufTestWriter.arr;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.edgellm.ModelFormatException;
import dev.edgellm.TestData;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random mutations of GGUF headers (bit flips, interesting values written over fields, random
 * bytes, truncation): every mutant must parse (and then map) or end in a ModelFormatException that keeps
 * the contract; anything else, or no answer within the guard's timeout, fails with the seed and mutation.
 * Reproduce or extend with {@code -Dedgellm.fuzz.seed=N -Dedgellm.fuzz.iterations=M}.
 */
class GgufFuzzTest {
    @TempDir
    Path dir;

    static final long SEED = Long.getLong("edgellm.fuzz.seed", 0x6767_7566L);
    static final int ITERATIONS = Integer.getInteger("edgellm.fuzz.iterations", 3000);

    private static final long[] INTERESTING = {0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 31, 32, 33, 63, 64, 127, 128, 255,
            256, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFFL, 1L << 32, 1L << 40, 1L << 62,
            Long.MAX_VALUE, Long.MIN_VALUE, -1L, -32L};

    /** A synthetic file with every metadata type, nested arrays, alignment 64 and tensors of several types. */
    static GgufTestWriter synthetic() {
        GgufTestWriter w = new GgufTestWriter().kv("general.architecture", GgufValueType.STRING, "llama").alignment(64);
        GgufReaderTest.scalars().forEach((k, v) -> w.kv(k, (GgufValueType) v[0], v[1]));
        GgufReaderTest.arrays().forEach((k, v) -> {
            if (!k.equals("a.str")) w.kv(k, GgufValueType.ARRAY, v); // a.str holds a 70 KB string: too big to flip usefully
        });
        w.kv("a.str.small", GgufValueType.ARRAY, arr(GgufValueType.STRING, new String[] {"", "a", "▁the", "🦙"}));
        w.tensor("f32", GgmlType.F32, new long[] {4, 3}, GgufReaderTest.pattern(0, 48));
        w.tensor("q8_0", GgmlType.Q8_0, new long[] {32, 2}, GgufReaderTest.pattern(1, 68));
        w.tensor("f16.3d", GgmlType.F16, new long[] {2, 2, 2}, GgufReaderTest.pattern(2, 16));
        w.tensor("q4_k", GgmlType.Q4_K, new long[] {256}, GgufReaderTest.pattern(3, 144));
        return w;
    }

    @Test
    void syntheticHeader() throws Exception {
        GgufTestWriter w = synthetic();
        byte[] bytes = w.toBytes();
        fuzz("synthetic", bytes, (int) w.headerEnd(), SEED, ITERATIONS);
    }

    @Test
    void realModelHeader() throws Exception {
        byte[] bytes = Files.readAllBytes(TestData.model("stories260K-q8_0.gguf"));
        int headerEnd = GgufChecks.fieldStarts(bytes, Integer.MAX_VALUE).last().intValue();
        fuzz("stories260K-q8_0", bytes, headerEnd, SEED + 1, ITERATIONS / 2);
    }

    private void fuzz(String name, byte[] original, int headerEnd, long seed, int iterations) throws Exception {
        Path file = dir.resolve(name + ".gguf");
        Files.write(file, original);
        List<Long> starts = new ArrayList<>(GgufChecks.fieldStarts(original, 64));
        Random rnd = new Random(seed);
        Map<String, Integer> fields = new TreeMap<>();
        int parsed = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (int it = 0; it < iterations; it++) {
                byte[] header = java.util.Arrays.copyOf(original, headerEnd);
                StringBuilder what = new StringBuilder();
                int n = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 0);
                for (int m = 0; m < n; m++) mutate(header, rnd, starts, what);
                long length = original.length;
                if (rnd.nextInt(10) == 0) {
                    length = rnd.nextInt(original.length);
                    what.append(" truncate@").append(length);
                }
                ch.write(ByteBuffer.wrap(header), 0);
                if (length < original.length) ch.truncate(length);
                String ctx = name + " seed " + seed + " iteration " + it + ":" + what;
                Object r = GgufChecks.parse(file, true, ctx);
                if (r instanceof ModelFormatException) {
                    ModelFormatException e = (ModelFormatException) r;
                    GgufChecks.checkContract(e, file, length, ctx);
                    fields.merge(e.field().replaceAll("\\[\\d+\\]", "[]").replaceAll("'[^']*'", "'…'"), 1, Integer::sum);
                } else {
                    parsed++;
                }
                // restore
                if (length < original.length) ch.write(ByteBuffer.wrap(original, (int) length, original.length - (int) length), length);
                ch.write(ByteBuffer.wrap(original, 0, headerEnd), 0);
            }
        }
        System.out.println(name + " fuzz (seed " + seed + "): " + iterations + " mutants, " + parsed + " parsed, errors by field: " + fields);
        assertTrue(parsed > 0 && parsed < iterations, "both outcomes occur: " + parsed);
    }

    private static void mutate(byte[] h, Random rnd, List<Long> starts, StringBuilder what) {
        int kind = rnd.nextInt(10);
        if (kind < 4) { // flip 1..4 bits anywhere in the header
            int bits = 1 + rnd.nextInt(4);
            for (int i = 0; i < bits; i++) {
                int at = rnd.nextInt(h.length);
                int bit = rnd.nextInt(8);
                h[at] ^= (byte) (1 << bit);
                what.append(" flip@").append(at).append('.').append(bit);
            }
        } else if (kind < 8) { // an interesting value over a field (counts, lengths, types, dims, offsets)
            int at = starts.get(rnd.nextInt(starts.size())).intValue();
            int width = new int[] {1, 2, 4, 8, 8, 4}[rnd.nextInt(6)];
            long v = rnd.nextInt(5) == 0 ? rnd.nextLong() : INTERESTING[rnd.nextInt(INTERESTING.length)];
            for (int i = 0; i < width && at + i < h.length; i++) h[at + i] = (byte) (v >>> (8 * i));
            what.append(" set@").append(at).append('/').append(width).append('=').append(Long.toUnsignedString(v));
        } else { // a random byte
            int at = rnd.nextInt(h.length);
            byte v = (byte) rnd.nextInt(256);
            h[at] = v;
            what.append(" byte@").append(at).append('=').append(v & 0xFF);
        }
    }
}
