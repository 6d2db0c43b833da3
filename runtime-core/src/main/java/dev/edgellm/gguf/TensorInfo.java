package dev.edgellm.gguf;

import java.util.Arrays;

/**
 * One entry of the GGUF tensor table. {@code shape} is in ggml order: {@code shape[0]} is the row length
 * (contiguous), so a weight of {@code [n_in, n_out]} has {@code n_out} rows of {@code n_in} elements.
 * {@code offset} is relative to the file's data section.
 */
public final class TensorInfo {
    private final String name;
    private final long[] shape;
    private final GgmlType type;
    private final long offset;

    public TensorInfo(String name, long[] shape, GgmlType type, long offset) {
        this.name = name;
        this.shape = shape.clone();
        this.type = type;
        this.offset = offset;
    }

    public String name() { return name; }

    public GgmlType type() { return type; }

    /** Offset of the tensor's data relative to the start of the data section. */
    public long offset() { return offset; }

    public int dims() { return shape.length; }

    public long dim(int i) { return i < shape.length ? shape[i] : 1; }

    public long[] shape() { return shape.clone(); }

    public long elements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Row length (ne[0]). */
    public long rowLength() { return shape.length == 0 ? 1 : shape[0]; }

    /** Number of rows (product of ne[1..]). */
    public long rows() { return elements() / rowLength(); }

    public long byteSize() { return type.byteSize(elements()); }

    /** Bytes per row. */
    public long rowBytes() { return type.byteSize(rowLength()); }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offset;
    }
}
