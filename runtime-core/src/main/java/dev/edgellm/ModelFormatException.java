package dev.edgellm;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model file that cannot be used: truncated, corrupt, or describing something EdgeLLM does not support.
 *
 * <p>Contract: this is the one exception the model readers (e.g. {@code dev.edgellm.gguf.GgufReader}) throw
 * for bad file <em>content</em>, whatever the damage — never OutOfMemoryError, an index, negative-size or
 * other runtime exception, and never a hang. It always carries
 * <ul>
 *   <li>{@link #file()}: the file (null only for a model that did not come from a file);</li>
 *   <li>{@link #offset()}: the byte offset where the problem was found, inside the file (a truncation is
 *       reported where the missing bytes should start), or -1 when the problem is not tied to one place
 *       (e.g. the path is a directory);</li>
 *   <li>{@link #field()}: the field being read, e.g. {@code header.magic}, {@code kv[3] 'general.name'.value},
 *       {@code tensor[7] 'output.weight'.type};</li>
 * </ul>
 * and a message of the form {@code FILE @OFFSET [FIELD]: problem}, so that a user can find the problem with a
 * hex dump. I/O failures that are not about the content (missing file, permission denied, device errors)
 * are reported as other {@link IOException}s.
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
