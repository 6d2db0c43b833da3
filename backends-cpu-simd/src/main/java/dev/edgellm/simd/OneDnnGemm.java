package dev.edgellm.simd;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Optional;
import java.util.logging.Logger;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

/**
 * {@link PrefillGemm} through oneDNN's matmul (JavaCPP's build, x86-64 Linux) in bf16: weight tiles are
 * dequantized straight to bf16, the activations rounded to bf16 once per call, products accumulated in f32.
 * Where the CPU multiplies bf16 natively (AVX512_BF16, AMX) this runs at twice sgemm's fp32 rate: 185 against 94
 * GFLOP/s per Zen 4 core on the llama-1b shapes (BENCHMARKS.md). Rounding both operands to bf16 (8 significant
 * bits) costs about what llama.cpp's 8-bit activation blocks cost; the tests state the tolerance.
 *
 * <p>A matmul primitive is made per (tokens, tile rows, row length, layout) and kept: a prefill meets a handful
 * of shapes (each matrix's full and last tiles, the last batch of a prompt). oneDNN runs on OpenMP threads; their
 * number is set to the backend's on the calling thread before every product (OpenMP keeps it per thread).
 */
final class OneDnnGemm extends PrefillGemm {
    private static final Logger LOG = Logger.getLogger(OneDnnGemm.class.getName());
    private static final int MAX_SHAPES = 32;

    private final int threads;
    private final engine engine;
    private final stream stream;
    private final MethodHandle ompSetNumThreads; // null where libgomp's symbol was not found (OpenMP's default then)
    private final String impl;
    private final Shape[] shapes = new Shape[MAX_SHAPES];
    private int shapeCount, nextEvicted;

    // the input conversion in flight, read by the workers (published by WorkerPool's volatile generation)
    private float[] convertFrom;
    private int convertCount;
    private final WorkerPool.Task convertTask = (worker, workers) -> {
        int blocks = (convertCount + 7) / 8;
        int from = 8 * (blocks * worker / workers), to = Math.min(convertCount, 8 * (blocks * (worker + 1) / workers));
        if (to > from) toBf16(convertFrom, from, input.segment(), 2L * from, to - from);
    };

    private OneDnnGemm(int threads, WorkerPool pool, long tileBytes) {
        super(pool, tileBytes);
        this.threads = threads;
        this.engine = new engine(org.bytedeco.dnnl.engine.kind.cpu, 0);
        this.stream = new stream(engine);
        this.ompSetNumThreads = ompSetNumThreads();
        Shape probe = shape(64, 64, 64, false);
        this.impl = probe.pd.impl_info_str().getString();
    }

    /**
     * oneDNN for {@code threads} threads, or null (the reason logged) where its natives do not load or, if
     * {@code requireNative}, where its bf16 matmul would be emulated (no AVX512_BF16, AMX or AVX-NE-CONVERT):
     * emulated bf16 is no faster than OpenBLAS's sgemm. Tests use small tiles and may pass no pool.
     */
    static OneDnnGemm open(int threads, WorkerPool pool, long tileBytes, boolean requireNative) {
        OneDnnGemm g;
        try {
            passiveOpenMpThreads();
            g = new OneDnnGemm(threads, pool, tileBytes);
        } catch (Throwable e) { // UnsatisfiedLinkError, NoClassDefFoundError (no natives for this platform)
            LOG.info("simd: oneDNN unavailable (" + e + ")");
            return null;
        }
        if (requireNative && !g.nativeBf16()) {
            LOG.fine("simd: oneDNN's bf16 matmul is emulated here (" + g.impl + "); prefill uses OpenBLAS");
            g.close();
            return null;
        }
        return g;
    }

    /** Whether the bf16 matmul runs on bf16 instructions (oneDNN names the ISA in its implementation string). */
    boolean nativeBf16() {
        return impl.contains("bf16") || impl.contains("amx") || impl.contains("avx2_vnni_2");
    }

    @Override
    String description() { return "oneDNN matmul (bf16, " + impl + ")"; }

    @Override
    int tileElementBytes() { return 2; }

    @Override
    void input(float[] x, int n, int in) {
        int count = n * in;
        input.ensure(2L * count);
        convertFrom = x;
        convertCount = count;
        try {
            if (pool == null) toBf16(x, 0, input.segment(), 0, count);
            else pool.run(convertTask);
        } finally {
            convertFrom = null;
        }
    }

    @Override
    void multiply(int n, int t, int in, boolean columns) {
        Shape s = shape(n, t, in, columns);
        if (ompSetNumThreads != null) {
            try {
                ompSetNumThreads.invokeExact(threads);
            } catch (Throwable e) {
                throw new IllegalStateException("omp_set_num_threads failed", e);
            }
        }
        s.src.set_data_handle(input.pointer());
        s.wei.set_data_handle(tile.pointer());
        s.dst.set_data_handle(products.pointer());
        s.mm.execute(stream, s.args);
        stream._wait();
    }

