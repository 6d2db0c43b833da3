package dev.edgellm.simd;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.kv.KvCache;
import dev.edgellm.quant.QuantFormat;
import dev.edgellm.quant.Quants;
import dev.edgellm.spi.Backend;
import dev.edgellm.spi.ScalarKernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

import static dev.edgellm.simd.Vec.F;
import static dev.edgellm.simd.Vec.L;

/**
 * Vector API backend: fused dequantize-dot matVec per row, rows split across a persistent {@link WorkerPool}.
 * Repacked tensors ({@link Interleaved8}) run their integer kernels for every batch below the native GEMM's, a group of
 * rows at a time for all the batch's tokens. Otherwise prefill ({@link #matMul}) dequantizes each weight row
 * once into per-worker scratch and dots it against every token of the batch, four tokens per pass, so weights
 * are read once per batch and the inner loop is pure float FMA; from {@link PrefillGemm#minBatch} tokens on (24 with oneDNN, 64 with OpenBLAS),
 * a native GEMM on dequantized tiles (oneDNN bf16 or OpenBLAS sgemm). Types without a kernel run the scalar reference per row (one log line per type).
 *
 * <p>Weights are read through {@code MemorySegment.ofBuffer} views of the tensors' mapped buffers, made once
 * per tensor and cached, so the hot loops allocate nothing.
 */
final class SimdBackend implements Backend, WorkerPool.Task {
    private static final Logger LOG = Logger.getLogger(SimdBackend.class.getName());
    /** Below this batch size the fused per-token kernel is used; from 4 tokens on the dot4 tile needs a full group. */
    private static final int MATMUL_MIN_BATCH = 4;
    /**
     * Below this many multiply-adds one thread does the whole op: waking the workers costs microseconds, more
     * than a small matVec takes (the bundled 64-wide model ran ~70x slower when every op was dispatched).
     */
    static final long PARALLEL_MIN_WORK = 1L << 18;
    /**
     * Rows shorter than this run the scalar reference: in tiny models (the bundled 64-wide one) the Vector API
     * code is called too few times to be compiled by C2 before the run ends, and uncompiled it is far slower
     * than plain loops (measured: 110-195 tok/s vs 930 tok/s scalar on stories260K).
     */
    static final int SIMD_MIN_ROW = 512;

    /** A tensor ready for the kernels: segments per mapped chunk and its kernel (null: scalar reference). */
    private static final class Prepared {
        final TensorData data;
        final MemorySegment[] segments;
        final Kernels.RowDot kernel;
        final QuantFormat reference;
        final long rowsPerChunk;
        final boolean permuted; // kernel wants activations in BlockKernels.permute32 order
        final boolean sums; // Q4_0: kernel wants per-block activation sums (BlockKernels.q4_0Sums)
        /** Rows 0 .. 8·groups in the {@link #format} layout (decode and dequantization read only these), or null. */
        MemorySegment packed;
        Interleaved8 format;
        int groups;

        Prepared(TensorData data, Kernels.RowDot kernel) {
            this.data = data;
            int chunks = data.chunkCount();
            this.segments = new MemorySegment[chunks];
            this.rowsPerChunk = chunks == 1 ? Math.max(1, data.info().rows()) : rowsInFirstChunk(data);
            for (int c = 0; c < chunks; c++) {
                ByteBuffer b = data.buffer(c * rowsPerChunk).duplicate().clear(); // absolute offsets from 0
                segments[c] = MemorySegment.ofBuffer(b);
            }
            this.permuted = Vec.L == 8 && data.info().type() == GgmlType.Q8_0;
            this.kernel = permuted ? BlockKernels::q8_0Permuted : kernel;
            this.sums = Vec.L == 8 && data.info().type() == GgmlType.Q4_0;
            this.reference = Quants.of(data.info().type());
        }

        private static long rowsInFirstChunk(TensorData d) {
            long r = 1;
            ByteBuffer first = d.buffer(0);
            while (r < d.info().rows() && d.buffer(r) == first) r++;
            return r;
        }
    }

