package dev.edgellm.gguf;

import static dev.edgellm.gguf.GgufTestWriter.arr;
import static dev.edgellm.gguf.GgufTestWriter.concat;
import static dev.edgellm.gguf.GgufTestWriter.u32;
import static dev.edgellm.gguf.GgufTestWriter.u64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.edgellm.ModelFormatException;
import dev.edgellm.gguf.GgufTestWriter.Arr;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Malformed files, each rejected with a ModelFormatException naming the exact field and offset. */
class GgufCorruptionTest {
    @TempDir
    Path dir;

    private int files;

    private ModelFormatException fails(byte[] bytes, String context) throws Exception {
        Path p = dir.resolve("c" + (files++) + ".gguf");
        Files.write(p, bytes);
        return GgufChecks.expectError(p, bytes.length, context);
    }

    private void assertFails(byte[] bytes, String field, long offset, String messagePart) throws Exception {
        ModelFormatException e = fails(bytes, field);
        assertEquals(field, e.field(), e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
        if (messagePart != null) assertTrue(e.getMessage().contains(messagePart), "'" + messagePart + "' not in: " + e.getMessage());
    }

    static byte[] patch(byte[] b, long at, long value, int width) {
        byte[] c = b.clone();
        for (int i = 0; i < width; i++) c[(int) at + i] = (byte) (value >>> (8 * i));
        return c;
    }

    /** A small valid file: two keys, an array and two F32 tensors. */
    static GgufTestWriter base() {
        return new GgufTestWriter()
                .kv("general.architecture", GgufValueType.STRING, "llama")
                .kv("a", GgufValueType.ARRAY, arr(GgufValueType.UINT32, new long[] {1, 2, 3}))
                .tensor("w", GgmlType.F32, new long[] {8, 2}, new byte[64])
                .tensor("v", GgmlType.F32, new long[] {8}, new byte[32]);
    }

    @Test
    void baseIsValid() throws Exception {
        Path p = base().write(dir.resolve("base.gguf"));
        assertEquals(2, GgufReader.read(p).tensors().size());
    }

    // ---- header

    @ParameterizedTest
    @ValueSource(strings = {"GGML", "gguf", "FUGG", "\0\0\0\0", "GGU\0", "PK\3\4"})
    void wrongMagic(String magic) throws Exception {
        byte[] b = base().toBytes();
        System.arraycopy(magic.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, b, 0, 4);
        assertFails(b, "header.magic", 0, "not a GGUF file");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void tooShortForMagic(int length) throws Exception {
        assertFails(Arrays.copyOf(base().toBytes(), length), "header.magic", 0, "truncated");
    }

    @Test
    void truncatedAfterMagic() throws Exception {
        assertFails(Arrays.copyOf(base().toBytes(), 6), "header.version", 4, "truncated");
        assertFails(Arrays.copyOf(base().toBytes(), 20), "header.tensor_count", 8, "does not fit");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 4, 5, 0x7FFFFFFF, 0xFFFFFFFFL, 0x02000000, 0x03000000, 0x01000000})
    void badVersion(long version) throws Exception {
        byte[] b = base().version(version).toBytes();
        String part = version == 1 ? "version 1 is not supported"
                : version == 0x01000000 || version == 0x02000000 || version == 0x03000000 ? "big-endian"
                : "unknown GGUF version " + version;
        assertFails(b, "header.version", 4, part);
    }

    @ParameterizedTest
    @ValueSource(longs = {1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, -1L, 100})
    void hugeTensorCount(long count) throws Exception {
        assertFails(base().tensorCount(count).toBytes(), "header.tensor_count", 8, Long.toUnsignedString(count));
    }

    @ParameterizedTest
    @ValueSource(longs = {1L << 32, 1L << 40, (1L << 63) + 5, -1L, 1000})
    void hugeKvCount(long count) throws Exception {
        assertFails(base().kvCount(count).toBytes(), "header.metadata_kv_count", 16, Long.toUnsignedString(count));
    }

    @Test
    void kvCountOneTooHighIsCaughtLater() throws Exception {
        // the first tensor info is read as kv[2] ('w', type 2 = UINT16), so the tensor table is misread
        GgufTestWriter w = base().kvCount(3);
        byte[] b = w.toBytes();
        ModelFormatException e = fails(b, "kv count 3");
        assertTrue(e.offset() > w.offsetOf("tensor[0].name"), e.getMessage());
    }

    // ---- strings

    @ParameterizedTest
    @ValueSource(longs = {1L << 32, 1L << 40, 1L << 62, Long.MIN_VALUE, -1L, 1000})
    void hugeStringLengths(long len) throws Exception {
        GgufTestWriter w = base();
        byte[] b = w.toBytes();
        String unsigned = Long.toUnsignedString(len);
        assertFails(patch(b, w.offsetOf("kv[0].key"), len, 8), "kv[0].key", w.offsetOf("kv[0].key"), unsigned);
        assertFails(patch(b, w.offsetOf("kv[0].value"), len, 8), "kv[0] 'general.architecture'.value",
                w.offsetOf("kv[0].value"), unsigned);
        assertFails(patch(b, w.offsetOf("tensor[1].name"), len, 8), "tensor[1].name", w.offsetOf("tensor[1].name"), unsigned);

        GgufTestWriter s = new GgufTestWriter().kv("toks", GgufValueType.ARRAY, arr(GgufValueType.STRING, new String[] {"a", "b", "c"}));
        byte[] sb = s.toBytes();
        long second = s.offsetOf("kv[0].value") + 12 + 9;
        assertFails(patch(sb, second, len, 8), "kv[0] 'toks'[1]", second, unsigned);
    }

    @Test
    void stringLongerThanTheLimit() throws Exception {
        // A sparse file large enough that the length fits in the file: the 64 MB limit must apply.
        long len = GgufReader.MAX_STRING_BYTES + 1;
        GgufTestWriter w = new GgufTestWriter().rawKv("big", GgufValueType.STRING.ordinal(), u64(len));
        Path p = sparse(w.toBytes(), len + 100);
        ModelFormatException e = GgufChecks.expectError(p, Files.size(p), "big string");
        assertEquals("kv[0] 'big'.value", e.field());
        assertEquals(w.offsetOf("kv[0].value"), e.offset());
        assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
    }

    @Test
    void invalidUtf8IsReplacedNotFatal() throws Exception {
        GgufTestWriter w = new GgufTestWriter()
                .kv("k", GgufValueType.STRING, new byte[] {(byte) 0xFF, 'a', (byte) 0xC3})
                .kv("toks", GgufValueType.ARRAY, arr(GgufValueType.STRING, new String[] {"ok"}));
        GgufFile f = GgufReader.read(w.write(dir.resolve("utf8.gguf")));
        assertEquals("\uFFFDa\uFFFD", f.getString("k", null));
    }

    @Test
    void oddKeysAreShownEscapedAndShort() throws Exception {
        String key = "bad\nkey'" + "x".repeat(100_000);
        byte[] b = new GgufTestWriter().rawKv(key, 77, new byte[8]).toBytes();
        ModelFormatException e = fails(b, "odd key");
        assertTrue(e.field().startsWith("kv[0] 'bad\\x0akey\\x27xxx"), e.field());
        assertTrue(e.field().endsWith("...'.type"), e.field());
        assertTrue(e.getMessage().length() < 400, e.getMessage());
    }

    // ---- metadata types and arrays

    @ParameterizedTest
    @ValueSource(longs = {13, 14, 100, 0x7FFFFFFF, 0xFFFFFFFFL})
    void unknownValueType(long type) throws Exception {
        GgufTestWriter w = base();
        byte[] b = patch(w.toBytes(), w.offsetOf("kv[1].type"), type, 4);
        assertFails(b, "kv[1] 'a'.type", w.offsetOf("kv[1].type"), "unknown metadata value type " + type);
    }

    @ParameterizedTest
    @ValueSource(longs = {13, 255, 0xFFFFFFFFL})
    void unknownArrayElementType(long type) throws Exception {
        GgufTestWriter w = base();
        byte[] b = patch(w.toBytes(), w.offsetOf("kv[1].value"), type, 4);
        assertFails(b, "kv[1] 'a'.array_type", w.offsetOf("kv[1].value"), "unknown metadata value type");

        GgufTestWriter n = new GgufTestWriter().kv("n", GgufValueType.ARRAY,
                arr(GgufValueType.ARRAY, new Arr[] {arr(GgufValueType.INT8, new byte[] {1}), arr(GgufValueType.INT8, new byte[] {2})}));
        long inner = n.toBytes().length - 13; // second inner array: type(4) count(8) element(1)
        assertFails(patch(n.toBytes(), inner, type, 4), "kv[0] 'n'[1].array_type", inner, "unknown");
    }

    @ParameterizedTest
    @ValueSource(longs = {1L << 31, 1L << 32, 1L << 40, Long.MAX_VALUE, -1L, 4})
    void hugeArrayLength(long n) throws Exception {
        for (GgufValueType et : new GgufValueType[] {GgufValueType.UINT8, GgufValueType.STRING, GgufValueType.FLOAT64, GgufValueType.ARRAY}) {
            Object elems = et == GgufValueType.UINT8 ? new short[3] : et == GgufValueType.STRING ? new String[] {"", "", ""}
                    : et == GgufValueType.FLOAT64 ? new double[3] : new Arr[] {arr(GgufValueType.BOOL, new boolean[0])};
            GgufTestWriter w = new GgufTestWriter().kv("arr", GgufValueType.ARRAY, arr(et, elems));
            byte[] b = w.toBytes();
            long at = w.offsetOf("kv[0].value") + 4;
            assertFails(patch(b, at, n, 8), "kv[0] 'arr'.array_length", at, Long.toUnsignedString(n));
        }
    }

    @Test
    void arrayElementBudget() throws Exception {
        int n = (int) GgufReader.MAX_ARRAY_ELEMENTS / 2 + 1;
        byte[] value = concat(u32(GgufValueType.INT8.ordinal()), u64(n), new byte[n]);
        GgufTestWriter w = new GgufTestWriter()
                .rawKv("x", GgufValueType.ARRAY.ordinal(), value)
                .rawKv("y", GgufValueType.ARRAY.ordinal(), value);
        ModelFormatException e = fails(w.toBytes(), "element budget");
        assertEquals("kv[1] 'y'.array_length", e.field());
        assertEquals(w.offsetOf("kv[1].value") + 4, e.offset());
        assertTrue(e.getMessage().contains("in total"), e.getMessage());
    }

    @Test
    void nestingDeeperThanTheLimit() throws Exception {
        Arr deep = arr(GgufValueType.INT32, new int[] {42});
        for (int i = 0; i < GgufReader.MAX_ARRAY_NESTING; i++) deep = arr(GgufValueType.ARRAY, new Arr[] {deep});
        GgufTestWriter w = new GgufTestWriter().kv("deep", GgufValueType.ARRAY, deep);
        StringBuilder field = new StringBuilder("kv[0] 'deep'");
        for (int i = 1; i < GgufReader.MAX_ARRAY_NESTING; i++) field.append("[0]");
        byte[] b = w.toBytes();
        long at = w.offsetOf("kv[0].value") + 12L * (GgufReader.MAX_ARRAY_NESTING - 1);
        assertFails(b, field + ".array_type", at, "nested deeper");
    }

    @Test
    void nestingBombDoesNotOverflowTheStack() throws Exception {
        // 200k levels of "array of 1 array": must stop at the limit, not recurse 200k times
        GgufTestWriter.Out o = new GgufTestWriter.Out();
        for (int i = 0; i < 200_000; i++) {
            o.i32(GgufValueType.ARRAY.ordinal());
            o.i64(1);
        }
        byte[] b = new GgufTestWriter().rawKv("bomb", GgufValueType.ARRAY.ordinal(), o.toByteArray()).toBytes();
        ModelFormatException e = fails(b, "bomb");
        assertTrue(e.field().endsWith(".array_type") && e.getMessage().contains("nested deeper"), e.getMessage());
    }

    @Test
    void wideNestedArraysAreBounded() throws Exception {
        // an array claiming 2^30 empty inner arrays: each needs 12 bytes, so the count does not fit
        byte[] value = concat(u32(GgufValueType.ARRAY.ordinal()), u64(1L << 30), u32(0), u64(0));
        GgufTestWriter w = new GgufTestWriter().rawKv("w", GgufValueType.ARRAY.ordinal(), value);
        byte[] b = w.toBytes();
        assertFails(b, "kv[0] 'w'.array_length", w.offsetOf("kv[0].value") + 4, "does not fit");
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 7, 0x80, 0xFF})
    void boolMustBeZeroOrOne(int raw) throws Exception {
        GgufTestWriter w = new GgufTestWriter().kv("b", GgufValueType.BOOL, raw);
        assertFails(w.toBytes(), "kv[0] 'b'.value", w.offsetOf("kv[0].value"), "boolean must be 0 or 1, got " + raw);

        GgufTestWriter a = new GgufTestWriter().kv("ba", GgufValueType.ARRAY, arr(GgufValueType.BOOL, new boolean[] {true, false, false}));
        byte[] ab = a.toBytes();
        long third = a.offsetOf("kv[0].value") + 12 + 2;
        assertFails(patch(ab, third, raw, 1), "kv[0] 'ba'[2]", third, "got " + raw);
    }

