package dev.edgellm.gguf;

import static dev.edgellm.gguf.GgufTestWriter.arr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.edgellm.gguf.GgufTestWriter.Arr;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Files built by {@link GgufTestWriter}: the reader must return exactly what was written. */
class GgufReaderTest {
    @TempDir
    Path dir;

    private int files;

    private GgufFile roundTrip(GgufTestWriter w) throws Exception {
        return GgufReader.read(w.write(dir.resolve("t" + (files++) + ".gguf")));
    }

    /** Every scalar type, with its extremes; the Java value is what the reader must return. */
    static Map<String, Object[]> scalars() {
        Map<String, Object[]> m = new LinkedHashMap<>();
        m.put("u8.0", new Object[] {GgufValueType.UINT8, 0});
        m.put("u8.max", new Object[] {GgufValueType.UINT8, 255});
        m.put("i8.min", new Object[] {GgufValueType.INT8, -128});
        m.put("i8.max", new Object[] {GgufValueType.INT8, 127});
        m.put("u16.max", new Object[] {GgufValueType.UINT16, 65535});
        m.put("i16.min", new Object[] {GgufValueType.INT16, -32768});
        m.put("u32.max", new Object[] {GgufValueType.UINT32, 4294967295L});
        m.put("u32.some", new Object[] {GgufValueType.UINT32, 123456789L});
        m.put("i32.min", new Object[] {GgufValueType.INT32, Integer.MIN_VALUE});
        m.put("f32.eps", new Object[] {GgufValueType.FLOAT32, 9.999999747378752e-06f});
        m.put("f32.negzero", new Object[] {GgufValueType.FLOAT32, -0.0f});
        m.put("f32.inf", new Object[] {GgufValueType.FLOAT32, Float.NEGATIVE_INFINITY});
        m.put("bool.true", new Object[] {GgufValueType.BOOL, true});
        m.put("bool.false", new Object[] {GgufValueType.BOOL, false});
        m.put("str.empty", new Object[] {GgufValueType.STRING, ""});
        m.put("str.ascii", new Object[] {GgufValueType.STRING, "llama"});
        m.put("str.unicode", new Object[] {GgufValueType.STRING, "▁Grüße, мир, 世界 🦙👩‍👩‍👧 \u0000 end"});
        m.put("u64.max", new Object[] {GgufValueType.UINT64, -1L}); // 2^64-1 comes back as a negative long
        m.put("u64.big", new Object[] {GgufValueType.UINT64, 1L << 40});
        m.put("i64.min", new Object[] {GgufValueType.INT64, Long.MIN_VALUE});
        m.put("f64.pi", new Object[] {GgufValueType.FLOAT64, Math.PI});
        m.put("f64.nan", new Object[] {GgufValueType.FLOAT64, Double.NaN});
        return m;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void everyScalarTypeRoundTrips(int version) throws Exception {
        GgufTestWriter w = new GgufTestWriter().version(version);
        scalars().forEach((k, v) -> w.kv(k, (GgufValueType) v[0], v[1]));
        GgufFile f = roundTrip(w);
        assertEquals(version, f.version());
        assertEquals(new ArrayList<>(scalars().keySet()), new ArrayList<>(f.metadata().keySet()), "keys in file order");
        for (Map.Entry<String, Object[]> e : scalars().entrySet()) {
            MetadataValue v = f.get(e.getKey());
            assertEquals(e.getValue()[0], v.type(), e.getKey());
            assertNull(v.elementType(), e.getKey());
            assertEquals(e.getValue()[1], v.value(), e.getKey());
            assertEquals(e.getValue()[1].getClass(), v.value().getClass(), e.getKey());
        }
        assertTrue(f.tensors().isEmpty());
        assertEquals(GgufReader.DEFAULT_ALIGNMENT, f.alignment());
        assertEquals(GgufTestWriter.align(w.headerEnd(), 32), f.dataOffset());
    }

    @Test
    void floatBitsArePreserved() throws Exception {
        int nanWithPayload = 0x7fc01234;
        long dnan = 0x7ff8000000abcdefL;
        GgufFile f = roundTrip(new GgufTestWriter()
                .rawKv("f", GgufValueType.FLOAT32.ordinal(), GgufTestWriter.u32(nanWithPayload))
                .rawKv("d", GgufValueType.FLOAT64.ordinal(), GgufTestWriter.u64(dnan))
                .kv("fa", GgufValueType.ARRAY, arr(GgufValueType.FLOAT32, new float[] {Float.MIN_VALUE, -0.0f, Float.MAX_VALUE})));
        assertEquals(nanWithPayload, Float.floatToRawIntBits((Float) f.get("f").value()));
        assertEquals(dnan, Double.doubleToRawLongBits((Double) f.get("d").value()));
        float[] fa = (float[]) f.get("fa").value();
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(fa[1]));
        assertEquals(Float.MIN_VALUE, fa[0]);
    }

