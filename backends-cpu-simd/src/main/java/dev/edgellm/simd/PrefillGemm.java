package dev.edgellm.simd;

import dev.edgellm.gguf.TensorData;
import dev.edgellm.spi.ScalarKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.bytedeco.javacpp.FloatPointer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.logging.Logger;

/**
 * Prefill matrix-matrix product on dequantized weight tiles: weights are dequantized tile by tile (a few MiB of
 * rows at a time, never the whole matrix) into a native buffer, and {@code out[n × rows] = x[n × in] · W_tileᵀ}
 * runs per tile in a native GEMM: OpenBLAS's fp32 sgemm ({@link OpenBlasGemm}) or oneDNN's bf16 matmul
 * ({@link OneDnnGemm}, where the CPU multiplies bf16 natively: twice sgemm's rate on Zen 4). Dequantizing costs
 * ~one pass over the weights per call, which only pays off for large batches ({@link SimdBackend} uses this
 * from {@link #minBatch} tokens on). The native library runs its own threads, as many as the backend's. The
 * weight tiles are written straight into the native buffer by the row source and the products read back by
 * the backend's workers; before each product the workers are told to park at once rather than spin, which
 * would take a core from the library's threads. Buffers grow to the largest call and are reused, so
 * steady-state prefill allocates nothing on the Java heap.
 */
