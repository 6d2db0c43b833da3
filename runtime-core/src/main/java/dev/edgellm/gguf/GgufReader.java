package dev.edgellm.gguf;

import dev.edgellm.ModelFormatException;

import java.io.EOFException;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
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
 * offset. No tensor data is read. Format: ggml's docs/gguf.md.
 *
 * <p>Every length and count read from the file is checked against the bytes that remain before anything is
 * allocated, so a hostile or truncated file ends in a {@link ModelFormatException} naming the file, offset
 * and field, never in OutOfMemoryError, an endless loop or an index exception.
 */
public final class GgufReader {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS. */
    static final int MAX_DIMS = 4;
    /** No real key, token or template comes near this; a longer string is treated as corruption. */
    static final long MAX_STRING_BYTES = 64L << 20;
    static final int MAX_ARRAY_NESTING = 8;

    private final Path path;
    private final FileChannel channel;
    private final long fileSize;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    /** File offset of buf's position 0. */
    private long bufStart;

    private GgufReader(Path path, FileChannel channel) throws IOException {
        this.path = path;
        this.channel = channel;
        this.fileSize = channel.size();
        ((Buffer) buf).limit(0);
    }

    /** Reads the header of {@code path}. */
    public static GgufFile read(Path path) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "model file not found");
        }
        try (FileChannel c = ch) {
            return new GgufReader(path, c).parse();
        }
    }

    private GgufFile parse() throws IOException {
        long magicAt = pos();
        int magic = readI32("header.magic");
        if (magic != MAGIC) {
            throw error(magicAt, "header.magic", String.format(
                    "not a GGUF file: magic is %s, expected \"GGUF\"", printableMagic(magic)));
        }
        long versionAt = pos();
        long version = readU32("header.version");
        if (version == 1) {
            throw error(versionAt, "header.version", "GGUF version 1 is not supported (only 2 and 3); re-convert the model");
        }
        if (Integer.reverseBytes((int) version) == 2 || Integer.reverseBytes((int) version) == 3) {
            throw error(versionAt, "header.version", "big-endian GGUF files are not supported");
        }
        if (version != 2 && version != 3) {
            throw error(versionAt, "header.version", "unknown GGUF version " + version + " (supported: 2, 3)");
        }
        long tensorCountAt = pos();
        long tensorCount = readU64("header.tensor_count");
        long kvCountAt = pos();
        long kvCount = readU64("header.metadata_kv_count");
        // Each metadata entry takes >= 13 bytes (key length 8, key >= 1... value type 4), each tensor info >= 33.
        checkCount(kvCountAt, "header.metadata_kv_count", kvCount, 8 + 4 + 1);
        checkCount(tensorCountAt, "header.tensor_count", tensorCount, 8 + 4 + 8 + 4 + 8);

        Map<String, MetadataValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long keyAt = pos();
            String key = readString("kv[" + i + "].key");
            if (metadata.containsKey(key)) {
                throw error(keyAt, "kv[" + i + "].key", "duplicate metadata key '" + key + "'");
            }
            String field = "kv[" + i + "] '" + key + "'";
            long typeAt = pos();
            GgufValueType type = valueType(readU32(field + ".type"), typeAt, field + ".type");
            metadata.put(key, readValue(type, field, 0));
        }

        int alignment = DEFAULT_ALIGNMENT;
        MetadataValue a = metadata.get("general.alignment");
        if (a != null) {
            if (!a.isNumber() || a.asLong() <= 0 || Long.bitCount(a.asLong()) != 1 || a.asLong() > (1 << 30)) {
                throw error(-1, "general.alignment", "alignment must be a power of two, got " + a);
            }
            alignment = (int) a.asLong();
        }

        List<TensorInfo> tensors = new ArrayList<>((int) tensorCount);
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            String f = "tensor[" + i + "]";
            long nameAt = pos();
            String name = readString(f + ".name");
            if (!names.add(name)) throw error(nameAt, f + ".name", "duplicate tensor name '" + name + "'");
            f = "tensor[" + i + "] '" + name + "'";
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
                if (shape[d] <= 0 || shape[d] > (1L << 40)) {
                    throw error(dimAt, f + ".ne[" + d + "]", "dimension " + Long.toUnsignedString(shape[d]) + " is out of range");
                }
                if (elements > Long.MAX_VALUE / 8 / shape[d]) {
                    throw error(dimAt, f + ".ne[" + d + "]", "element count overflows");
                }
                elements *= shape[d];
            }
            long typeAt = pos();
            long typeId = readU32(f + ".type");
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) throw error(typeAt, f + ".type", "unknown ggml tensor type " + typeId);
            if (shape[0] % type.blockSize != 0) {
                throw error(typeAt, f + ".type", "row length " + shape[0] + " is not a multiple of " + type
                        + "'s block size " + type.blockSize);
            }
            long offAt = pos();
            long offset = readU64(f + ".offset");
            if (offset < 0 || offset % alignment != 0) {
                throw error(offAt, f + ".offset", "data offset " + Long.toUnsignedString(offset)
                        + " is not a multiple of the alignment " + alignment);
            }
            tensors.add(new TensorInfo(name, shape, type, offset));
        }
        long headerEnd = pos();
        long dataOffset = (headerEnd + alignment - 1) / alignment * alignment;
        for (int i = 0; i < tensors.size(); i++) {
            TensorInfo t = tensors.get(i);
            long end = dataOffset + t.offset() + t.byteSize();
            if (end > fileSize || end < 0) {
                throw error(dataOffset + t.offset(), "tensor[" + i + "] '" + t.name() + "' data",
                        "tensor data (" + t.byteSize() + " bytes at data offset " + t.offset()
                                + ") runs past the end of the file (" + fileSize + " bytes)");
            }
        }
        return new GgufFile(path, (int) version, metadata, tensors, alignment, dataOffset, fileSize);
    }

    private MetadataValue readValue(GgufValueType type, String field, int depth) throws IOException {
        switch (type) {
            case UINT8: return new MetadataValue(type, null, (int) (readByte(field) & 0xFF));
            case INT8: return new MetadataValue(type, null, (int) readByte(field));
            case UINT16: return new MetadataValue(type, null, readI16(field) & 0xFFFF);
            case INT16: return new MetadataValue(type, null, (int) readI16(field));
            case UINT32: return new MetadataValue(type, null, readU32(field));
            case INT32: return new MetadataValue(type, null, readI32(field));
            case FLOAT32: return new MetadataValue(type, null, Float.intBitsToFloat(readI32(field)));
            case BOOL: {
                long at = pos();
                byte b = readByte(field);
                if (b != 0 && b != 1) throw error(at, field, "boolean value must be 0 or 1, got " + (b & 0xFF));
                return new MetadataValue(type, null, b == 1);
            }
            case STRING: return new MetadataValue(type, null, readString(field));
            case UINT64: return new MetadataValue(type, null, readU64(field));
            case INT64: return new MetadataValue(type, null, readI64(field));
            case FLOAT64: return new MetadataValue(type, null, Double.longBitsToDouble(readI64(field)));
            case ARRAY: return readArray(field, depth);
            default: throw new AssertionError(type);
        }
    }

    private MetadataValue readArray(String field, int depth) throws IOException {
        long typeAt = pos();
        GgufValueType et = valueType(readU32(field + ".array_type"), typeAt, field + ".array_type");
        if (et == GgufValueType.ARRAY && depth + 1 >= MAX_ARRAY_NESTING) {
            throw error(typeAt, field + ".array_type", "arrays nested deeper than " + MAX_ARRAY_NESTING);
        }
        long countAt = pos();
        long count = readU64(field + ".array_length");
        checkCount(countAt, field + ".array_length", count, et.minBytes);
        int n = (int) count;
        switch (et) {
            case UINT8: case INT8: {
                byte[] v = new byte[n];
                readBytes(v, field);
                if (et == GgufValueType.INT8) return new MetadataValue(GgufValueType.ARRAY, et, v);
                short[] u = new short[n];
                for (int i = 0; i < n; i++) u[i] = (short) (v[i] & 0xFF);
                return new MetadataValue(GgufValueType.ARRAY, et, u);
            }
            case BOOL: {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) v[i] = readByte(field) != 0;
                return new MetadataValue(GgufValueType.ARRAY, et, v);
            }
            case INT16: {
                short[] v = new short[n];
                for (int i = 0; i < n; i++) v[i] = readI16(field);
                return new MetadataValue(GgufValueType.ARRAY, et, v);
            }
            case UINT16: {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) v[i] = readI16(field) & 0xFFFF;
                return new MetadataValue(GgufValueType.ARRAY, et, v);
            }
            case INT32: {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) v[i] = readI32(field);
                return new MetadataValue(GgufValueType.ARRAY, et, v);
            }
            case UINT32: {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) v[i] = readU32(field);
                return new MetadataValue(GgufValueType.ARRAY, et, v);
            }
            case FLOAT32: {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) v[i] = Float.intBitsToFloat(readI32(field));
                return new MetadataValue(GgufValueType.ARRAY, et, v);
            }
            case UINT64: case INT64: {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) v[i] = readI64(field);
                return new MetadataValue(GgufValueType.ARRAY, et, v);
            }
            case FLOAT64: {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) v[i] = Double.longBitsToDouble(readI64(field));
                return new MetadataValue(GgufValueType.ARRAY, et, v);
            }
            case STRING: {
                String[] v = new String[n];
                for (int i = 0; i < n; i++) v[i] = readString(field + "[" + i + "]");
                return new MetadataValue(GgufValueType.ARRAY, et, v);
            }
            case ARRAY: {
                MetadataValue[] v = new MetadataValue[n];
                for (int i = 0; i < n; i++) v[i] = readArray(field + "[" + i + "]", depth + 1);
                return new MetadataValue(GgufValueType.ARRAY, et, v);
            }
            default: throw new AssertionError(et);
        }
    }

    private GgufValueType valueType(long id, long at, String field) throws ModelFormatException {
        GgufValueType t = GgufValueType.byId(id);
        if (t == null) throw error(at, field, "unknown metadata value type " + id);
        return t;
    }

    /** Rejects counts that cannot fit in the rest of the file (each item taking at least minBytes). */
    private void checkCount(long at, String field, long count, int minBytes) throws ModelFormatException {
        long remaining = fileSize - pos();
        if (count < 0 || count > Integer.MAX_VALUE - 8 || count > remaining / Math.max(1, minBytes)) {
            throw error(at, field, "count " + Long.toUnsignedString(count) + " is impossible: only " + remaining
                    + " bytes remain in the file");
        }
    }

    private String readString(String field) throws IOException {
        long at = pos();
        long len = readU64(field + ".length");
        long remaining = fileSize - pos();
        if (len < 0 || len > remaining) {
            throw error(at, field + ".length", "string length " + Long.toUnsignedString(len)
                    + " runs past the end of the file (" + remaining + " bytes remain)");
        }
        if (len > MAX_STRING_BYTES) {
            throw error(at, field + ".length", "string length " + len + " exceeds the limit of " + MAX_STRING_BYTES);
        }
        byte[] b = new byte[(int) len];
        readBytes(b, field);
        return new String(b, StandardCharsets.UTF_8);
    }

    // ---- primitive reads over a refilled window; every read fails cleanly at end of file

    private long pos() {
        return bufStart + buf.position();
    }

    private void need(int n, String field) throws IOException {
        if (buf.remaining() >= n) return;
        long p = pos();
        if (p + n > fileSize) {
            throw error(p, field, "file is truncated: needs " + n + " more bytes, file ends at " + fileSize,
                    new EOFException());
        }
        buf.compact(); // keep the unread bytes at the front, refill after them
        bufStart = p;
        while (buf.position() < n) {
            if (channel.read(buf, p + buf.position()) < 0) {
                throw error(p, field, "unexpected end of file", new EOFException());
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

    private ModelFormatException error(long at, String field, String problem, Throwable cause) {
        return new ModelFormatException(path, at, field, problem, cause);
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
