package dev.edgellm;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model file that cannot be used: unreadable, truncated, corrupt, or describing something EdgeLLM does
 * not support. This is the one exception the GGUF reader throws for bad input; it always names the file,
 * the byte offset where the problem was found (or -1 when it is not tied to one place) and the field
 * being read, so that a user can find the problem with a hex dump.
 */
public class ModelFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final Path file;
    private final long offset;
    private final String field;

    public ModelFormatException(Path file, long offset, String field, String problem) {
        this(file, offset, field, problem, null);
    }

    public ModelFormatException(Path file, long offset, String field, String problem, Throwable cause) {
        super(format(file, offset, field, problem), cause);
        this.file = file;
        this.offset = offset;
        this.field = field;
    }

    private static String format(Path file, long offset, String field, String problem) {
        StringBuilder sb = new StringBuilder();
        sb.append(file == null ? "<unknown file>" : file.toString());
        if (offset >= 0) sb.append(" @").append(offset);
        if (field != null) sb.append(" [").append(field).append(']');
        return sb.append(": ").append(problem).toString();
    }

    /** The model file, or null when the model did not come from a file. */
    public Path file() { return file; }

    /** Byte offset in the file where the problem was detected, or -1. */
    public long offset() { return offset; }

    /** The field being read, e.g. {@code header.magic}, {@code kv[3].value} or {@code tensor[7].type}. */
    public String field() { return field; }
}