    /** Arrays of every element type in the reader's widened representation. */
    static Map<String, Arr> arrays() {
        Map<String, Arr> m = new LinkedHashMap<>();
        m.put("a.u8", arr(GgufValueType.UINT8, new short[] {0, 1, 127, 128, 255}));
        m.put("a.i8", arr(GgufValueType.INT8, new byte[] {-128, -1, 0, 1, 127}));
        m.put("a.u16", arr(GgufValueType.UINT16, new int[] {0, 32768, 65535}));
        m.put("a.i16", arr(GgufValueType.INT16, new short[] {Short.MIN_VALUE, -1, Short.MAX_VALUE}));
        m.put("a.u32", arr(GgufValueType.UINT32, new long[] {0, 2147483648L, 4294967295L}));
        m.put("a.i32", arr(GgufValueType.INT32, new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}));
        m.put("a.f32", arr(GgufValueType.FLOAT32, new float[] {0f, -1.5f, 3.25e-20f, Float.POSITIVE_INFINITY}));
        m.put("a.bool", arr(GgufValueType.BOOL, new boolean[] {true, false, false, true}));
        m.put("a.str", arr(GgufValueType.STRING, new String[] {"", "a", "<0x0A>", "▁the", "🦙", "x".repeat(70_000)}));
        m.put("a.u64", arr(GgufValueType.UINT64, new long[] {0, Long.MAX_VALUE, -1L}));
        m.put("a.i64", arr(GgufValueType.INT64, new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE}));
        m.put("a.f64", arr(GgufValueType.FLOAT64, new double[] {Double.MIN_VALUE, -2.5, 1e300}));
        m.put("a.empty.u8", arr(GgufValueType.UINT8, new short[0]));
        m.put("a.empty.str", arr(GgufValueType.STRING, new String[0]));
        m.put("a.empty.arr", arr(GgufValueType.ARRAY, new Arr[0]));
        m.put("a.nested", arr(GgufValueType.ARRAY, new Arr[] {
                arr(GgufValueType.UINT32, new long[] {1, 2, 3}),
                arr(GgufValueType.STRING, new String[] {"x", "yz"}),
                arr(GgufValueType.BOOL, new boolean[0]),
                arr(GgufValueType.ARRAY, new Arr[] {arr(GgufValueType.FLOAT64, new double[] {0.5}), arr(GgufValueType.INT8, new byte[] {-7})}),
        }));
        // GgufReader.MAX_ARRAY_NESTING levels: the deepest allowed
        Arr deep = arr(GgufValueType.INT32, new int[] {42});
        for (int i = 1; i < GgufReader.MAX_ARRAY_NESTING; i++) deep = arr(GgufValueType.ARRAY, new Arr[] {deep});
        m.put("a.deep", deep);
        return m;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void everyArrayTypeRoundTrips(int version) throws Exception {
        GgufTestWriter w = new GgufTestWriter().version(version);
        arrays().forEach((k, v) -> w.kv(k, GgufValueType.ARRAY, v));
        GgufFile f = roundTrip(w);
        for (Map.Entry<String, Arr> e : arrays().entrySet()) {
            MetadataValue v = f.get(e.getKey());
            assertEquals(GgufValueType.ARRAY, v.type(), e.getKey());
            assertEquals(e.getValue().elementType, v.elementType(), e.getKey());
            assertEquals(e.getValue().expected().value().getClass(), v.value().getClass(), e.getKey() + " Java array type");
            assertEquals(e.getValue().expected(), v, e.getKey());
            assertEquals(java.lang.reflect.Array.getLength(e.getValue().elements), v.arrayLength(), e.getKey());
        }
        MetadataValue nested = ((MetadataValue[]) f.get("a.nested").value())[3];
        assertEquals(GgufValueType.ARRAY, nested.elementType());
        assertEquals(-7, ((byte[]) ((MetadataValue[]) nested.value())[1].value())[0]);
    }

    @Test
    void accessorsAndConversions() throws Exception {
        GgufFile f = roundTrip(new GgufTestWriter()
                .kv("general.architecture", GgufValueType.STRING, "llama")
                .kv("n", GgufValueType.UINT32, 4294967295L)
                .kv("i", GgufValueType.INT32, -5)
                .kv("eps", GgufValueType.FLOAT32, 1e-5f)
                .kv("flag", GgufValueType.BOOL, true)
                .kv("tokens", GgufValueType.ARRAY, arr(GgufValueType.STRING, new String[] {"a", "b"}))
                .kv("types", GgufValueType.ARRAY, arr(GgufValueType.UINT8, new short[] {1, 255}))
                .kv("scores", GgufValueType.ARRAY, arr(GgufValueType.INT16, new short[] {-3, 4})));
        assertEquals("llama", f.getString("general.architecture", null));
        assertEquals("dflt", f.getString("missing", "dflt"));
        assertEquals(4294967295L, f.getLong("n", 0));
        assertEquals(-5, f.getInt("i", 0));
        assertEquals(7, f.getInt("missing", 7));
        assertThrows(IllegalArgumentException.class, () -> f.getInt("n", 0), "u32 max does not fit an int");
        assertEquals(1e-5f, f.getFloat("eps", 0));
        assertTrue(f.getBoolean("flag", false));
        assertThrows(IllegalArgumentException.class, () -> f.getString("n", null));
        assertThrows(IllegalArgumentException.class, () -> f.getLong("tokens", 0));
        assertArrayEquals(new String[] {"a", "b"}, f.get("tokens").asStringArray());
        assertArrayEquals(new int[] {1, 255}, f.get("types").asIntArray());
        assertArrayEquals(new float[] {-3f, 4f}, f.get("scores").asFloatArray());
        assertEquals("ARRAY[STRING] (2)", f.get("tokens").describe());
        assertTrue(f.has("eps"));
        assertFalse(f.has("nope"));
    }

    /** Tensor payloads with a recognizable pattern: byte k of tensor t is (t * 31 + k * 7) mod 256. */
    static byte[] pattern(int t, long n) {
        byte[] b = new byte[(int) n];
        for (int k = 0; k < n; k++) b[k] = (byte) (t * 31 + k * 7);
        return b;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8, 32, 64, 4096})
    void tensorsOfSeveralTypesWithCustomAlignment(int alignment) throws Exception {
        Object[][] specs = {
                {"f32.1d", GgmlType.F32, new long[] {7}},
                {"f16.2d", GgmlType.F16, new long[] {3, 5}},
                {"q8_0", GgmlType.Q8_0, new long[] {64, 3}},
                {"q4_0", GgmlType.Q4_0, new long[] {32, 2, 2}},
                {"q4_k", GgmlType.Q4_K, new long[] {256, 2}},
                {"q6_k.4d", GgmlType.Q6_K, new long[] {256, 1, 2, 3}},
                {"bf16", GgmlType.BF16, new long[] {5, 1}},
                {"i8", GgmlType.I8, new long[] {3}},
                {"mxfp4", GgmlType.MXFP4, new long[] {32, 3}},
                {"q5_1", GgmlType.Q5_1, new long[] {96, 1}},
        };
        GgufTestWriter w = new GgufTestWriter()
                .kv("general.architecture", GgufValueType.STRING, "test")
                .alignment(alignment)
                .kv("after", GgufValueType.UINT8, 9);
        for (int i = 0; i < specs.length; i++) {
            GgmlType type = (GgmlType) specs[i][1];
            long[] shape = (long[]) specs[i][2];
            long n = 1;
            for (long d : shape) n *= d;
            w.tensor((String) specs[i][0], type, shape, pattern(i, type.byteSize(n)));
        }
        GgufFile f = roundTrip(w);
        assertEquals(alignment, f.alignment());
        assertEquals(GgufValueType.UINT32, f.get("general.alignment").type());
        assertEquals(w.dataOffset(), f.dataOffset());
        assertEquals(0, f.dataOffset() % alignment);
        assertEquals(specs.length, f.tensors().size());
        for (int i = 0; i < specs.length; i++) {
            TensorInfo t = f.tensors().get(i);
            GgmlType type = (GgmlType) specs[i][1];
            long[] shape = (long[]) specs[i][2];
            assertEquals(specs[i][0], t.name());
            assertEquals(t, f.tensor(t.name()));
            assertEquals(type, t.type());
            assertArrayEquals(shape, t.shape());
            assertEquals(shape.length, t.dims());
            assertEquals(1, t.dim(shape.length), "missing dims read as 1");
            assertEquals(w.tensorOffset(i), t.offset());
            assertEquals(0, t.offset() % alignment, t.name());
            long n = 1;
            for (long d : shape) n *= d;
            assertEquals(n, t.elements());
            assertEquals(shape[0], t.rowLength());
            assertEquals(n / shape[0], t.rows());
            assertEquals(type.byteSize(n), t.byteSize());
            assertEquals(type.byteSize(shape[0]), t.rowBytes());
            assertMappedBytes(f, t, pattern(i, t.byteSize()));
        }
    }

    static void assertMappedBytes(GgufFile f, TensorInfo t, byte[] expected) throws Exception {
        TensorData d = f.map(t);
        assertEquals(t, d.info());
        assertEquals(t.rowBytes(), d.rowBytes());
        assertEquals(1, d.chunkCount());
        long total = 0;
        for (int c = 0; c < d.chunkCount(); c++) total += d.buffer(0).capacity();
        assertEquals(t.byteSize(), total);
        for (long r = 0; r < t.rows(); r++) {
            ByteBuffer b = d.buffer(r);
            assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
            assertTrue(b.isReadOnly(), "mapped read-only");
            assertTrue(b.isDirect(), "mapped, not copied to the heap");
            int off = d.rowOffset(r);
            for (int k = 0; k < d.rowBytes(); k++) {
                assertEquals(expected[(int) (r * d.rowBytes() + k)], b.get(off + k), t.name() + " row " + r + " byte " + k);
            }
        }
    }

    @Test
    void mappedBuffersAreLittleEndianFloats() throws Exception {
        ByteBuffer data = ByteBuffer.allocate(4 * 6).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) data.putFloat(i * 1.5f - 2f);
        GgufFile f = roundTrip(new GgufTestWriter().tensor("w", GgmlType.F32, new long[] {3, 2}, data.array()));
        TensorData d = f.map(f.tensor("w"));
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 3; c++) {
                assertEquals((r * 3 + c) * 1.5f - 2f, d.buffer(r).getFloat(d.rowOffset(r) + 4 * c));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> f.map(new TensorInfo("w", new long[] {3, 2}, GgmlType.F32, 0)),
                "a TensorInfo that is not this file's");
    }

    @Test
    void vocabOnlyFileMayEndBeforeTheAlignedDataOffset() throws Exception {
        GgufTestWriter w = new GgufTestWriter().kv("tokenizer.ggml.tokens", GgufValueType.ARRAY,
                arr(GgufValueType.STRING, new String[] {"a", "bc"}));
        byte[] bytes = w.toBytes();
        assertTrue(bytes.length % 32 != 0, "test needs a header that is not a multiple of 32");
        GgufFile f = roundTrip(w);
        assertEquals(bytes.length, f.fileSize());
        assertEquals(GgufTestWriter.align(bytes.length, 32), f.dataOffset());
        assertTrue(f.dataOffset() > f.fileSize());
        assertTrue(f.tensors().isEmpty());
    }

    @Test
    void emptyHeaderIsValid() throws Exception {
        GgufFile f = roundTrip(new GgufTestWriter().version(2));
        assertEquals(2, f.version());
        assertTrue(f.metadata().isEmpty());
        assertEquals(32, f.dataOffset());
        assertEquals(24, f.fileSize());
    }

    @Test
    void alignmentOneAndTensorAtDataEnd() throws Exception {
        // alignment 1: data starts right after the header; a tensor ending exactly at EOF is fine
        GgufTestWriter w = new GgufTestWriter().alignment(1)
                .tensor("a", GgmlType.I8, new long[] {3}, new byte[] {1, 2, 3})
                .tensor("b", GgmlType.I8, new long[] {1}, new byte[] {4});
        GgufFile f = roundTrip(w);
        assertEquals(w.headerEnd(), f.dataOffset());
        assertEquals(3, f.tensor("b").offset());
        assertEquals(f.fileSize(), f.dataOffset() + 4);
        assertEquals(4, f.map(f.tensor("b")).buffer(0).get(0));
    }

    /**
     * Random files (seeded): random metadata of every type with random strings, long arrays and nested
     * arrays so that values straddle the reader's 64 KB window; random tensors and alignments.
     */
    @Test
    void randomFilesRoundTrip() throws Exception {
        Random rnd = new Random(20240611);
        for (int iter = 0; iter < 60; iter++) {
            GgufTestWriter w = new GgufTestWriter().version(2 + rnd.nextInt(2));
            Map<String, MetadataValue> expected = new LinkedHashMap<>();
            int alignment = 32;
            int nkv = rnd.nextInt(25);
            int alignmentAt = rnd.nextBoolean() ? rnd.nextInt(nkv + 1) : -1;
            for (int i = 0; i <= nkv; i++) {
                if (i == alignmentAt) {
                    alignment = 1 << rnd.nextInt(13);
                    w.alignment(alignment);
                    expected.put("general.alignment", new MetadataValue(GgufValueType.UINT32, null, (long) alignment));
                }
                if (i == nkv) break;
                String key = "k" + i + "." + randomString(rnd, 12);
                GgufValueType type = GgufValueType.values()[rnd.nextInt(13)];
                if (type == GgufValueType.ARRAY) {
                    Arr a = randomArray(rnd, 1);
                    w.kv(key, type, a);
                    expected.put(key, a.expected());
                } else {
                    Object v = randomScalar(rnd, type);
                    w.kv(key, type, v);
                    expected.put(key, new MetadataValue(type, null, v));
                }
            }
            GgmlType[] types = GgmlType.values();
            int nt = rnd.nextInt(6);
            List<byte[]> payloads = new ArrayList<>();
            for (int t = 0; t < nt; t++) {
                GgmlType type = types[rnd.nextInt(types.length)];
                int dims = 1 + rnd.nextInt(4);
                long[] shape = new long[dims];
                shape[0] = (long) type.blockSize * (1 + rnd.nextInt(3));
                for (int d = 1; d < dims; d++) shape[d] = 1 + rnd.nextInt(3);
                long n = 1;
                for (long d : shape) n *= d;
                byte[] data = new byte[(int) type.byteSize(n)];
                rnd.nextBytes(data);
                payloads.add(data);
                w.tensor("t" + t + "." + randomString(rnd, 5), type, shape, data);
            }
            GgufFile f = roundTrip(w);
            String ctx = "iteration " + iter;
            assertEquals(expected, f.metadata(), ctx);
            assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(f.metadata().keySet()), ctx);
            assertEquals(alignment, f.alignment(), ctx);
            assertEquals(w.dataOffset(), f.dataOffset(), ctx);
            assertEquals(nt, f.tensors().size(), ctx);
            for (int t = 0; t < nt; t++) {
                TensorInfo ti = f.tensors().get(t);
                assertEquals(w.tensorOffset(t), ti.offset(), ctx);
                byte[] data = payloads.get(t);
                TensorData d = f.map(ti);
                byte[] got = new byte[data.length];
                for (long r = 0; r < ti.rows(); r++) {
                    ByteBuffer b = d.buffer(r);
                    for (int k = 0; k < d.rowBytes(); k++) got[(int) (r * d.rowBytes() + k)] = b.get(d.rowOffset(r) + k);
                }
                assertArrayEquals(data, got, ctx + " tensor " + ti);
            }
        }
    }

    static String randomString(Random rnd, int maxLen) {
        int n = rnd.nextInt(maxLen + 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(4);
            int cp = kind == 0 ? 0x20 + rnd.nextInt(0x5F)
                    : kind == 1 ? 0xA0 + rnd.nextInt(0x700)
                    : kind == 2 ? 0x3000 + rnd.nextInt(0x5000)
                    : 0x1F300 + rnd.nextInt(0x300);
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    static Object randomScalar(Random rnd, GgufValueType type) {
        switch (type) {
            case UINT8: return rnd.nextInt(256);
            case INT8: return rnd.nextInt(256) - 128;
            case UINT16: return rnd.nextInt(65536);
            case INT16: return rnd.nextInt(65536) - 32768;
            case UINT32: return rnd.nextLong() & 0xFFFFFFFFL;
            case INT32: return rnd.nextInt();
            case FLOAT32: return Float.intBitsToFloat(rnd.nextInt() & 0x7f7fffff); // no NaN: equals() compares values
            case BOOL: return rnd.nextBoolean();
            case STRING: return randomString(rnd, rnd.nextInt(10) == 0 ? 3000 : 20);
            case UINT64: case INT64: return rnd.nextLong();
            case FLOAT64: return rnd.nextGaussian() * 1e10;
            default: throw new AssertionError(type);
        }
    }

    static Arr randomArray(Random rnd, int depth) {
        GgufValueType et = GgufValueType.values()[rnd.nextInt(13)];
        if (et == GgufValueType.ARRAY && depth >= 3) et = GgufValueType.UINT8;
        int n = rnd.nextInt(8) == 0 ? rnd.nextInt(20_000) : rnd.nextInt(10);
        if (et == GgufValueType.ARRAY) {
            Arr[] a = new Arr[Math.min(n, 6)];
            for (int i = 0; i < a.length; i++) a[i] = randomArray(rnd, depth + 1);
            return arr(et, a);
        }
        Object a;
        switch (et) {
            case UINT8: case INT16: a = new short[n]; break;
            case INT8: a = new byte[n]; break;
            case UINT16: case INT32: a = new int[n]; break;
            case UINT32: case UINT64: case INT64: a = new long[n]; break;
            case FLOAT32: a = new float[n]; break;
            case FLOAT64: a = new double[n]; break;
            case BOOL: a = new boolean[n]; break;
            case STRING: a = new String[Math.min(n, 2000)]; break;
            default: throw new AssertionError(et);
        }
        for (int i = 0; i < java.lang.reflect.Array.getLength(a); i++) {
            Object v = randomScalar(rnd, et);
            if (a instanceof short[]) ((short[]) a)[i] = ((Number) v).shortValue();
            else if (a instanceof byte[]) ((byte[]) a)[i] = ((Number) v).byteValue();
            else if (a instanceof int[]) ((int[]) a)[i] = ((Number) v).intValue();
            else if (a instanceof long[]) ((long[]) a)[i] = ((Number) v).longValue();
            else if (a instanceof float[]) ((float[]) a)[i] = (Float) v;
            else if (a instanceof double[]) ((double[]) a)[i] = (Double) v;
            else if (a instanceof boolean[]) ((boolean[]) a)[i] = (Boolean) v;
            else ((String[]) a)[i] = (String) v;
        }
        return arr(et, a);
    }
}