    /**
     * Q4_0, Q5_0, Q8_0, Q4_K, Q5_K and Q6_K tensors are repacked ({@link Interleaved8}) on first use (off-heap, the mapped pages
     * released after); {@code -Dedgellm.simd.repack=false} keeps the row-major kernels (for A/B measurements).
     */
    static final boolean REPACK = Boolean.parseBoolean(System.getProperty("edgellm.simd.repack", "true"));

    /**
     * Whether a matrix of this type and row count is repacked ({@link Interleaved8}: at every vector width, 128-bit
     * NEON included, each format has kernels for it).
     */
    static boolean repacks(GgmlType type, long rows) {
        return REPACK && Interleaved8.forType(type) != null && rows >= Interleaved8.ROWS;
    }

    private final WorkerPool pool;
    private final Arena arena = Arena.ofShared();
    private final Map<TensorData, Prepared> prepared = new IdentityHashMap<>();
    /** Per token of the batch in flight: its activations quantized for the {@link Interleaved8} kernels. */
    private QuantizedInput[] quantized = {new QuantizedInput()};
    /**
     * The activations {@link #quantized} holds (batch · row length floats; length 0: none): the q, k and v (gate
     * and up) projections read the same input, so a repeat is recognized by content and not quantized again.
     */
    private float[] quantizedFrom = new float[0];
    private int quantizedBatch, quantizedRow;
    private final Set<GgmlType> fallbackLogged = EnumSet.noneOf(GgmlType.class);
    private final float[][] rowScratch;
    private final ParallelAttention attention;

    // the operation in flight, read by the workers (published by WorkerPool's volatile generation)
    private Prepared op;
    private float[] opX, opOut;
    private float[] xPermuted = new float[0];
    private float[] xSums = new float[0];
    private int opXOff, opOutOff, opBatch;
    /**
     * The next unclaimed chunk of the operation in flight. Workers claim chunks (about 8 per worker) until none are
     * left instead of taking a fixed share, so a thread slowed by another process, or running on a slower core,
     * takes fewer and the others do not wait for it at the end of every matVec.
     */
    private final AtomicInteger nextChunk = new AtomicInteger();
    private static final int CHUNKS_PER_WORKER = 8;

    private final int simdMinRow;
    private final long parallelMinWork;
    private PrefillGemm gemm;
    private boolean gemmTried;

    SimdBackend(int threads) {
        this(threads, SIMD_MIN_ROW, PARALLEL_MIN_WORK);
    }

    /** Tests pass 0, 0 so that every kernel and the thread split run even on tiny tensors. */
    SimdBackend(int threads, int simdMinRow, long parallelMinWork) {
        this.simdMinRow = simdMinRow;
        this.parallelMinWork = parallelMinWork;
        this.pool = new WorkerPool(threads);
        this.gluExp = new float[threads][FloatKernels.SWIGLU_CHUNK];
        this.rowScratch = new float[threads][];
        this.attention = new ParallelAttention(pool, parallelMinWork);
    }

    @Override
    public String name() { return SimdBackendProvider.NAME; }

    @Override
    public String description() {
        return "simd (Vector API " + F.vectorBitSize() + "-bit float FMA kernels, " + pool.size() + " threads)";
    }

    @Override
    public void matVec(TensorData w, float[] x, int xOff, float[] out, int outOff) {
        start(w, x, xOff, out, outOff, 1);
    }

    @Override
    public void matMul(TensorData w, float[] x, float[] out, int n) {
        if (n >= PrefillGemm.MIN_BATCH && w.info().rowLength() >= simdMinRow && gemm() != null && n >= gemm.minBatch()) {
            Prepared p = prepare(w);
            boolean columns = p.packed != null && p.format.columnTiles();
            gemm.matMul(w, (r0, count, dst) -> dequantizeRows(p, r0, count, dst, columns), columns, x, out, n);
            return;
        }
        if (n == 1) start(w, x, 0, out, 0, 1);
        else start(w, x, 0, out, 0, n);
    }

