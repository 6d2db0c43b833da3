package dev.edgellm.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.edgellm.ModelFormatException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files and tensors above 2 GB, made as sparse files (RandomAccessFile.setLength: no data is written, so
 * they take no disk space where the file system supports holes). Skipped, with a message, when there is
 * not enough free space to hold the file in case the file system does not support holes.
 */
class GgufLargeFileTest {
    @TempDir
    Path dir;

    static final long ROW = 1L << 20; // floats per row: 4 MiB rows
    static final long ROWS = 525; // 2,202,009,600 bytes

    @Test
    void tensorAbove2GBIsMappedInChunksOfWholeRows() throws Exception {
        long bigBytes = ROW * ROWS * 4;
        long afterOffset = GgufTestWriter.align(bigBytes, 32);
        GgufTestWriter w = new GgufTestWriter()
                .kv("general.architecture", GgufValueType.STRING, "llama")
                .rawTensor("big", new long[] {ROW, ROWS}, GgmlType.F32.id, 0)
                .rawTensor("after", new long[] {4}, GgmlType.F32.id, afterOffset);
        byte[] header = w.toBytes();
        long data = w.dataOffset();
        long length = data + afterOffset + 16;
        Path file = sparseFile(header, length);
        try {
            long[] rows = {0, 1, 2, 510, 511, 512, 523, 524};
            long[] cols = {0, 1, ROW - 1};
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                for (long r : rows) {
                    for (long c : cols) writeFloat(f, data + (r * ROW + c) * 4, value(r, c));
                }
                for (int i = 0; i < 4; i++) writeFloat(f, data + afterOffset + 4L * i, 100 + i);
            }

            GgufFile g = GgufReader.read(file);
            assertEquals(length, g.fileSize());
            assertEquals(data, g.dataOffset());
            TensorInfo big = g.tensor("big");
            assertEquals(bigBytes, big.byteSize());
            assertTrue(big.byteSize() > Integer.MAX_VALUE);
            TensorData d = g.map(big);
            assertTrue(d.chunkCount() >= 2, "chunks: " + d.chunkCount());
            assertEquals(ROW * 4, d.rowBytes());

            // chunks hold whole rows and together cover the tensor exactly
            long rowsPerChunk = d.buffer(0).capacity() / d.rowBytes();
            assertEquals(0, d.buffer(0).capacity() % d.rowBytes());
            long total = 0;
            for (long r = 0; r < ROWS; r += rowsPerChunk) {
                ByteBuffer b = d.buffer(r);
                assertEquals(0, d.rowOffset(r), "row " + r + " starts a chunk");
                assertEquals(0, b.capacity() % d.rowBytes());
                assertTrue(b.isDirect() && b.isReadOnly());
                assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
                total += b.capacity();
            }
            assertEquals(bigBytes, total);
            assertSame(d.buffer(0), d.buffer(rowsPerChunk - 1));
            assertNotSame(d.buffer(rowsPerChunk - 1), d.buffer(rowsPerChunk));
            assertEquals((rowsPerChunk - 1) * d.rowBytes(), d.rowOffset(rowsPerChunk - 1));
            assertEquals(d.rowBytes(), d.rowOffset(rowsPerChunk + 1));

            for (long r : rows) {
                ByteBuffer b = d.buffer(r);
                for (long c : cols) {
                    assertEquals(value(r, c), b.getFloat(d.rowOffset(r) + (int) c * 4), "row " + r + " col " + c);
                }
                assertEquals(0f, b.getFloat(d.rowOffset(r) + 8), "a hole reads as zero");
            }

            // a tensor placed beyond 2 GB in the file
            TensorInfo after = g.tensor("after");
            assertTrue(data + after.offset() > Integer.MAX_VALUE);
            TensorData a = g.map(after);
            for (int i = 0; i < 4; i++) assertEquals(100 + i, a.buffer(0).getFloat(a.rowOffset(0) + 4 * i));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void rowAbove2GBCannotBeMapped() throws Exception {
        long row = (GgufFile.MAX_CHUNK_BYTES / 4) + 1024; // one F32 row just over the chunk limit
        GgufTestWriter w = new GgufTestWriter().rawTensor("wide", new long[] {row}, GgmlType.F32.id, 0);
        byte[] header = w.toBytes();
        Path file = sparseFile(header, w.dataOffset() + row * 4);
        try {
            GgufFile g = GgufReader.read(file);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> g.map(g.tensor("wide")));
            assertEquals("tensor[0] 'wide'.ne[0]", e.field());
            assertEquals(w.dataOffset(), e.offset());
            assertTrue(e.getMessage().contains("larger than 2 GB"), e.getMessage());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static float value(long row, long col) {
        return row * 1000f + (col % 997) + 0.25f;
    }

    static void writeFloat(RandomAccessFile f, long at, float v) throws Exception {
        f.seek(at);
        f.writeInt(Integer.reverseBytes(Float.floatToRawIntBits(v)));
    }

    /**
     * Creates a file of {@code length} bytes starting with {@code header}; skips the test when the disk could
     * not hold it should the file system not support sparse files.
     */
    private Path sparseFile(byte[] header, long length) throws Exception {
        long free = Files.getFileStore(dir).getUsableSpace();
        if (free < length + (1L << 30)) {
            String msg = "SKIPPED: " + length + " byte sparse file needs " + (length >> 20) + " MiB free in " + dir
                    + " in case the file system does not support holes; only " + (free >> 20) + " MiB free";
            System.out.println(msg);
            Assumptions.abort(msg);
        }
        Path file = dir.resolve("large.gguf");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(header);
            f.setLength(length);
        }
        long used = free - Files.getFileStore(dir).getUsableSpace();
        if (used > length / 2) {
            System.out.println("note: the file system of " + dir + " does not seem to support sparse files ("
                    + (used >> 20) + " MiB used); the file is deleted after the test");
        }
        return file;
    }
}
