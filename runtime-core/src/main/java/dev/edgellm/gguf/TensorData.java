package dev.edgellm.gguf;

import java.nio.ByteBuffer;

/**
 * The mapped bytes of one tensor: one or more little-endian buffers, each holding whole rows, so a row
 * never straddles two buffers. Use {@link #buffer(long)} and {@link #rowOffset(long)} to address row
 * {@code r}. Read-only; the buffers must be used with absolute gets only (shared between threads).
 */
public final class TensorData {
    private final TensorInfo info;
    private final ByteBuffer[] chunks;
    private final int rowsPerChunk;
    private final int rowBytes;
    private final boolean fileMapped;

    public TensorData(TensorInfo info, ByteBuffer[] chunks, int rowsPerChunk) {
        this(info, chunks, rowsPerChunk, false);
    }

    /** @param fileMapped the chunks are read-only mappings of a file, each mapped on its own (see {@link #fileMapped()}) */
    public TensorData(TensorInfo info, ByteBuffer[] chunks, int rowsPerChunk, boolean fileMapped) {
        this.info = info;
        this.chunks = chunks;
        this.rowsPerChunk = rowsPerChunk;
        this.rowBytes = (int) info.rowBytes();
        this.fileMapped = fileMapped;
    }

    /** Wraps a heap or direct buffer holding a whole tensor (tests, generated weights). */
    public static TensorData of(TensorInfo info, ByteBuffer data) {
        return new TensorData(info, new ByteBuffer[] {data.order(java.nio.ByteOrder.LITTLE_ENDIAN)},
                (int) Math.max(1, info.rows()));
    }

    public TensorInfo info() { return info; }

    public int rowBytes() { return rowBytes; }

    /** The buffer holding row {@code row}. */
    public ByteBuffer buffer(long row) {
        return chunks[(int) (row / rowsPerChunk)];
    }

    /** Byte offset of row {@code row} within {@link #buffer(long)}. */
    public int rowOffset(long row) {
        return (int) (row % rowsPerChunk) * rowBytes;
    }

    /**
     * True when every chunk is its own read-only file mapping: a backend that keeps the data in another layout
     * may then tell the OS to drop the mapped pages (they reload from the file if read again). Heap and
     * direct buffers are false.
     */
    public boolean fileMapped() { return fileMapped; }

    /** Number of mapped chunks (1 unless the tensor is larger than 2 GB). */
    public int chunkCount() { return chunks.length; }
}