    @Test
    void duplicateKey() throws Exception {
        GgufTestWriter w = new GgufTestWriter().kv("k", GgufValueType.UINT8, 1).kv("j", GgufValueType.UINT8, 2).kv("k", GgufValueType.UINT8, 3);
        assertFails(w.toBytes(), "kv[2].key", w.offsetOf("kv[2].key"), "duplicate metadata key 'k'");
    }

    // ---- general.alignment

    @ParameterizedTest
    @ValueSource(longs = {0, 3, 48, 96, 1L << 31, 0xFFFFFFFFL})
    void alignmentNotAPowerOfTwo(long a) throws Exception {
        GgufTestWriter w = new GgufTestWriter().kv("x", GgufValueType.UINT8, 1).kv("general.alignment", GgufValueType.UINT32, a);
        assertFails(w.toBytes(), "general.alignment", w.offsetOf("kv[1].value"), "power of two");
    }

    @Test
    void alignmentOfTheWrongType() throws Exception {
        Object[][] cases = {
                {GgufValueType.UINT64, 32L}, {GgufValueType.INT32, 32}, {GgufValueType.UINT16, 32}, {GgufValueType.UINT8, 32},
                {GgufValueType.FLOAT32, 32f}, {GgufValueType.FLOAT64, 32.0}, {GgufValueType.STRING, "32"},
                {GgufValueType.BOOL, true}, {GgufValueType.ARRAY, arr(GgufValueType.UINT32, new long[] {32})},
        };
        for (Object[] c : cases) {
            GgufTestWriter w = new GgufTestWriter().kv("general.alignment", (GgufValueType) c[0], c[1]);
            assertFails(w.toBytes(), "general.alignment", w.offsetOf("kv[0].value"), "must be a UINT32");
        }
    }