abstract class PrefillGemm implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PrefillGemm.class.getName());
    /**
     * Smallest batch sent to the native GEMM, by kind: below it the per-call dequantization outweighs the GEMM's
     * speed, and the repacked integer kernels (or the Vector API matMul) run. OpenBLAS's fp32 sgemm from 64 tokens;
     * oneDNN's bf16 matmul (twice sgemm's rate) from 24: llama-1b Q4_0 / Q4_K_M pp24 at 1 thread 41.6 / 31.2 tok/s
     * against 30.5 / 25.5 with the integer kernels, at 2 threads 80.9 / 56.7 against 59.2 / 47.7; at pp16 the
     * two are even (BENCHMARKS.md, fourteenth session; at 64 a 63-token prompt ran at less than half a 64-token
     * one's rate). The memory planner counts oneDNN from the same batch ({@code MemoryPlanner.SIMD_ONEDNN_MIN_BATCH}).
     * {@code -Dedgellm.simd.gemmMinBatch=N} sets both (A/B runs).
     */
    static final int MIN_BATCH_SGEMM = Integer.getInteger("edgellm.simd.gemmMinBatch", 64),
            MIN_BATCH_BF16 = Integer.getInteger("edgellm.simd.gemmMinBatch", 24);
    /** The smaller of the two: below it the backend never opens a GEMM. */
    static final int MIN_BATCH = Math.min(MIN_BATCH_SGEMM, MIN_BATCH_BF16);
    /** Bytes of dequantized weights per tile ({@code -Dedgellm.simd.blasTileBytes} for A/B measurements). */
    static final long TILE_BYTES = Long.getLong("edgellm.simd.blasTileBytes", 8L << 20);
    /**
     * Rows per column-major tile are a multiple of this, and so is every tile's first row: a source whose layout
     * interleaves rows ({@link Interleaved8}: groups of 8, spans of up to 64 rows, {@link Q5_0x8}'s of 48) fills whole
     * groups and spans, several rows' values of a column per store.
     */
    static final int COLUMN_TILE_ROWS = 192;

    /** The GEMM {@code -Dedgellm.simd.gemm} asks for: auto (oneDNN bf16 where native, else OpenBLAS), onednn, openblas. */
    static final String CHOICE = System.getProperty("edgellm.simd.gemm", "auto");

    final WorkerPool pool; // null: copies on the calling thread (tests)
    private final long tileBytes;
    /** The native operands: input (n × in), weight tile, products (f32, n × t); grown to the largest call. */
    final NativeBuffer input = new NativeBuffer(), tile = new NativeBuffer(), products = new NativeBuffer();
    private float[] rowScratch = new float[0]; // for the scalar-reference row source of matMul(TensorData, ...)

    // the copy-out in flight, read by the workers (published by WorkerPool's volatile generation)
    private float[] copyOut;
    private int copyN, copyT, copyRows, copyR0;
    private final WorkerPool.Task copyOutTask = (worker, workers) ->
            copyOut(copyN * worker / workers, copyN * (worker + 1) / workers);

    PrefillGemm(WorkerPool pool, long tileBytes) {
        this.pool = pool;
        this.tileBytes = tileBytes;
    }

    /**
     * The prefill GEMM for {@code pool}'s thread count as {@link #CHOICE} asks: oneDNN's bf16 matmul where the
     * CPU has native bf16 products, else OpenBLAS's sgemm; or null (the reasons logged) where no natives load.
     */
    static PrefillGemm open(WorkerPool pool) {
        return open(pool, CHOICE);
    }

    /** As {@link #open(WorkerPool)} with {@code choice} (auto, onednn or openblas) in place of the property. */
    static PrefillGemm open(WorkerPool pool, String choice) {
        if (!choice.matches("auto|onednn|openblas")) {
            throw new IllegalArgumentException("-Dedgellm.simd.gemm must be auto, onednn or openblas, not '" + choice + "'");
        }
        PrefillGemm g = null;
        // oneDNN's natives are bundled for x86-64 Linux only; elsewhere auto goes straight to OpenBLAS
        boolean x86 = System.getProperty("os.arch").matches("amd64|x86_64");
        if (choice.equals("onednn") || choice.equals("auto") && x86) {
            g = OneDnnGemm.open(pool.size(), pool, TILE_BYTES, choice.equals("auto"));
        }
        if (g == null && !choice.equals("onednn")) g = OpenBlasGemm.open(pool.size(), pool, TILE_BYTES);
        if (g == null) LOG.info("simd: no native GEMM (" + choice + "); prefill uses the Vector API matMul");
        else LOG.info("simd: prefill GEMM " + g.description()); // once per backend, on its first batch of MIN_BATCH+ tokens
        return g;
    }

    /** The smallest batch this GEMM takes: {@link #MIN_BATCH_BF16} for bf16 tiles (oneDNN), else {@link #MIN_BATCH_SGEMM}. */
    final int minBatch() {
        return tileElementBytes() == 2 ? MIN_BATCH_BF16 : MIN_BATCH_SGEMM;
    }

    /** What runs the products, for logs and the backend's description. */
    abstract String description();

    /** Bytes per weight element of a tile: 4 (f32) or 2 (bf16). */
    abstract int tileElementBytes();

    /** Stores {@code x[0 .. n·in)} into {@link #input} (grown here) as the GEMM's left operand. */
    abstract void input(float[] x, int n, int in);

    /**
     * products[n × t] = input[n × in] · tileᵀ, with the tile row-major ({@code t × in}) or, if {@code columns},
     * column-major (row r, column c at element {@code c·t + r}).
     */
    abstract void multiply(int n, int t, int in, boolean columns);

    /** Frees what the GEMM holds besides the three buffers. */
    abstract void closeNative();

    /**
     * A native buffer that grows to the largest request (a larger one is a new allocation; contents are not
     * kept), as a JavaCPP pointer for the library and a segment for our code (restricted: the wrapper and tests
     * enable native access). Floats, so that OpenBLAS takes the pointer as it is.
     */
    static final class NativeBuffer {
        private FloatPointer pointer = new FloatPointer(0L);
        private MemorySegment segment = MemorySegment.NULL;

        /** This buffer, at least {@code bytes} long. */
        NativeBuffer ensure(long bytes) {
            if (4 * pointer.capacity() < bytes) {
                pointer.close();
                pointer = new FloatPointer((bytes + 3) / 4);
                segment = MemorySegment.ofAddress(pointer.address()).reinterpret(4 * pointer.capacity());
            }
            return this;
        }

        FloatPointer pointer() { return pointer; }

        MemorySegment segment() { return segment; }

        void close() { pointer.close(); }
    }

    /**
     * Writes rows {@code r0 .. r0+count} of the weights, dequantized, into {@code dst} in the GEMM's element type
     * ({@link #copyRow}, {@link #copyColumn}): row-major (row r of the tile at element {@code r·in}) or, for a
     * column source, column-major (row r, column c at element {@code c·count + r}); may split the rows across the
     * worker pool.
     */
    interface RowSource {
        void rows(int r0, int count, MemorySegment dst);
    }

    /** {@code out[b * rows + r] = dot(row r of w, x[b * in ..])} for {@code b < n}, rows read by the scalar reference. */
    void matMul(TensorData w, float[] x, float[] out, int n) {
        int in = (int) w.info().rowLength();
        matMul(w, (r0, count, dst) -> {
            if (rowScratch.length < in) rowScratch = new float[in];
            float[] row = rowScratch;
            for (int r = 0; r < count; r++) {
                ScalarKernels.getRow(w, r0 + r, row, 0);
                copyRow(row, dst, r, in);
            }
        }, x, out, n);
    }

    /** Copies {@code row[0 .. in)} to row r of a row-major tile, in the tile's element type. */
    final void copyRow(float[] row, MemorySegment tile, int r, int in) {
        if (tileElementBytes() == 4) MemorySegment.copy(row, 0, tile, ValueLayout.JAVA_FLOAT, 4L * r * in, in);
        else toBf16(row, 0, tile, 2L * r * in, in);
    }

    /** Copies {@code row[0 .. in)} to row r of a column-major tile of {@code count} rows, in the tile's element type. */
    final void copyColumn(float[] row, MemorySegment tile, int r, int count, int in) {
        if (tileElementBytes() == 4) {
            for (int c = 0; c < in; c++) tile.setAtIndex(ValueLayout.JAVA_FLOAT, (long) c * count + r, row[c]);
        } else {
            for (int c = 0; c < in; c++) tile.setAtIndex(Vec.SHORT, (long) c * count + r, bf16(row[c]));
        }
    }

    /** As {@link #matMul(TensorData, float[], float[], int)}, with the weight rows from {@code src} (row-major tiles). */
    void matMul(TensorData w, RowSource src, float[] x, float[] out, int n) {
        matMul(w, src, false, x, out, n);
    }

    /**
     * As {@link #matMul(TensorData, float[], float[], int)}, with the weight rows from {@code src}, which writes
     * column-major tiles if {@code columns}.
     */
    void matMul(TensorData w, RowSource src, boolean columns, float[] x, float[] out, int n) {
        int in = (int) w.info().rowLength(), rows = (int) w.info().rows();
        int tileRows = (int) Math.max(1, Math.min(rows, tileBytes / ((long) tileElementBytes() * in)));
        if (columns && tileRows < rows) tileRows = Math.max(COLUMN_TILE_ROWS, tileRows / COLUMN_TILE_ROWS * COLUMN_TILE_ROWS);
        MemorySegment tileSegment = tile.ensure((long) tileElementBytes() * tileRows * in).segment();
        products.ensure(4L * n * tileRows);
        input(x, n, in);
        for (int r0 = 0; r0 < rows; r0 += tileRows) {
            int t = Math.min(tileRows, rows - r0);
            src.rows(r0, t, tileSegment);
            if (pool != null) pool.rest();
            multiply(n, t, in, columns);
            copyOut = out;
            copyN = n;
            copyT = t;
            copyRows = rows;
            copyR0 = r0;
            try {
                if (pool == null) copyOut(0, n);
                else pool.run(copyOutTask);
            } finally {
                copyOut = null;
            }
        }
    }

    /** out[b·rows + r0 ..] = products of tokens b in [b0, b1) for the tile just computed. */
    private void copyOut(int b0, int b1) {
        for (int b = b0; b < b1; b++) {
            MemorySegment.copy(products.segment(), ValueLayout.JAVA_FLOAT, 4L * b * copyT, copyOut, b * copyRows + copyR0, copyT);
        }
    }

    /** Short lanes as many as {@link Vec#F}'s floats: a bf16 conversion step's output. */
    private static final jdk.incubator.vector.VectorSpecies<Short> BF16 = Vec.L == 8 ? ShortVector.SPECIES_128 : ShortVector.SPECIES_64;

    /**
     * {@code src[from .. from+count)} as bf16 (round to nearest even, NaN kept a quiet NaN) at byte {@code at} of
     * {@code dst}: {@link Vec#L} lanes at a time with int arithmetic, as the Vector API has no bf16 conversion. At
     * the kernels' float width, not a fixed 256 bits: with 128-bit vectors a 256-bit species runs the API's Java code,
     * which allocates (29 MB per 10 products in {@code PrefillGemmTest} at {@code -XX:MaxVectorSize=16}).
     */
    static void toBf16(float[] src, int from, MemorySegment dst, long at, int count) {
        int i = 0;
        for (; i + Vec.L <= count; i += Vec.L) { // written out: a vector passed to a call that C2 did not inline is boxed
            IntVector bits = FloatVector.fromArray(Vec.F, src, from + i).reinterpretAsInts();
            IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF))
                    .lanewise(VectorOperators.LSHR, 16);
            rounded = rounded.blend(bits.lanewise(VectorOperators.LSHR, 16).or(0x40),
                    bits.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000));
            ((ShortVector) rounded.convertShape(VectorOperators.I2S, BF16, 0))
                    .intoMemorySegment(dst, at + 2L * i, Vec.LE);
        }
        for (; i < count; i++) dst.set(Vec.SHORT, at + 2L * i, bf16(src[from + i]));
    }

    /** {@code f} as bf16 bits, rounded to nearest even; a NaN stays a (quiet) NaN. */
    static short bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** {@code bits} (bf16) as a float, exactly. */
    static float fromBf16(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    @Override
    public final void close() {
        closeNative();
        input.close();
        tile.close();
        products.close();
    }
}
