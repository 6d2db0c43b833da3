package dev.edgellm.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds GGUF files for tests, including malformed ones. Values are given as the Java types the reader
 * returns (see {@link MetadataValue}): scalars UINT8/INT8/UINT16/INT16/INT32 as Integer (any Number works),
 * UINT32/UINT64/INT64 as Long, FLOAT32 Float, FLOAT64 Double, BOOL Boolean (or a Number for a raw byte),
 * STRING String (or byte[] for raw bytes); arrays via {@link #arr}, with the element array in the reader's
 * widened form (u8 short[], i8 byte[], u16 int[], i16 short[], u32 long[], i32 int[], f32 float[],
 * bool boolean[], str String[], u64/i64 long[], f64 double[], nested {@code Arr[]}).
 *
 * <p>{@link #toBytes()} records where each field starts, under the reader's field names without the quoted
 * key/name ({@code header.version}, {@code kv[2].key}, {@code kv[2].type}, {@code kv[2].value},
 * {@code tensor[1].ne[0]}, {@code tensor[1].offset}, ...), for tests that patch bytes.
 */
final class GgufTestWriter {
    /** An array value: element type and a Java array of elements. */
    static final class Arr {
        final GgufValueType elementType;
        final Object elements;

        Arr(GgufValueType elementType, Object elements) {
            this.elementType = elementType;
            this.elements = elements;
        }

        /** The MetadataValue the reader should return for this array. */
        MetadataValue expected() {
            Object v = elements;
            if (elementType == GgufValueType.ARRAY) {
                Arr[] in = (Arr[]) elements;
                MetadataValue[] out = new MetadataValue[in.length];
                for (int i = 0; i < in.length; i++) out[i] = in[i].expected();
                v = out;
            }
            return new MetadataValue(GgufValueType.ARRAY, elementType, v);
        }
    }

    private static final class Kv {
        final String key;
        final long typeId;
        final Object value;
        final byte[] raw; // if non-null, written verbatim after the type

        Kv(String key, long typeId, Object value, byte[] raw) {
            this.key = key;
            this.typeId = typeId;
            this.value = value;
            this.raw = raw;
        }
    }

    private static final class Tensor {
        final String name;
        final long[] shape;
        final long typeId;
        Long offset; // null: next aligned offset
        final byte[] data; // null: not written (the test sizes the file itself)

        Tensor(String name, long[] shape, long typeId, Long offset, byte[] data) {
            this.name = name;
            this.shape = shape;
            this.typeId = typeId;
            this.offset = offset;
            this.data = data;
        }
    }

    private int magic = GgufReader.MAGIC;
    private long version = 3;
    private Long tensorCount;
    private Long kvCount;
    private int alignment = GgufReader.DEFAULT_ALIGNMENT;
    private final List<Kv> kvs = new ArrayList<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private final Map<String, Long> offsets = new HashMap<>();
    private long headerEnd = -1;
    private long dataOffset = -1;

    static Arr arr(GgufValueType elementType, Object elements) {
        return new Arr(elementType, elements);
    }

    GgufTestWriter magic(int magic) { this.magic = magic; return this; }

    GgufTestWriter version(long version) { this.version = version; return this; }

    /** Writes this tensor count instead of the real one. */
    GgufTestWriter tensorCount(long n) { this.tensorCount = n; return this; }

    /** Writes this metadata kv count instead of the real one. */
    GgufTestWriter kvCount(long n) { this.kvCount = n; return this; }

    /** Adds {@code general.alignment} (UINT32) here and lays the data out with it. */
    GgufTestWriter alignment(int a) {
        layoutAlignment(a);
        return kv(GgufReader.ALIGNMENT_KEY, GgufValueType.UINT32, (long) a);
    }

    /** Lays the data out with this alignment without writing a key. */
    GgufTestWriter layoutAlignment(int a) { this.alignment = a; return this; }

    GgufTestWriter kv(String key, GgufValueType type, Object value) {
        kvs.add(new Kv(key, type.ordinal(), value, null));
        return this;
    }

    /** A key with any type id and verbatim value bytes. */
    GgufTestWriter rawKv(String key, long typeId, byte[] valueBytes) {
        kvs.add(new Kv(key, typeId, null, valueBytes));
        return this;
    }

    /** A tensor at the next aligned offset, with its data. */
    GgufTestWriter tensor(String name, GgmlType type, long[] shape, byte[] data) {
        long elements = 1;
        for (long d : shape) elements *= d;
        if (type.byteSize(elements) != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " bytes given, " + type.byteSize(elements) + " needed");
        }
        tensors.add(new Tensor(name, shape.clone(), type.id, null, data));
        return this;
    }

    /** A tensor info with exactly these values and no data written. */
    GgufTestWriter rawTensor(String name, long[] shape, long typeId, long offset) {
        tensors.add(new Tensor(name, shape.clone(), typeId, offset, null));
        return this;
    }

    long offsetOf(String field) {
        Long o = offsets.get(field);
        if (o == null) throw new IllegalArgumentException("no field " + field + " (call toBytes first)");
        return o;
    }

    long headerEnd() { return headerEnd; }

    long dataOffset() { return dataOffset; }

    /** Relative data offset of a tensor written by {@link #tensor} (after {@link #toBytes}). */
    long tensorOffset(int index) { return tensors.get(index).offset; }

    Path write(Path file) throws IOException {
        Files.write(file, toBytes());
        return file;
    }

    byte[] toBytes() {
        Out out = new Out();
        offsets.clear();
        mark(out, "header.magic");
        out.i32(magic);
        mark(out, "header.version");
        out.i32((int) version);
        mark(out, "header.tensor_count");
        out.i64(tensorCount != null ? tensorCount : tensors.size());
        mark(out, "header.metadata_kv_count");
        out.i64(kvCount != null ? kvCount : kvs.size());
        for (int i = 0; i < kvs.size(); i++) {
            Kv kv = kvs.get(i);
            mark(out, "kv[" + i + "].key");
            string(out, kv.key);
            mark(out, "kv[" + i + "].type");
            out.i32((int) kv.typeId);
            mark(out, "kv[" + i + "].value");
            if (kv.raw != null) out.bytes(kv.raw);
            else value(out, GgufValueType.values()[(int) kv.typeId], kv.value);
        }
        long next = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            String f = "tensor[" + i + "]";
            mark(out, f + ".name");
            string(out, t.name);
            mark(out, f + ".n_dims");
            out.i32(t.shape.length);
            for (int d = 0; d < t.shape.length; d++) {
                mark(out, f + ".ne[" + d + "]");
                out.i64(t.shape[d]);
            }
            mark(out, f + ".type");
            out.i32((int) t.typeId);
            if (t.offset == null) {
                t.offset = align(next, alignment);
                next = t.offset + t.data.length;
            }
            mark(out, f + ".offset");
            out.i64(t.offset);
        }
        headerEnd = out.size();
        dataOffset = align(headerEnd, alignment);
        offsets.put("data", dataOffset);
        for (Tensor t : tensors) {
            if (t.data == null) continue;
            long at = dataOffset + t.offset;
            while (out.size() < at) out.write(0);
            out.bytes(t.data);
        }
        return out.toByteArray();
    }

    static long align(long x, long a) {
        return (x + a - 1) / a * a;
    }

    private void mark(Out out, String field) {
        offsets.put(field, (long) out.size());
    }

    private static void string(Out out, Object s) {
        byte[] b = s instanceof byte[] ? (byte[]) s : ((String) s).getBytes(StandardCharsets.UTF_8);
        out.i64(b.length);
        out.bytes(b);
    }

    private static void value(Out out, GgufValueType type, Object v) {
        switch (type) {
            case UINT8: case INT8: out.write(((Number) v).intValue()); break;
            case BOOL: out.write(v instanceof Boolean ? ((Boolean) v ? 1 : 0) : ((Number) v).intValue()); break;
            case UINT16: case INT16: out.i16(((Number) v).intValue()); break;
            case UINT32: case INT32: out.i32((int) ((Number) v).longValue()); break;
            case FLOAT32: out.i32(Float.floatToRawIntBits(((Number) v).floatValue())); break;
            case UINT64: case INT64: out.i64(((Number) v).longValue()); break;
            case FLOAT64: out.i64(Double.doubleToRawLongBits(((Number) v).doubleValue())); break;
            case STRING: string(out, v); break;
            case ARRAY: {
                Arr a = (Arr) v;
                out.i32(a.elementType.ordinal());
                int n = Array.getLength(a.elements);
                out.i64(n);
                for (int i = 0; i < n; i++) value(out, a.elementType, Array.get(a.elements, i));
                break;
            }
            default: throw new AssertionError(type);
        }
    }

    /** Little-endian byte sink. */
    static final class Out extends ByteArrayOutputStream {
        void i16(int v) { write(v); write(v >>> 8); }

        void i32(int v) { i16(v); i16(v >>> 16); }

        void i64(long v) { i32((int) v); i32((int) (v >>> 32)); }

        void bytes(byte[] b) { write(b, 0, b.length); }
    }

    /** The bytes a parsed value takes in a GGUF file (for comparing with the file). */
    static byte[] encode(MetadataValue v) {
        Out out = new Out();
        encode(out, v);
        return out.toByteArray();
    }

    private static void encode(Out out, MetadataValue v) {
        if (!v.isArray()) {
            value(out, v.type(), v.value());
            return;
        }
        out.i32(v.elementType().ordinal());
        out.i64(v.arrayLength());
        for (int i = 0; i < v.arrayLength(); i++) {
            Object e = Array.get(v.value(), i);
            if (e instanceof MetadataValue) encode(out, (MetadataValue) e);
            else value(out, v.elementType(), e);
        }
    }

    // ---- helpers for raw value bytes

    static byte[] u32(long v) {
        Out o = new Out();
        o.i32((int) v);
        return o.toByteArray();
    }

    static byte[] u64(long v) {
        Out o = new Out();
        o.i64(v);
        return o.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        Out o = new Out();
        for (byte[] p : parts) o.bytes(p);
        return o.toByteArray();
    }
}
