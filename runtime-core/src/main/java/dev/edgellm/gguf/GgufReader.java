package dev.edgellm.gguf;

import dev.edgellm.ModelFormatException;

import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses the header of a GGUF file (versions 2 and 3, little-endian): metadata, tensor table and data
 * offset. No tensor data is read; {@link GgufFile#map} maps it later. Format: ggml's docs/gguf.md.
 *
 * <h2>Errors</h2>
 * Every problem with the file's <em>content</em> ends in a {@link ModelFormatException} that names the
 * file, the byte offset where it was found and the field being read (e.g. {@code header.version},
 * {@code kv[4] 'general.alignment'.value}, {@code tensor[7] 'output.weight'.type}): wrong magic; version 1,
 * big-endian or unknown version; truncation anywhere in the header; unknown metadata value or tensor types;
 * counts, lengths, shapes or offsets that cannot fit in the file or overflow; duplicate keys or tensor
 * names; a {@code general.alignment} that is not a UINT32 power of two; tensor data that is misaligned or
 * runs past the end of the file; a header beyond the limits below. Every length and count is checked
 * against the bytes that remain before anything is allocated, so bad input never causes OutOfMemoryError,
 * an endless loop, deep recursion or an index/negative-size exception, and parsing takes time linear in
 * the bytes read. Other {@link IOException}s (e.g. {@link java.nio.file.NoSuchFileException},
 * {@link java.nio.file.AccessDeniedException}) only report I/O failures unrelated to the content.
 *
 * <p>Limits, far above any real model (the largest vocabularies hold ~260k tokens and a few MB of text):
 * {@value #MAX_HEADER_BYTES} header bytes, {@value #MAX_STRING_BYTES} bytes per string,
 * {@value #MAX_TENSORS} tensors, {@value #MAX_KVS} metadata keys, {@value #MAX_ARRAY_ELEMENTS} array
 * elements in total and arrays nested {@value #MAX_ARRAY_NESTING} deep. They bound the heap the parsed
 * header takes.
 */
public final class GgufReader {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    static final int DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";
    static final int MAX_ALIGNMENT = 1 << 30;
    /** ggml's GGML_MAX_DIMS. */
    static final int MAX_DIMS = 4;
    static final long MAX_HEADER_BYTES = 256L << 20;
    static final long MAX_STRING_BYTES = 64L << 20;
    static final long MAX_TENSORS = 1L << 20;
    static final long MAX_KVS = 1L << 20;
    static final long MAX_ARRAY_ELEMENTS = 1L << 24;
    static final int MAX_ARRAY_NESTING = 8;
    /** Smallest possible entries: key length + type + a 1-byte value; name length + n_dims + ne[0] + type + offset. */
    private static final int MIN_KV_BYTES = 8 + 4 + 1;
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;

    private final Path path;
    private final FileChannel channel;
    private final long fileSize;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    /** File offset of buf's index 0. */
    private long bufStart;
    private long elementsLeft = MAX_ARRAY_ELEMENTS;

    private GgufReader(Path path, FileChannel channel) throws IOException {
        this.path = path;
        this.channel = channel;
        this.fileSize = channel.size();
        ((Buffer) buf).limit(0);
    }

    /** Reads the header of {@code path}; see the class comment for the errors. */
    public static GgufFile read(Path path) throws IOException {
        // A directory or FIFO would fail with an odd IOException or block forever.
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            throw new ModelFormatException(path, -1, "file", "not a regular file");
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            GgufReader r = new GgufReader(path, ch);
            try {
                return r.parse();
            } catch (OutOfMemoryError e) {
                // Backstop only: the limits keep a header to a few hundred MB; what was parsed is garbage now.
                throw new ModelFormatException(path, r.pos(), "header", "not enough memory to hold the header", e);
            }
        }
    }

    private GgufFile parse() throws IOException {
        int magic = readI32("header.magic");
        if (magic != MAGIC) {
            throw error(0, "header.magic", "not a GGUF file: magic is " + printableMagic(magic) + ", expected \"GGUF\"");
        }
        long version = readU32("header.version");
        if (version != 2 && version != 3) throw error(4, "header.version", versionProblem(version));
        long tensorCount = readCount("header.tensor_count", MIN_TENSOR_INFO_BYTES, MAX_TENSORS);
        long kvCount = readCount("header.metadata_kv_count", MIN_KV_BYTES, MAX_KVS);

        Map<String, MetadataValue> metadata = new LinkedHashMap<>();
        long alignmentAt = -1;
        for (long i = 0; i < kvCount; i++) {
            long keyAt = pos();
            String key = readString("kv[" + i + "].key", -1);
            if (metadata.containsKey(key)) throw error(keyAt, "kv[" + i + "].key", "duplicate metadata key " + shown(key));
            String field = "kv[" + i + "] " + shown(key);
            GgufValueType type = readValueType(field + ".type");
            if (key.equals(ALIGNMENT_KEY)) alignmentAt = pos();
            metadata.put(key, type == GgufValueType.ARRAY ? readArray(field, 1) : readScalar(type, field + ".value"));
        }
        int alignment = alignment(metadata.get(ALIGNMENT_KEY), alignmentAt);

        List<TensorInfo> tensors = new ArrayList<>(); // not pre-sized: the count is not trusted yet
        long[] offsetAt = new long[(int) tensorCount]; // <= 8 MB, and only when the file is large enough
        Set<String> names = new HashSet<>();
        for (int i = 0; i < tensorCount; i++) {
            long nameAt = pos();
            String name = readString("tensor[" + i + "].name", -1);
            if (!names.add(name)) throw error(nameAt, "tensor[" + i + "].name", "duplicate tensor name " + shown(name));
            tensors.add(readTensorInfo("tensor[" + i + "] " + shown(name), name, alignment));
            offsetAt[i] = pos() - 8;
        }
        // A vocab-only file (no tensors) may end right here, before the aligned data offset: that is fine.
        long dataOffset = (pos() + alignment - 1) / alignment * alignment;
        // Extents are checked in table order once the data offset is known, so that a cut file names the first
        // tensor it lost. Written as comparisons with what remains: start + size could overflow.
        long room = fileSize - dataOffset; // negative if the file ends inside the padding
        for (int i = 0; i < tensors.size(); i++) {
            TensorInfo t = tensors.get(i);
            String f = "tensor[" + i + "] " + shown(t.name());
            if (t.offset() < 0 || t.offset() >= room) {
                throw error(offsetAt[i], f + ".offset", "data offset " + Long.toUnsignedString(t.offset())
                        + " lies past the end of the file (data section at " + dataOffset + ", file size " + fileSize + ")");
            }
            if (t.byteSize() > room - t.offset()) {
                throw error(offsetAt[i], f + ".data", "tensor data (" + t.byteSize() + " bytes at file offset "
                        + (dataOffset + t.offset()) + ") runs past the end of the file (" + fileSize + " bytes)");
            }
        }
        return new GgufFile(path, (int) version, metadata, tensors, alignment, dataOffset, fileSize);
    }

    /** Reads n_dims, ne[], type and offset of one tensor info; {@code f} names it in errors. */
    private TensorInfo readTensorInfo(String f, String name, int alignment) throws IOException {
        long dimsAt = pos();
        long nDims = readU32(f + ".n_dims");
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw error(dimsAt, f + ".n_dims", "dimension count " + nDims + " is out of range 1.." + MAX_DIMS);
        }
        long[] shape = new long[(int) nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            long dimAt = pos();
            shape[d] = readU64(f + ".ne[" + d + "]");
            if (shape[d] < 1) {
                throw error(dimAt, f + ".ne[" + d + "]", "dimension " + Long.toUnsignedString(shape[d]) + " is out of range");
            }
            // <= 2^60 elements keeps every byte size (at most 8 bytes per element) inside a long
            if (shape[d] > Long.MAX_VALUE / 8 / elements) {
                throw error(dimAt, f + ".ne[" + d + "]", "element count overflows (more than 2^60 elements)");
            }
            elements *= shape[d];
        }
        long typeAt = pos();
        long typeId = readU32(f + ".type");
        GgmlType type = GgmlType.byId(typeId);
        if (type == null) throw error(typeAt, f + ".type", "unknown ggml tensor type " + typeId);
        if (shape[0] % type.blockSize != 0) {
            throw error(typeAt, f + ".type", "row length ne[0] = " + shape[0] + " is not a multiple of " + type
                    + "'s block size " + type.blockSize);
        }
        long offsetAt = pos();
        long offset = readU64(f + ".offset");
        if (offset % alignment != 0) {
            throw error(offsetAt, f + ".offset", "data offset " + Long.toUnsignedString(offset)
                    + " is not a multiple of the alignment " + alignment);
        }
        return new TensorInfo(name, shape, type, offset);
    }

    private int alignment(MetadataValue v, long at) throws ModelFormatException {
        if (v == null) return DEFAULT_ALIGNMENT;
        if (v.type() != GgufValueType.UINT32) throw error(at, ALIGNMENT_KEY, "alignment must be a UINT32, got " + v.describe());
        long a = v.asLong();
        if (Long.bitCount(a) != 1 || a > MAX_ALIGNMENT) {
            throw error(at, ALIGNMENT_KEY, "alignment must be a power of two between 1 and 2^30, got " + a);
        }
        return (int) a;
    }

    private MetadataValue readScalar(GgufValueType type, String field) throws IOException {
        Object v;
        switch (type) {
            case UINT8: v = readByte(field) & 0xFF; break;
            case INT8: v = (int) readByte(field); break;
            case UINT16: v = readI16(field) & 0xFFFF; break;
            case INT16: v = (int) readI16(field); break;
            case UINT32: v = readU32(field); break;
            case INT32: v = readI32(field); break;
            case FLOAT32: v = Float.intBitsToFloat(readI32(field)); break;
            case BOOL: v = readBool(field, -1); break;
            case STRING: v = readString(field, -1); break;
            case UINT64: case INT64: v = readI64(field); break;
            case FLOAT64: v = Double.longBitsToDouble(readI64(field)); break;
            default: throw new AssertionError(type); // ARRAY is read by readArray
        }
        return new MetadataValue(type, null, v);
    }

    /** Reads an array's element type, length and elements; {@code depth} is 1 for a top-level array. */
    private MetadataValue readArray(String field, int depth) throws IOException {
        long typeAt = pos();
        GgufValueType et = readValueType(field + ".array_type");
        if (et == GgufValueType.ARRAY && depth >= MAX_ARRAY_NESTING) {
            throw error(typeAt, field + ".array_type", "arrays nested deeper than " + MAX_ARRAY_NESTING + " levels");
        }
        long countAt = pos();
        int n = (int) readCount(field + ".array_length", et.minBytes, Integer.MAX_VALUE - 8);
        elementsLeft -= n;
        if (elementsLeft < 0) {
            throw error(countAt, field + ".array_length", "metadata arrays hold more than " + MAX_ARRAY_ELEMENTS
                    + " elements in total");
        }
        // readCount checked that n elements fit in the file, so the fixed-size reads below cannot hit its end.
        Object v;
        switch (et) {
            case UINT8: { short[] a = new short[n]; for (int i = 0; i < n; i++) a[i] = (short) (readByte(field) & 0xFF); v = a; break; }
            case INT8: { byte[] a = new byte[n]; readBytes(a, field); v = a; break; }
            case UINT16: { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = readI16(field) & 0xFFFF; v = a; break; }
            case INT16: { short[] a = new short[n]; for (int i = 0; i < n; i++) a[i] = readI16(field); v = a; break; }
            case UINT32: { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = readU32(field); v = a; break; }
            case INT32: { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = readI32(field); v = a; break; }
            case FLOAT32: { float[] a = new float[n]; for (int i = 0; i < n; i++) a[i] = Float.intBitsToFloat(readI32(field)); v = a; break; }
            case BOOL: { boolean[] a = new boolean[n]; for (int i = 0; i < n; i++) a[i] = readBool(field, i); v = a; break; }
            case UINT64: case INT64: { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = readI64(field); v = a; break; }
            case FLOAT64: { double[] a = new double[n]; for (int i = 0; i < n; i++) a[i] = Double.longBitsToDouble(readI64(field)); v = a; break; }
            case STRING: { String[] a = new String[n]; for (int i = 0; i < n; i++) a[i] = readString(field, i); v = a; break; }
            case ARRAY: { MetadataValue[] a = new MetadataValue[n]; for (int i = 0; i < n; i++) a[i] = readArray(field + "[" + i + "]", depth + 1); v = a; break; }
            default: throw new AssertionError(et);
        }
        return new MetadataValue(GgufValueType.ARRAY, et, v);
    }

    private GgufValueType readValueType(String field) throws IOException {
        long at = pos();
        long id = readU32(field);
        GgufValueType t = GgufValueType.byId(id);
        if (t == null) throw error(at, field, "unknown metadata value type " + id + " (known: 0.." + (GgufValueType.values().length - 1) + ")");
        return t;
    }

    /** Reads a u64 count of items that take at least {@code minBytes} each; rejects counts the file cannot hold. */
    private long readCount(String field, int minBytes, long max) throws IOException {
        long at = pos();
        long count = readU64(field);
        long remaining = fileSize - pos();
        if (count < 0 || count > remaining / minBytes) {
            throw error(at, field, "count " + Long.toUnsignedString(count) + " does not fit: " + needed(count, minBytes)
                    + " but only " + remaining + " bytes remain (file truncated, or the count is corrupt)");
        }
        if (count > max) throw error(at, field, "count " + count + " exceeds the limit of " + max);
        return count;
    }

    private static String needed(long count, int minBytes) {
        return count < 0 || count > Long.MAX_VALUE / minBytes ? "that many entries need more than 2^63 bytes"
                : "that many entries need at least " + count * minBytes + " bytes";
    }

    private boolean readBool(String field, long index) throws IOException {
        long at = pos();
        byte b = readByte(field);
        if (b != 0 && b != 1) {
            throw error(at, element(field, index), "boolean must be 0 or 1, got " + (b & 0xFF));
        }
        return b == 1;
    }

    /** Reads a string; {@code field[index]} names it (index -1: just field), built only on error. */
    private String readString(String field, long index) throws IOException {
        long at = pos();
        if (buf.remaining() < 8) need(8, element(field, index));
        long len = buf.getLong();
        long remaining = fileSize - pos();
        if (len < 0 || len > remaining) {
            throw error(at, element(field, index), "string length " + Long.toUnsignedString(len)
                    + " runs past the end of the file (" + remaining + " bytes remain)");
        }
        if (len > MAX_STRING_BYTES) {
            throw error(at, element(field, index), "string length " + len + " exceeds the limit of " + MAX_STRING_BYTES);
        }
        if (len == 0) return ""; // shared: a million empty strings must not cost a million objects
        if (len <= buf.remaining()) { // the common case: decode straight from the window
            String str = new String(buf.array(), buf.position(), (int) len, StandardCharsets.UTF_8);
            ((Buffer) buf).position(buf.position() + (int) len);
            return str;
        }
        byte[] b = new byte[(int) len];
        readBytes(b, element(field, index));
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String element(String field, long index) {
        return index < 0 ? field : field + "[" + index + "]";
    }

    // ---- primitive reads over a refilled window; every read fails cleanly at the end of the file

    private long pos() {
        return bufStart + buf.position();
    }

    private void need(int n, String field) throws IOException {
        if (buf.remaining() >= n) return;
        long p = pos();
        if (p + n > fileSize) {
            throw error(p, field, "file is truncated: needs " + n + " more bytes, file ends at " + fileSize);
        }
        if (p + n > MAX_HEADER_BYTES) throw error(p, field, "header is larger than the limit of " + MAX_HEADER_BYTES + " bytes");
        buf.compact(); // keep the unread bytes at the front, refill after them
        bufStart = p;
        while (buf.position() < n) {
            if (channel.read(buf, p + buf.position()) < 0) {
                throw error(p, field, "unexpected end of file (did the file shrink?)");
            }
        }
        ((Buffer) buf).flip();
    }

    private byte readByte(String field) throws IOException {
        need(1, field);
        return buf.get();
    }

    private short readI16(String field) throws IOException {
        need(2, field);
        return buf.getShort();
    }

    private int readI32(String field) throws IOException {
        need(4, field);
        return buf.getInt();
    }

    private long readU32(String field) throws IOException {
        return readI32(field) & 0xFFFFFFFFL;
    }

    private long readI64(String field) throws IOException {
        need(8, field);
        return buf.getLong();
    }

    /** u64 as a Java long; values >= 2^63 come back negative and fail the callers' range checks. */
    private long readU64(String field) throws IOException {
        return readI64(field);
    }

    private void readBytes(byte[] dst, String field) throws IOException {
        int off = 0;
        while (off < dst.length) {
            if (!buf.hasRemaining()) need(1, field);
            int n = Math.min(buf.remaining(), dst.length - off);
            buf.get(dst, off, n);
            off += n;
        }
    }

    private ModelFormatException error(long at, String field, String problem) {
        return new ModelFormatException(path, at, field, problem);
    }

    private static String versionProblem(long version) {
        if (version == 1) return "GGUF version 1 is not supported (only 2 and 3); re-convert the model";
        int swapped = Integer.reverseBytes((int) version);
        if (swapped >= 1 && swapped <= 3) return "big-endian GGUF files are not supported (version " + swapped + ", byte-swapped)";
        return "unknown GGUF version " + version + " (supported: 2, 3)";
    }

    /** A key or tensor name as shown in field names and messages: quoted, escaped, at most 64 characters. */
    static String shown(String s) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F || c == '\'' || c == '\\') sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        if (s.length() > 64) sb.append("...");
        return sb.append('\'').toString();
    }

    private static String printableMagic(int magic) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < 4; i++) {
            int c = (magic >>> (8 * i)) & 0xFF;
            if (c >= 0x20 && c < 0x7F) sb.append((char) c);
            else sb.append(String.format("\\x%02x", c));
        }
        return sb.append('"').toString();
    }
}