    private void start(TensorData w, float[] x, int xOff, float[] out, int outOff, int batch) {
        if (w.info().rowLength() < simdMinRow) {
            int in = (int) w.info().rowLength(), rows = (int) w.info().rows();
            for (int b = 0; b < batch; b++) ScalarKernels.matVec(w, x, xOff + b * in, out, outOff + b * rows);
            return;
        }
        op = prepare(w);
        if (op.packed != null) { // every batch that reaches here (OpenBLAS takes the large ones)
            int in = (int) w.info().rowLength();
            if (quantized.length < batch) {
                QuantizedInput[] grown = java.util.Arrays.copyOf(quantized, batch);
                for (int b = quantized.length; b < batch; b++) grown[b] = new QuantizedInput();
                quantized = grown;
            }
            int count = batch * in;
            if (batch != quantizedBatch || in != quantizedRow
                    || !java.util.Arrays.equals(x, xOff, xOff + count, quantizedFrom, 0, count)) {
                for (int b = 0; b < batch; b++) quantized[b].quantize(x, xOff + b * in, in);
                if (quantizedFrom.length < count) quantizedFrom = new float[count];
                System.arraycopy(x, xOff, quantizedFrom, 0, count);
                quantizedBatch = batch;
                quantizedRow = in;
            }
        }
        // the row kernels' inputs: for every row below MATMUL_MIN_BATCH, or for a repacked tensor's tail rows
        boolean tailRows = op.packed != null && w.info().rows() % Interleaved8.ROWS != 0;
        if (op.permuted && (op.packed == null ? batch < MATMUL_MIN_BATCH : tailRows)) {
            int in = (int) w.info().rowLength();
            if (xPermuted.length < batch * in) xPermuted = new float[batch * in];
            for (int b = 0; b < batch; b++) BlockKernels.permute32(x, xOff + b * in, xPermuted, b * in, in);
            x = xPermuted;
            xOff = 0;
        }
        // per-block sums for the Q4_0 row kernel, which a repacked tensor uses only for rows outside full groups
        if (op.sums && (op.packed == null ? batch < MATMUL_MIN_BATCH : tailRows)) {
            int in = (int) w.info().rowLength(), nb = in / 32;
            if (xSums.length < batch * nb) xSums = new float[batch * nb];
            for (int b = 0; b < batch; b++) BlockKernels.blockSums(x, xOff + b * in, xSums, b * nb, in);
        }
        opX = x;
        opXOff = xOff;
        opOut = out;
        opOutOff = outOff;
        opBatch = batch;
        nextChunk.set(0);
        try {
            if (w.info().elements() * batch < parallelMinWork) run(0, 1);
            else pool.run(this);
        } finally {
            op = null;
            opX = opOut = null;
        }
    }

    /** Bytes per weight element of the prefill GEMM's tiles (2: bf16), 0 if it has none (tests' tolerances). */
    int prefillGemmElementBytes() {
        return gemm() == null ? 0 : gemm.tileElementBytes();
    }

    /** The smallest batch {@link #matMul} sends to the native GEMM (opening it), or 0 where none loads. */
    int gemmMinBatch() {
        return gemm() == null ? 0 : gemm.minBatch();
    }

    /** The native GEMM, loaded on the first large batch (a decode-only session never loads its natives). */
    private PrefillGemm gemm() {
        if (!gemmTried) {
            gemmTried = true;
            gemm = PrefillGemm.open(pool);
        }
        return gemm;
    }

    private Prepared prepare(TensorData w) {
        Prepared p = prepared.get(w);
        if (p == null) {
            GgmlType type = w.info().type();
            Kernels.RowDot k = Kernels.forType(type);
            if (k == null && fallbackLogged.add(type)) {
                LOG.info("simd: no vector kernel for " + type + " (e.g. " + w.info().name()
                        + "); using the scalar reference for such tensors");
            }
            p = new Prepared(w, k);
            if (repacks(type, w.info().rows())) repack(p, Interleaved8.forType(type));
            prepared.put(w, p);
        }
        return p;
    }