    /** The primitive for this shape, made on first use (the least recently made one dropped past {@link #MAX_SHAPES}). */
    private Shape shape(int n, int t, int in, boolean columns) {
        for (int i = 0; i < shapeCount; i++) {
            Shape s = shapes[i];
            if (s.n == n && s.t == t && s.in == in && s.columns == columns) return s;
        }
        Shape s = new Shape(n, t, in, columns);
        if (shapeCount < MAX_SHAPES) {
            shapes[shapeCount++] = s;
        } else {
            shapes[nextEvicted].close();
            shapes[nextEvicted] = s;
            nextEvicted = (nextEvicted + 1) % MAX_SHAPES;
        }
        return s;
    }

    /** A matmul for one shape; its memory objects are pointed at the buffers before each product. */
    private final class Shape implements AutoCloseable {
        final int n, t, in;
        final boolean columns;
        final memory.desc srcDesc, weiDesc, dstDesc;
        final matmul.primitive_desc pd;
        final matmul mm;
        final memory src, wei, dst;
        final IntMemoryMap args = new IntMemoryMap();

        Shape(int n, int t, int in, boolean columns) {
            this.n = n;
            this.t = t;
            this.in = in;
            this.columns = columns;
            srcDesc = new memory.desc(new LongPointer(n, in), memory.data_type.bf16, memory.format_tag.ab);
            // the tile as the K × N operand: row-major rows (t × in) are its "ba" layout, column-major ones its "ab"
            weiDesc = new memory.desc(new LongPointer(in, t), memory.data_type.bf16,
                    columns ? memory.format_tag.ab : memory.format_tag.ba);
            dstDesc = new memory.desc(new LongPointer(n, t), memory.data_type.f32, memory.format_tag.ab);
            pd = new matmul.primitive_desc(engine, srcDesc, weiDesc, dstDesc);
            mm = new matmul(pd);
            src = new memory(srcDesc, engine, input.pointer());
            wei = new memory(weiDesc, engine, tile.pointer());
            dst = new memory(dstDesc, engine, products.pointer());
            args.put(DNNL_ARG_SRC, src);
            args.put(DNNL_ARG_WEIGHTS, wei);
            args.put(DNNL_ARG_DST, dst);
        }

        @Override
        public void close() {
            for (Pointer p : new Pointer[] {args, src, wei, dst, mm, pd, srcDesc, weiDesc, dstDesc}) p.close();
        }
    }

    /**
     * Sets OMP_WAIT_POLICY=passive (unless the user set it) before libgomp loads, which reads it once: by default
     * its threads spin after every matmul and take cores from our workers while they fill the next tile: 2-thread
     * prefill measured 125 tok/s spinning against 148 passive on llama-1b Q4_0 (BENCHMARKS.md). The environment
     * is the only way to set it; the JDK has no setenv, libc's is called directly (once, before the first prefill;
     * it could only race with a concurrent getenv in native code, which the JVM does not do after startup).
     *
     * <p>The two strings live in an automatic arena, never a confined one: one access through a confined session
     * anywhere in the process teaches C2 (through the JDK's shared profile of the segment-session check) that
     * sessions can have an owner thread, and decode kernels compiled after it carry the owner check with their loads
     * (Q8_0x8.spanDotWide: 19.0 kB of code instead of 10.8).
     * That made 1-thread llama-1b Q8_0 decode after a 512-token prompt 15-25% slower (BENCHMARKS.md, 21st session).
     */
    private static void passiveOpenMpThreads() throws Throwable {
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> setenv = linker.defaultLookup().find("setenv");
        if (setenv.isEmpty()) return;
        MethodHandle h = linker.downcallHandle(setenv.get(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        Arena arena = Arena.ofAuto();
        int rc = (int) h.invokeExact(arena.allocateFrom("OMP_WAIT_POLICY"), arena.allocateFrom("passive"), 0);
        if (rc != 0) LOG.fine("simd: setenv(OMP_WAIT_POLICY) failed");
    }

    /** libgomp's omp_set_num_threads, from the copy JavaCPP loaded beside oneDNN; null if it cannot be found. */
    private static MethodHandle ompSetNumThreads() {
        Optional<MemorySegment> symbol = Optional.empty();
        for (String path : Loader.getLoadedLibraries().values()) {
            if (path != null && Path.of(path).getFileName().toString().startsWith("libgomp")) {
                symbol = SymbolLookup.libraryLookup(Path.of(path), Arena.global()).find("omp_set_num_threads");
                break;
            }
        }
        if (symbol.isEmpty()) {
            try {
                symbol = SymbolLookup.libraryLookup("libgomp.so.1", Arena.global()).find("omp_set_num_threads");
            } catch (IllegalArgumentException e) {
                LOG.info("simd: libgomp not found; oneDNN uses OpenMP's default thread count");
                return null;
            }
        }
        return symbol.map(s -> Linker.nativeLinker().downcallHandle(s, FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT)))
                .orElse(null);
    }

    @Override
    void closeNative() {
        for (int i = 0; i < shapeCount; i++) shapes[i].close();
        shapeCount = 0;
        stream.close();
        engine.close();
    }
}
