package dev.edgellm.gguf;

import dev.edgellm.ModelFormatException;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed GGUF header: metadata, tensor table and where the data section starts. Holds no file handle;
 * {@link #map} maps a tensor's bytes read-only on demand (per tensor, in chunks of whole rows below 2 GB,
 * so files and tensors larger than 2 GB work on Java 17 / Android). Immutable and thread-safe.
 */
public final class GgufFile {
    /** Largest single mapping; a ByteBuffer is int-indexed. */
    static final long MAX_CHUNK_BYTES = Integer.MAX_VALUE - 4096;

    private final Path path;
    private final int version;
    private final Map<String, MetadataValue> metadata;
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> tensorsByName;
    private final int alignment;
    private final long dataOffset;
    private final long fileSize;

    GgufFile(Path path, int version, Map<String, MetadataValue> metadata, List<TensorInfo> tensors,
             int alignment, long dataOffset, long fileSize) {
        this.path = path;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : tensors) byName.put(t.name(), t);
        this.tensorsByName = Collections.unmodifiableMap(byName);
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.fileSize = fileSize;
    }

    /** Reads the header of a GGUF file; see {@link GgufReader}. */
    public static GgufFile open(Path path) throws IOException {
        return GgufReader.read(path);
    }

    public Path path() { return path; }

    public int version() { return version; }

    public Map<String, MetadataValue> metadata() { return metadata; }

    public List<TensorInfo> tensors() { return tensors; }

    public int alignment() { return alignment; }

    /** Absolute file offset of the data section. */
    public long dataOffset() { return dataOffset; }

    public long fileSize() { return fileSize; }

    public TensorInfo tensor(String name) { return tensorsByName.get(name); }

    public MetadataValue get(String key) { return metadata.get(key); }

    public boolean has(String key) { return metadata.containsKey(key); }

    public String getString(String key, String def) {
        MetadataValue v = metadata.get(key);
        return v == null ? def : require(key, v, v.type() == GgufValueType.STRING, "a string").asString();
    }

    public long getLong(String key, long def) {
        MetadataValue v = metadata.get(key);
        return v == null ? def : require(key, v, v.isNumber() || v.type() == GgufValueType.BOOL, "a number").asLong();
    }

    public int getInt(String key, int def) {
        long v = getLong(key, def);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(path + ": metadata '" + key + "' = " + v + " is out of int range");
        }
        return (int) v;
    }

    public float getFloat(String key, float def) {
        MetadataValue v = metadata.get(key);
        return v == null ? def : (float) require(key, v, v.isNumber(), "a number").asDouble();
    }

    public boolean getBoolean(String key, boolean def) {
        MetadataValue v = metadata.get(key);
        return v == null ? def : require(key, v, !v.isArray() && v.type() != GgufValueType.STRING, "a boolean").asBoolean();
    }

    private MetadataValue require(String key, MetadataValue v, boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException(path + ": metadata '" + key + "' should be " + what + " but is "
                    + v.describe());
        }
        return v;
    }

    /**
     * Maps a tensor's data read-only (little-endian). Nothing is copied onto the heap; pages load on first
     * touch. Tensors above 2 GB are split into chunks of whole rows (see {@link TensorData}).
     *
     * @param t one of {@link #tensors()} of this file
     * @throws ModelFormatException if the file has shrunk since it was read, or one row is larger than 2 GB
     * @throws IllegalArgumentException if {@code t} is not one of this file's tensors
     */
    public TensorData map(TensorInfo t) throws IOException {
        // Only this file's infos were checked against its size; a foreign one could map anything.
        if (tensorsByName.get(t.name()) != t) {
            throw new IllegalArgumentException("tensor " + t + " does not belong to " + path);
        }
        String field = "tensor[" + tensors.indexOf(t) + "] " + GgufReader.shown(t.name());
        long start = dataOffset + t.offset();
        long rowBytes = t.rowBytes();
        long rows = t.rows();
        if (rowBytes > MAX_CHUNK_BYTES) {
            throw new ModelFormatException(path, start, field + ".ne[0]",
                    "a single row of " + rowBytes + " bytes is larger than 2 GB and cannot be mapped");
        }
        long rowsPerChunk = Math.max(1, Math.min(rows, MAX_CHUNK_BYTES / rowBytes));
        int chunks = (int) ((rows + rowsPerChunk - 1) / rowsPerChunk);
        MappedByteBuffer[] bufs = new MappedByteBuffer[chunks];
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size - start < t.byteSize()) {
                throw new ModelFormatException(path, Math.min(start, size), field + ".data",
                        "the file shrank to " + size + " bytes since it was read: tensor data runs past its end");
            }
            for (int c = 0; c < chunks; c++) {
                long firstRow = c * rowsPerChunk;
                long n = Math.min(rowsPerChunk, rows - firstRow);
                MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, start + firstRow * rowBytes, n * rowBytes);
                b.order(ByteOrder.LITTLE_ENDIAN);
                bufs[c] = b;
            }
        }
        return new TensorData(t, bufs, (int) rowsPerChunk, true);
    }
}