    /** Builds {@code p.packed} on all threads, then releases the mapped pages it replaces. */
    private void repack(Prepared p, Interleaved8 format) {
        TensorData d = p.data;
        int groups = (int) (d.info().rows() / Interleaved8.ROWS);
        int blocks = (int) (d.info().rowLength() / format.blockElements());
        MemorySegment dst = NativePages.allocate(arena, format.packedBytes(groups, blocks));
        Interleaved8.Rows src = new Interleaved8.Rows() {
            @Override
            public MemorySegment segment(int row) { return p.segments[(int) (row / p.rowsPerChunk)]; }

            @Override
            public long offset(int row) { return d.rowOffset(row); }
        };
        boolean release = d.fileMapped();
        int span = format.span(), items = (groups + span - 1) / span; // whole spans per worker
        pool.run((worker, workers) -> {
            int from = span * (items * worker / workers), to = Math.min(groups, span * (items * (worker + 1) / workers));
            for (int g = from; g < to; g += RELEASE_GROUPS) {
                int end = Math.min(to, g + RELEASE_GROUPS);
                format.repack(src, g, end, groups, blocks, dst);
                // as it goes, not after the tensor: else the largest tensor (a 150 MB output head) is resident
                // twice at once, and the peak RSS overshoots the planner's "weights once" by that much
                if (release) releaseRows(p, (long) Interleaved8.ROWS * g, (long) Interleaved8.ROWS * end);
            }
        });
        p.packed = dst;
        p.format = format;
        p.groups = groups;
        if (release) { // the pages the chunks shared at their edges, and the tail rows past the last group
            for (MemorySegment s : p.segments) NativePages.release(s.address(), s.byteSize());
        }
    }

    /** Groups repacked between two page releases (a multiple of every span: 2, 4, 6, 8): ~0.2-1 MB of source rows at 0.5-8B shapes. */
    private static final int RELEASE_GROUPS = 48;

    /** Releases the whole pages of rows [r0, r1), which are contiguous within each mapped chunk. */
    private static void releaseRows(Prepared p, long r0, long r1) {
        int rowBytes = p.data.rowBytes();
        while (r0 < r1) {
            int c = (int) (r0 / p.rowsPerChunk);
            long end = Math.min(r1, (c + 1) * p.rowsPerChunk);
            long from = p.data.rowOffset(r0);
            NativePages.release(p.segments[c].address() + from, (end - r0) * rowBytes);
            r0 = end;
        }
    }

    /** Row r as floats, from the repacked copy where there is one (the mapped pages may have been released). */
    /**
     * The reference lookup; then, for a table this backend has repacked (a tied token_embd, which is also the output
     * matrix), the pages it faulted back into the file mapping are released again: left resident, a 512-token
     * prompt brought back ~200 MB of llama-1b's Q6_K token_embd (BENCHMARKS.md, fourteenth session). Not read from
     * the copy: a lookup per token leaves the formats' vector dequantizers too cold for C2, and run interpreted
     * they allocated ~100 KB per token.
     */
    @Override
    public void getRow(TensorData table, int row, float[] out, int outOff) {
        Backend.super.getRow(table, row, out, outOff);
        Prepared p = prepared.get(table);
        if (p == null || p.packed == null || !table.fileMapped()) return;
        int c = (int) (row / p.rowsPerChunk);
        long at = p.segments[c].address(), rows = table.info().rows();
        long first = at + table.rowOffset(c * p.rowsPerChunk); // this chunk's rows of the table, so no neighbour's page
        long last = at + table.rowOffset(Math.min(rows, (c + 1) * p.rowsPerChunk) - 1) + table.rowBytes();
        NativePages.releaseOverlapping(at + table.rowOffset(row), table.rowBytes(), first, last);
    }

    private void dequantizeRow(Prepared p, int r, float[] out, int off) {
        TensorData d = p.data;
        int in = (int) d.info().rowLength();
        if (p.packed != null && r < Interleaved8.ROWS * p.groups) {
            p.format.dequantizeRow(p.packed, r, p.groups, in / p.format.blockElements(), out, off);
        } else if (p.permuted) { // Q8_0 with 8 float lanes
            BlockKernels.q8_0Dequantize(p.segments[(int) (r / p.rowsPerChunk)], d.rowOffset(r), out, off, in);
        } else {
            p.reference.dequantize(d.buffer(r), d.rowOffset(r), out, off, in);
        }
    }

