package dev.edgellm.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.edgellm.ModelFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Shared helpers for the bad-input tests: a parse with a hang guard, the error contract, a field walker. */
final class GgufChecks {
    private GgufChecks() {}

    static final long TIMEOUT_SECONDS = 20;

    private static ExecutorService executor = newExecutor();

    private static ExecutorService newExecutor() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gguf-parse-guard");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Parses {@code file} on a guard thread: returns the GgufFile, or the ModelFormatException; anything else
     * (another exception, an Error such as OutOfMemoryError or StackOverflowError, or no answer within
     * {@value #TIMEOUT_SECONDS} s) fails the test with {@code context}. When {@code mapAll} is set, a
     * successful parse also maps every tensor and touches its first and last row.
     */
    static Object parse(Path file, boolean mapAll, String context) {
        Future<GgufFile> f = executor.submit(() -> {
            GgufFile g = GgufReader.read(file);
            if (mapAll) {
                for (TensorInfo t : g.tensors()) {
                    TensorData d = g.map(t);
                    d.buffer(0).get(d.rowOffset(0));
                    long last = t.rows() - 1;
                    d.buffer(last).get(d.rowOffset(last) + d.rowBytes() - 1);
                }
            }
            return g;
        });
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ModelFormatException) return e.getCause();
            throw new AssertionError(context + ": expected ModelFormatException or success, got " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            f.cancel(true);
            executor = newExecutor(); // the stuck thread is abandoned (daemon)
            throw new AssertionError(context + ": no result after " + TIMEOUT_SECONDS + " s (hang?)");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Parses and expects a ModelFormatException that keeps the contract; returns it. */
    static ModelFormatException expectError(Path file, long fileLength, String context) {
        Object r = parse(file, false, context);
        if (r instanceof GgufFile) throw new AssertionError(context + ": expected ModelFormatException, but the file parsed");
        ModelFormatException e = (ModelFormatException) r;
        checkContract(e, file, fileLength, context);
        return e;
    }

    /** The documented contract: file, offset inside the file (or -1 for whole-file problems), field, message. */
    static void checkContract(ModelFormatException e, Path file, long fileLength, String context) {
        String ctx = context + ": " + e.getMessage();
        assertEquals(file, e.file(), ctx);
        assertNotNull(e.field(), ctx);
        assertFalse(e.field().isEmpty(), ctx);
        assertTrue(e.field().length() < 300, "field names stay short: " + ctx);
        assertNotNull(e.getMessage(), ctx);
        assertTrue(e.getMessage().startsWith(file.toString()), ctx);
        assertTrue(e.getMessage().contains("[" + e.field() + "]"), ctx);
        if (e.offset() == -1) {
            assertEquals("file", e.field(), "only whole-file problems have no offset: " + ctx);
        } else {
            assertTrue(e.offset() >= 0 && e.offset() <= fileLength, "offset in [0, " + fileLength + "]: " + ctx);
            assertTrue(e.getMessage().contains(" @" + e.offset() + " "), ctx);
        }
    }

    /**
     * An independent walk over a well-formed GGUF header that records where every field starts (header
     * fields, keys, types, values, array headers and elements, tensor info fields); elements of arrays with
     * more than {@code maxElements} entries are sampled (the first and last 20 and every 2000th).
     */
    static TreeSet<Long> fieldStarts(byte[] file, int maxElements) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        TreeSet<Long> s = new TreeSet<>();
        for (long o : new long[] {0, 4, 8, 16}) s.add(o);
        long tensors = b.getLong(8);
        long kvs = b.getLong(16);
        b.position(24);
        for (long i = 0; i < kvs; i++) {
            s.add((long) b.position());
            skipString(b);
            s.add((long) b.position());
            int type = b.getInt();
            walkValue(b, type, s, maxElements);
        }
        for (long i = 0; i < tensors; i++) {
            s.add((long) b.position());
            skipString(b);
            s.add((long) b.position());
            int dims = b.getInt();
            for (int d = 0; d < dims; d++) {
                s.add((long) b.position());
                b.getLong();
            }
            s.add((long) b.position());
            b.getInt();
            s.add((long) b.position());
            b.getLong();
        }
        s.add((long) b.position()); // end of header
        return s;
    }

    private static void walkValue(ByteBuffer b, int type, TreeSet<Long> s, int maxElements) {
        s.add((long) b.position());
        if (type == GgufValueType.STRING.ordinal()) {
            skipString(b);
        } else if (type == GgufValueType.ARRAY.ordinal()) {
            int et = b.getInt();
            s.add((long) b.position());
            long n = b.getLong();
            for (long i = 0; i < n; i++) {
                boolean record = n <= maxElements || i < 20 || i >= n - 20 || i % 2000 == 0;
                if (record) walkValue(b, et, s, maxElements);
                else skipValue(b, et);
            }
        } else {
            b.position(b.position() + GgufValueType.values()[type].minBytes);
        }
    }

    private static void skipValue(ByteBuffer b, int type) {
        if (type == GgufValueType.STRING.ordinal()) skipString(b);
        else if (type == GgufValueType.ARRAY.ordinal()) {
            int et = b.getInt();
            long n = b.getLong();
            for (long i = 0; i < n; i++) skipValue(b, et);
        } else b.position(b.position() + GgufValueType.values()[type].minBytes);
    }

    private static void skipString(ByteBuffer b) {
        long n = b.getLong();
        b.position(b.position() + (int) n);
    }
}