    @Test
    void alignmentIsUsedForOffsets() throws Exception {
        // valid with 64, but a tensor offset of 32 is then misaligned
        GgufTestWriter w = new GgufTestWriter().alignment(64).rawTensor("t", new long[] {8}, 0, 32);
        assertFails(w.toBytes(), "tensor[0] 't'.offset", w.offsetOf("tensor[0].offset"), "not a multiple of the alignment 64");
    }

    // ---- tensor infos

    @ParameterizedTest
    @ValueSource(longs = {4, 5, 31, 32, 33, 36, 37, 38, 40, 64, 200, 0xFFFFFFFFL})
    void unknownTensorType(long type) throws Exception {
        GgufTestWriter w = base();
        byte[] b = patch(w.toBytes(), w.offsetOf("tensor[1].type"), type, 4);
        assertFails(b, "tensor[1] 'v'.type", w.offsetOf("tensor[1].type"), "unknown ggml tensor type " + type);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 5, 100, 0xFFFFFFFFL})
    void badDimensionCount(long dims) throws Exception {
        GgufTestWriter w = base();
        byte[] b = patch(w.toBytes(), w.offsetOf("tensor[0].n_dims"), dims, 4);
        assertFails(b, "tensor[0] 'w'.n_dims", w.offsetOf("tensor[0].n_dims"), "dimension count " + dims);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1L, Long.MIN_VALUE})
    void dimensionOutOfRange(long ne) throws Exception {
        GgufTestWriter w = base();
        assertFails(patch(w.toBytes(), w.offsetOf("tensor[0].ne[1]"), ne, 8), "tensor[0] 'w'.ne[1]",
                w.offsetOf("tensor[0].ne[1]"), "dimension " + Long.toUnsignedString(ne) + " is out of range");
        assertFails(patch(w.toBytes(), w.offsetOf("tensor[1].ne[0]"), ne, 8), "tensor[1] 'v'.ne[0]",
                w.offsetOf("tensor[1].ne[0]"), "out of range");
    }

    @Test
    void elementCountOverflow() throws Exception {
        // {shape..., index of the dimension where the product passes 2^60}
        long[][] cases = {{1L << 31, 1L << 31, 1L << 31, 1}, {1L << 40, 1L << 40, 1}, {3, Long.MAX_VALUE / 2, 1},
                {1L << 20, 1L << 20, 1L << 19, 4, 3}, {1L << 20, 1L << 20, 1L << 20, 2}};
        for (long[] c : cases) {
            long[] shape = Arrays.copyOf(c, c.length - 1);
            int bad = (int) c[c.length - 1];
            GgufTestWriter w = new GgufTestWriter().rawTensor("t", shape, GgmlType.F32.id, 0);
            w.toBytes();
            assertFails(w.toBytes(), "tensor[0] 't'.ne[" + bad + "]", w.offsetOf("tensor[0].ne[" + bad + "]"), "overflows");
        }
    }

    @Test
    void rowLengthNotAMultipleOfTheBlockSize() throws Exception {
        GgufTestWriter w = new GgufTestWriter().rawTensor("q", new long[] {33, 2}, GgmlType.Q8_0.id, 0);
        assertFails(w.toBytes(), "tensor[0] 'q'.type", w.offsetOf("tensor[0].type"), "not a multiple of Q8_0's block size 32");
    }

    @Test
    void duplicateTensorName() throws Exception {
        GgufTestWriter w = new GgufTestWriter()
                .tensor("w", GgmlType.F32, new long[] {8}, new byte[32])
                .tensor("w", GgmlType.F32, new long[] {8}, new byte[32]);
        assertFails(w.toBytes(), "tensor[1].name", w.offsetOf("tensor[1].name"), "duplicate tensor name 'w'");
    }

    @ParameterizedTest
    @ValueSource(longs = {16, 1, 31, 33, -1L, Long.MIN_VALUE + 16})
    void misalignedTensorOffset(long offset) throws Exception {
        GgufTestWriter w = base();
        byte[] b = patch(w.toBytes(), w.offsetOf("tensor[1].offset"), offset, 8);
        assertFails(b, "tensor[1] 'v'.offset", w.offsetOf("tensor[1].offset"), "not a multiple of the alignment 32");
    }

    @ParameterizedTest
    @ValueSource(longs = {128, 1L << 32, 1L << 40, 1L << 62, Long.MIN_VALUE, Long.MAX_VALUE - 31})
    void tensorOffsetPastTheEnd(long offset) throws Exception {
        GgufTestWriter w = base();
        byte[] b = patch(w.toBytes(), w.offsetOf("tensor[0].offset"), offset, 8);
        assertFails(b, "tensor[0] 'w'.offset", w.offsetOf("tensor[0].offset"), "past the end of the file");
    }

    @Test
    void tensorDataPastTheEnd() throws Exception {
        GgufTestWriter w = base();
        byte[] b = w.toBytes();
        assertFails(Arrays.copyOf(b, b.length - 1), "tensor[1] 'v'.data", w.offsetOf("tensor[1].offset"), "runs past the end");
        // a shape larger than the file, with a valid offset
        assertFails(patch(b, w.offsetOf("tensor[0].ne[1]"), 1L << 40, 8), "tensor[0] 'w'.data", w.offsetOf("tensor[0].offset"),
                "runs past the end");
    }

    @Test
    void offsetPlusSizeWrappingAroundIsCaught() throws Exception {
        // 2^60-1 F64 elements (2^63-8 bytes) at offset 2^63-32: start + size wraps past 2^64 to a small
        // number. The old reader accepted this and map() then threw IllegalArgumentException.
        GgufTestWriter w = new GgufTestWriter()
                .rawTensor("t", new long[] {1, (1L << 30) + 1, (1L << 30) - 1}, GgmlType.F64.id, Long.MAX_VALUE - 31);
        byte[] b = Arrays.copyOf(w.toBytes(), 4096);
        assertFails(b, "tensor[0] 't'.offset", w.offsetOf("tensor[0].offset"), "past the end");
        // the same size at offset 0
        w = new GgufTestWriter().rawTensor("t", new long[] {1, (1L << 30) + 1, (1L << 30) - 1}, GgmlType.F64.id, 0);
        assertFails(Arrays.copyOf(w.toBytes(), 4096), "tensor[0] 't'.data", w.offsetOf("tensor[0].offset"), "runs past the end");
    }

    @Test
    void tensorsInAFileThatEndsInThePadding() throws Exception {
        GgufTestWriter w = new GgufTestWriter().tensor("t", GgmlType.I8, new long[] {1}, new byte[] {5});
        byte[] b = Arrays.copyOf(w.toBytes(), (int) w.headerEnd());
        assertTrue(w.dataOffset() > b.length);
        assertFails(b, "tensor[0] 't'.offset", w.offsetOf("tensor[0].offset"), "past the end");
    }

    // ---- limits that need a large (sparse) file to be reachable

    @Test
    void tensorAndKvCountLimits() throws Exception {
        long count = GgufReader.MAX_TENSORS + 1;
        byte[] h = new GgufTestWriter().tensorCount(count).toBytes();
        Path p = sparse(h, count * 32 + 100);
        ModelFormatException e = GgufChecks.expectError(p, Files.size(p), "tensor count limit");
        assertEquals("header.tensor_count", e.field());
        assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());

        h = new GgufTestWriter().kvCount(GgufReader.MAX_KVS + 1).toBytes();
        p = sparse(h, (GgufReader.MAX_KVS + 1) * 13 + 100);
        e = GgufChecks.expectError(p, Files.size(p), "kv count limit");
        assertEquals("header.metadata_kv_count", e.field());
        assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
    }

    @Test
    void headerSizeLimit() throws Exception {
        // five 60 MB strings (zeros in a sparse file): the header passes 256 MB inside the fifth
        long len = 60L << 20;
        GgufTestWriter.Out o = new GgufTestWriter.Out();
        o.i32(GgufValueType.STRING.ordinal());
        o.i64(5);
        o.i64(len);
        byte[] h = new GgufTestWriter().rawKv("big", GgufValueType.ARRAY.ordinal(), o.toByteArray()).toBytes();
        Path p = sparse(h, 5 * (len + 8) + 1000);
        // lengths of strings 2..5
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
            for (int i = 1; i < 5; i++) ch.write(ByteBuffer.wrap(u64(len)), h.length + i * (len + 8) - 8);
        }
        ModelFormatException e = GgufChecks.expectError(p, Files.size(p), "header limit");
        assertEquals("kv[0] 'big'[4]", e.field(), e.getMessage());
        assertTrue(e.getMessage().contains("header is larger than the limit"), e.getMessage());
    }

    /** A file of {@code length} bytes starting with {@code head}, the rest a hole (no disk used where supported). */
    private Path sparse(byte[] head, long length) throws Exception {
        Path p = dir.resolve("sparse" + (files++) + ".gguf");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.write(head);
            f.setLength(length);
        }
        return p;
    }

    // ---- not a file

    @Test
    void emptyFile() throws Exception {
        assertFails(new byte[0], "header.magic", 0, "truncated");
    }

    @Test
    void directoryIsNotAModel() throws Exception {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> GgufReader.read(dir));
        assertEquals("file", e.field());
        assertEquals(-1, e.offset());
        assertEquals(dir, e.file());
    }

    @Test
    void missingFileIsAnIoErrorNotAFormatError() {
        Path missing = dir.resolve("nope.gguf");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> GgufReader.read(missing));
        assertTrue(e.getMessage().contains("nope.gguf"));
    }
}