    // PrefillGemm's tile fill, split across the workers (single-threaded it held back 2-thread prefill): each worker
    // dequantizes its rows into its own scratch and copies them into the GEMM's buffer, in its element type
    private Prepared fillOp;
    private MemorySegment fillDst;
    private int fillR0, fillCount;
    private boolean fillColumns;
    private final WorkerPool.Task fillTask = (worker, workers) -> {
        Prepared p = fillOp;
        int in = (int) p.data.info().rowLength();
        float[] row = scratch(worker, in); // the dot4 path's per-worker row; never in use at the same time
        if (fillColumns) { // the tile's full groups (fillR0 is a multiple of 192, so its spans are whole), then tail rows
            boolean bf16 = gemm.tileElementBytes() == 2;
            int g0 = fillR0 / Interleaved8.ROWS;
            int groups = Math.min(Interleaved8.ROWS * p.groups, fillR0 + fillCount) / Interleaved8.ROWS - g0;
            int blocks = in / p.format.blockElements();
            // in patches of FILL_SPANS spans × FILL_BLOCKS blocks (Q4_0 at 512 bits: 512 rows × 256 columns), so that
            // the weights are read in a few contiguous runs and each column of the tile is written 1 KB at a time,
            // rather than a span's 128 bytes in every column, the columns a page apart (BENCHMARKS.md, eighteenth session)
            int span = p.format.span(), items = (groups + span - 1) / span;
            for (int i0 = items * worker / workers, end = items * (worker + 1) / workers; i0 < end; i0 += FILL_SPANS) {
                int gEnd = Math.min(g0 + groups, g0 + span * Math.min(end, i0 + FILL_SPANS));
                for (int b0 = 0; b0 < blocks; b0 += FILL_BLOCKS) {
                    for (int g = g0 + span * i0; g < gEnd; g += p.format.groupsAt(g, p.groups)) {
                        p.format.dequantizeGroupColumns(p.packed, g, p.groups, blocks, b0, Math.min(blocks, b0 + FILL_BLOCKS),
                                fillDst, fillCount, (long) Interleaved8.ROWS * (g - g0), bf16);
                    }
                }
            }
            if (worker == workers - 1) {
                for (int r = Interleaved8.ROWS * groups; r < fillCount; r++) {
                    dequantizeRow(p, fillR0 + r, row, 0);
                    gemm.copyColumn(row, fillDst, r, fillCount, in);
                }
            }
            return;
        }
        int from = fillCount * worker / workers, to = fillCount * (worker + 1) / workers;
        boolean fused = gemm.tileElementBytes() == 2 && p.packed != null; // rows of full groups to bf16 in one pass
        for (int r = from; r < to; r++) {
            if (fused && fillR0 + r < Interleaved8.ROWS * p.groups) {
                p.format.dequantizeRowBf16(p.packed, fillR0 + r, p.groups, in / p.format.blockElements(), row,
                        fillDst, 2L * r * in);
            } else {
                dequantizeRow(p, fillR0 + r, row, 0);
                gemm.copyRow(row, fillDst, r, in);
            }
        }
    };

    /** The patch of a column-major tile that {@link #fillTask} dequantizes at a time: spans (or groups) and blocks. */
    private static final int FILL_SPANS = 8, FILL_BLOCKS = 8;

    private void dequantizeRows(Prepared p, int r0, int count, MemorySegment dst, boolean columns) {
        fillOp = p;
        fillDst = dst;
        fillR0 = r0;
        fillCount = count;
        fillColumns = columns;
        try {
            pool.run(fillTask);
        } finally {
            fillOp = null;
            fillDst = null;
        }
    }

