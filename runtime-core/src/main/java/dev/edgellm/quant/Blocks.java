package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Argument checks and little-endian field reads shared by the reference formats. */
final class Blocks {
    private Blocks() {}

    /**
     * Checks a (buffer, element count) pair and returns the number of blocks. Multi-byte fields are read
     * with the buffer's byte order, so a big-endian view (e.g. a {@code duplicate()} whose order was not
     * reset) is rejected rather than silently misread.
     */
    static int count(GgmlType type, ByteBuffer buf, int n) {
        if (n < 0 || n % type.blockSize != 0) {
            throw new IllegalArgumentException(type + ": element count " + n
                    + " is not a non-negative multiple of the block size " + type.blockSize);
        }
        if (buf.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException(type + ": buffer must be little-endian");
        }
        return n / type.blockSize;
    }

    /** An fp16 field at absolute position {@code pos}. */
    static float f16(ByteBuffer b, int pos) {
        return Float16.halfToFloat(b.getShort(pos));
    }

    /** An unsigned byte at absolute position {@code pos}. */
    static int u8(ByteBuffer b, int pos) {
        return b.get(pos) & 0xFF;
    }

    /**
     * The 6-bit scale and min of sub-block {@code j} (0..7) of a Q4_K/Q5_K block whose 12 scale bytes start
     * at {@code pos} (ggml's get_scale_min_k4): sub-blocks 0..3 keep theirs in the low 6 bits of bytes j
     * (scale) and j+4 (min); sub-blocks 4..7 split theirs into a low nibble in byte j+4 and two high bits in
     * the top of bytes j-4 (scale) and j (min). Returns {@code scale | min << 8}.
     */
    static int scaleMinK4(ByteBuffer b, int pos, int j) {
        if (j < 4) {
            return (u8(b, pos + j) & 63) | (u8(b, pos + j + 4) & 63) << 8;
        }
        int lowBits = u8(b, pos + j + 4);
        int sc = (lowBits & 0xF) | (u8(b, pos + j - 4) >>> 6) << 4;
        int m = (lowBits >>> 4) | (u8(b, pos + j) >>> 6) << 4;
        return sc | m << 8;
    }
}