    /** One worker's part: the chunks of rows (or 8-row groups) it claims, for every token of the batch. */
    @Override
    public void run(int worker, int workers) {
        Prepared p = op;
        int rows = (int) p.data.info().rows();
        int span = p.packed != null ? p.format.span() : 1; // groups per item: a span is never split
        int items = p.packed != null ? (p.groups + span - 1) / span : rows;
        int chunk = chunkSize(items, workers);
        for (int i0; (i0 = nextChunk.getAndIncrement() * chunk) < items; ) {
            int i1 = Math.min(items, i0 + chunk);
            if (p.packed != null) dotGroups(p, span * i0, Math.min(p.groups, span * i1));
            else if (opBatch < MATMUL_MIN_BATCH) dotRows(p, i0, i1);
            else dotDequantizedRows(p, i0, i1, worker);
        }
        // the rows past the last full group of a repacked tensor
        if (p.packed != null && worker == workers - 1) dotRows(p, Interleaved8.ROWS * p.groups, rows);
    }

    /**
     * Groups [g0, g1) of a repacked tensor, groups outer and tokens inner: a group's weights (a few KiB) are read
     * from memory once per batch and stay in L1 for the batch's other tokens, so short prompts run at the
     * kernel's in-cache speed.
     */
    private void dotGroups(Prepared p, int g0, int g1) {
        int rows = (int) p.data.info().rows(), blocks = (int) p.data.info().rowLength() / p.format.blockElements();
        QuantizedInput[] qs = quantized;
        for (int g = g0; g < g1; g += p.format.groupsAt(g, p.groups)) {
            for (int b = 0; b < opBatch; b++) {
                p.format.dot(p.packed, g, p.groups, blocks, qs[b], opOut, opOutOff + b * rows + Interleaved8.ROWS * g);
            }
        }
    }

    /** Rows [r0, r1) with the fused row kernels, token by token. */
    private void dotRows(Prepared p, int r0, int r1) {
        TensorData d = p.data;
        int rows = (int) d.info().rows(), in = (int) d.info().rowLength();
        float[] x = opX, out = opOut;
        for (int b = 0; b < opBatch; b++) {
            int xo = opXOff + b * in, oo = opOutOff + b * rows;
            if (p.sums) {
                float[] xs = xSums;
                int xsOff = b * (in / 32);
                for (int r = r0; r < r1; r++) {
                    out[oo + r] = BlockKernels.q4_0Sums(p.segments[(int) (r / p.rowsPerChunk)], d.rowOffset(r), x, xo,
                            xs, xsOff, in);
                }
                continue;
            }
            for (int r = r0; r < r1; r++) out[oo + r] = dotRow(p, r, x, xo, in);
        }
    }

    /**
     * Rows [r0, r1) of a batch too short for OpenBLAS (or without it): each row dequantized once, dotted with
     * every token.
     */
    private void dotDequantizedRows(Prepared p, int r0, int r1, int worker) {
        int rows = (int) p.data.info().rows(), in = (int) p.data.info().rowLength();
        float[] x = opX, out = opOut, row = scratch(worker, in);
        for (int r = r0; r < r1; r++) {
            dequantizeRow(p, r, row, 0);
            int b = 0;
            for (; b + 4 <= opBatch; b += 4) dot4(row, x, b * in, in, out, b * rows + r, rows);
            for (; b < opBatch; b++) out[b * rows + r] = Vec.dot(row, 0, x, b * in, in);
        }
    }

    /** Items per claimed chunk: {@link #CHUNKS_PER_WORKER} chunks per worker, at least one item. */
    static int chunkSize(int items, int workers) {
        return Math.max(1, (items + CHUNKS_PER_WORKER * workers - 1) / (CHUNKS_PER_WORKER * workers));
    }

    private float dotRow(Prepared p, int r, float[] x, int xOff, int n) {
        TensorData d = p.data;
        if (p.kernel == null) return p.reference.dot(d.buffer(r), d.rowOffset(r), x, xOff, n);
        return p.kernel.dot(p.segments[(int) (r / p.rowsPerChunk)], d.rowOffset(r), x, xOff, n);
    }

    private float[] scratch(int worker, int n) {
        float[] s = rowScratch[worker];
        if (s == null || s.length < n) rowScratch[worker] = s = new float[n];
        return s;
    }

    /** out[o + t*stride] = row · x[xOff + t*n ..] for 4 consecutive tokens t, sharing each row load. */
    private static void dot4(float[] row, float[] x, int xOff, int n, float[] out, int o, int stride) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector wv = FloatVector.fromArray(F, row, i);
            a0 = wv.fma(FloatVector.fromArray(F, x, xOff + i), a0);
            a1 = wv.fma(FloatVector.fromArray(F, x, xOff + n + i), a1);
            a2 = wv.fma(FloatVector.fromArray(F, x, xOff + 2 * n + i), a2);
            a3 = wv.fma(FloatVector.fromArray(F, x, xOff + 3 * n + i), a3);
        }
        float s0 = Vec.sum(a0), s1 = Vec.sum(a1);
        float s2 = Vec.sum(a2), s3 = Vec.sum(a3);
        for (; i < n; i++) {
            s0 += row[i] * x[xOff + i];
            s1 += row[i] * x[xOff + n + i];
            s2 += row[i] * x[xOff + 2 * n + i];
            s3 += row[i] * x[xOff + 3 * n + i];
        }
        out[o] = s0;
        out[o + stride] = s1;
        out[o + 2 * stride] = s2;
        out[o + 3 * stride] = s3;
    }

    @Override
    public void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, float eps, int n) {
        if (n < simdMinRow) {
            ScalarKernels.rmsNorm(out, outOff, x, xOff, weight, eps, n);
            return;
        }
        FloatVector ss = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            ss = v.fma(v, ss);
        }
        float sum = Vec.sum(ss);
        for (; i < n; i++) sum += x[xOff + i] * x[xOff + i];
        float scale = (float) (1.0 / Math.sqrt(sum / n + eps));
        i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, x, xOff + i).mul(scale).mul(FloatVector.fromArray(F, weight, i))
                    .intoArray(out, outOff + i);
        }
        for (; i < n; i++) out[outOff + i] = weight[i] * (scale * x[xOff + i]);
    }

    /**
     * f16, q8_0 and q4_0 caches are read directly, the KV heads split across the workers for long contexts
     * ({@link ParallelAttention}); other caches (f32) go through the cache interface.
     */
    @Override
    public void attention(KvCache cache, int layer, int pos, float[] q, int qOff, int heads, int kvHeads,
                          int headDim, float scale, float[] att, float[] out, int outOff) {
        attention.attend(cache, layer, pos, q, qOff, heads, kvHeads, headDim, scale, out, outOff);
    }

    /** Prefill on f16, q8_0 and q4_0 caches ({@link ParallelAttention#attendBatch}); otherwise token by token. */
    @Override
    public void attentionBatch(KvCache cache, int layer, int startPos, int n, float[] q, int heads, int kvHeads,
                               int headDim, float scale, float[] att, float[] out) {
        if (!attention.attendBatch(cache, layer, startPos, n, q, heads, kvHeads, headDim, scale, out)) {
            Backend.super.attentionBatch(cache, layer, startPos, n, q, heads, kvHeads, headDim, scale, att, out);
        }
    }

    /** Below this many elements one thread does the SwiGLU gating. */
    static final int SWIGLU_PARALLEL_MIN = 1 << 16;

    private float[] gluGate, gluUp;
    private int gluN;
    private final float[][] gluExp; // per worker: FloatKernels.swiglu's scratch
    private final WorkerPool.Task swigluTask = this::swigluPart;

    private void swigluPart(int worker, int workers) {
        int chunks = gluN / L;
        int from = chunks * worker / workers * L, to = worker == workers - 1 ? gluN : chunks * (worker + 1) / workers * L;
        FloatKernels.swiglu(gluGate, gluUp, from, to, gluExp[worker]);
    }

    @Override
    public void swiglu(float[] gate, float[] up, int n) {
        if (n < simdMinRow) {
            ScalarKernels.swiglu(gate, up, n);
            return;
        }
        if (n < Math.min(SWIGLU_PARALLEL_MIN, parallelMinWork)) {
            FloatKernels.swiglu(gate, up, 0, n, gluExp[0]);
            return;
        }
        gluGate = gate;
        gluUp = up;
        gluN = n;
        try {
            pool.run(swigluTask);
        } finally {
            gluGate = gluUp = null;
        }
    }

    @Override
    public void close() {
        pool.close();
        if (gemm != null) gemm.close();
        arena.close();
    }
}
