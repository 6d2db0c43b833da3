package dev.edgellm.vulkan;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.kv.KvCacheType;
import dev.edgellm.model.LlamaWeights;
import dev.edgellm.model.ModelConfig;
import dev.edgellm.spi.Backend;
import dev.edgellm.spi.LayerOffload;
import dev.edgellm.spi.ScalarKernels;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.logging.Logger;

/**
 * Vulkan compute backend, increment 1: per-op offload. Each {@link #matVec}/{@link #matMul}/{@link #rmsNorm}
 * copies its activations into a host-visible buffer, runs one submission and copies the result back;
 * weights are uploaded once per tensor on first use and stay on the device. Tensors larger than
 * {@code maxStorageBufferRange} are split into chunks of whole rows (one buffer and one descriptor set
 * each). Types without a kernel (BF16, Q2_K, Q3_K) run the scalar reference on
 * the CPU for that tensor, with one log line. Attention, RoPE and embeddings stay on the CPU.
 *
 * <p>Calls are serialised ({@code synchronized}): one submission in flight at a time.
 */
public final class VulkanBackend implements Backend {
    private static final Logger LOG = Logger.getLogger(VulkanBackend.class.getName());
    /** Workgroups per dispatch dimension every device supports (maxComputeWorkGroupCount >= 65535). */
    static final int MAX_GROUPS = 65535;
    /** Tile of matmul.comp: rows × tokens per work group. */
    static final int MATMUL_ROWS = 16, MATMUL_TOKENS = 8;
    /** Batches of at least this many tokens use the tiled kernel. */
    static final int MATMUL_MIN_TOKENS = 2;

    private static final Map<GgmlType, String> KERNELS = Map.of(
            GgmlType.F32, "matvec_f32", GgmlType.F16, "matvec_f16", GgmlType.Q8_0, "matvec_q8_0",
            GgmlType.Q4_0, "matvec_q4_0", GgmlType.Q4_1, "matvec_q4_1", GgmlType.Q5_0, "matvec_q5_0",
            GgmlType.Q5_1, "matvec_q5_1", GgmlType.Q4_K, "matvec_q4_k", GgmlType.Q5_K, "matvec_q5_k",
            GgmlType.Q6_K, "matvec_q6_k");

    /** Row range of a tensor in one device buffer; its descriptor set is valid for one IO generation. */
    static final class Chunk {
        final GpuBuffer buffer;
        final int firstRow, rows;
        long set;
        int setGeneration = -1;

        Chunk(GpuBuffer buffer, int firstRow, int rows) {
            this.buffer = buffer;
            this.firstRow = firstRow;
            this.rows = rows;
        }
    }

    /** A weight tensor as the kernels see it; {@code kernel == null}: CPU fallback. */
    static final class Prepared {
        final String kernel;
        /** The tiled matmul variant of {@link #kernel} for batches (named once, not per dispatch). */
        final String tiledKernel;
        final List<Chunk> chunks;

        Prepared(String kernel, List<Chunk> chunks) {
            this.kernel = kernel;
            this.tiledKernel = kernel == null ? null : kernel.replace("matvec_", "matmul_");
            this.chunks = chunks;
        }
    }

    private final VulkanContext ctx;
    private final long maxBufferBytes;
    /** Cap on one activation buffer: the device's limit (the test cap applies to weights only). */
    private final long ioLimit;
    private final Map<TensorData, Prepared> weights = new IdentityHashMap<>();
    private final Map<float[], Chunk> vectors = new IdentityHashMap<>();
    /** Sessions' resident layers, closed with this backend if their sessions were not. */
    private final List<VulkanLayerOffload> offloads = new ArrayList<>();
    private DescriptorPools ioSets;
    private GpuBuffer xBuf, yBuf;
    private FloatBuffer xFloats, yFloats;
    private int ioGeneration;
    private boolean closed;

    /**
     * @param maxBufferBytes  cap on one weight buffer (0: the device's maxStorageBufferRange / maxMemoryAllocationSize);
     *                        tests set it low to exercise chunking
     * @param forceStaging    upload weights through a staging copy even on unified memory (tests the discrete path)
     */
    VulkanBackend(VulkanDeviceInfo device, long maxBufferBytes, boolean forceStaging) {
        // 1 GiB at most: host-side views and offsets are int-sized, and smaller buffers are kinder to mobile drivers
        long limit = Math.min(1L << 30, Math.min(device.maxStorageBufferRange(), device.maxMemoryAllocationSize()));
        if (maxBufferBytes < 0) throw new IllegalArgumentException("maxBufferBytes must be >= 0, got " + maxBufferBytes);
        this.maxBufferBytes = (maxBufferBytes == 0 ? limit : Math.min(limit, maxBufferBytes)) & ~3L;
        this.ioLimit = limit & ~3L;
        if (this.maxBufferBytes < 64) throw new IllegalArgumentException("buffer cap " + this.maxBufferBytes + " bytes is too small");
        this.ctx = new VulkanContext(device, forceStaging);
    }

    @Override
    public String name() { return VulkanBackendProvider.NAME; }

    @Override
    public String description() {
        return "vulkan (" + ctx.info.summary() + "; per-op offload, weights on device)";
    }

    /** The device this backend runs on. */
    public VulkanDeviceInfo device() { return ctx.info; }

    /** Device memory allocated now, in bytes per kind (weights, norm_weights, activations, staging, kv_cache, scratch). */
    @Override
    public synchronized Map<String, Long> deviceMemory() {
        Map<String, Long> m = new LinkedHashMap<>();
        ctx.allocatedBytes().forEach((k, v) -> m.put(k.name().toLowerCase(Locale.ROOT), v));
        return m;
    }

    // ---- Backend ops -------------------------------------------------------------------------------------

    @Override
    public synchronized void matVec(TensorData w, float[] x, int xOff, float[] out, int outOff) {
        int n = (int) w.info().rowLength(), rows = rows(w);
        check(x, xOff, n, "x");
        check(out, outOff, rows, "out");
        Prepared p = prepare(w);
        if (p.kernel == null) {
            ScalarKernels.matVec(w, x, xOff, out, outOff);
            return;
        }
        run(w, p, x, xOff, out, outOff, 1);
    }

    @Override
    public synchronized void matMul(TensorData w, float[] x, float[] out, int n) {
        if (n < 0) throw new IllegalArgumentException("batch size must be >= 0, got " + n);
        int in = (int) w.info().rowLength(), rows = rows(w);
        check(x, 0, (long) n * in, "x");
        check(out, 0, (long) n * rows, "out");
        Prepared p = prepare(w);
        if (p.kernel == null) {
            for (int i = 0; i < n; i++) ScalarKernels.matVec(w, x, i * in, out, i * rows);
            return;
        }
        // tokens per submission: the activations must fit one buffer, and the batch one dispatch dimension
        long per = Math.max(in, rows) * 4L;
        int step = (int) Math.max(1, Math.min(MAX_GROUPS, ioLimit / per));
        for (int t = 0; t < n; t += step) {
            int b = Math.min(step, n - t);
            run(w, p, x, t * in, out, t * rows, b);
        }
    }

    @Override
    public synchronized void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, float eps, int n) {
        if (n <= 0) throw new IllegalArgumentException("rmsNorm length must be > 0, got " + n);
        check(x, xOff, n, "x");
        check(out, outOff, n, "out");
        if (weight.length < n) throw new IllegalArgumentException("rmsNorm weight has " + weight.length + " elements, needs " + n);
        if ((long) n * 4 > ioLimit) {
            ScalarKernels.rmsNorm(out, outOff, x, xOff, weight, eps, n);
            return;
        }
        Chunk wc = vector(weight);
        ensureIo(n * 4L, n * 4L);
        xFloats.put(0, x, xOff, n);
        long set = setFor(wc);
        try (MemoryStack st = MemoryStack.stackPush()) {
            ByteBuffer push = st.calloc(VulkanContext.PUSH_BYTES).order(ByteOrder.nativeOrder());
            push.putInt(0, n).putFloat(4, eps).putInt(8, 0).putInt(12, n).putInt(16, 0).putInt(20, n);
            ctx.begin();
            ctx.dispatch(ctx.pipeline("rmsnorm"), set, push, 1, 1);
            ctx.submitAndWait();
        }
        yFloats.get(0, out, outOff, n);
    }

    // ---- resident layers ---------------------------------------------------------------------------------

    @Override
    public synchronized LayerOffload offloadLayers(ModelConfig config, LlamaWeights weights, int layers, KvCacheType kvType,
                                                   int contextLength, int maxBatch) {
        ensureOpen();
        if (layers < 1) throw new IllegalArgumentException("layers to offload must be >= 1, got " + layers);
        String why = VulkanLayerOffload.unsupported(config, kvType);
        if (why != null) {
            LOG.warning("vulkan: no layers offloaded: " + why);
            return null;
        }
        int n = Math.min(layers, config.layers);
        for (int l = 0; l < n; l++) {
            String missing = VulkanLayerOffload.firstUnsupportedTensor(weights.layers[l], this::supports);
            if (missing != null) {
                LOG.warning("vulkan: layers " + l + ".." + (n - 1) + " run on the CPU: " + missing);
                n = l;
                break;
            }
        }
        if (n == 0) return null;
        // with every block on the GPU the output head goes too (llama.cpp's -ngl layers + 1), if it has a kernel
        boolean head = n == config.layers && supports(weights.output) && 4L * config.vocabSize <= ioLimit;
        if (n == config.layers && !head) {
            LOG.info("vulkan: the output head (" + weights.output.info().name() + ", " + weights.output.info().type() + ") runs on the CPU");
        }
        VulkanLayerOffload o = new VulkanLayerOffload(this, ctx, config, weights, n, head, kvType, contextLength, maxBatch, ioLimit);
        offloads.add(o);
        return o;
    }

    synchronized void closed(VulkanLayerOffload o) {
        offloads.remove(o);
    }

    // ---- internals ---------------------------------------------------------------------------------------

    private void run(TensorData w, Prepared p, float[] x, int xOff, float[] out, int outOff, int batch) {
        int n = (int) w.info().rowLength(), rows = rows(w);
        ensureIo((long) batch * n * 4, (long) batch * rows * 4);
        xFloats.put(0, x, xOff, batch * n);
        try (MemoryStack st = MemoryStack.stackPush()) {
            ByteBuffer push = st.calloc(VulkanContext.PUSH_BYTES).order(ByteOrder.nativeOrder());
            ctx.begin();
            recordMatVec(w, p, this::setFor, push, 0, n, 0, rows, batch);
            ctx.submitAndWait();
        }
        yFloats.get(0, out, outOff, batch * rows);
    }

    /**
     * Records {@code y[t] = w · x[t]} for {@code tokens} tokens: x and y are float offsets and strides in the
     * buffers that {@code setOf} binds next to each weight chunk (bindings 1 and 2). One token runs the matvec
     * kernel (a work group per row); more run the tiled matmul kernel (16 rows × 8 tokens per work group, each
     * weight dequantized once per tile).
     */
    void recordMatVec(TensorData w, Prepared p, ToLongFunction<Chunk> setOf, ByteBuffer push, int xOff, int xStride,
                      int yOff, int yStride, int tokens) {
        int n = (int) w.info().rowLength();
        boolean tiled = tokens >= MATMUL_MIN_TOKENS;
        long pipeline = ctx.pipeline(tiled ? p.tiledKernel : p.kernel);
        int rowsPerDispatch = tiled ? MAX_GROUPS * MATMUL_ROWS : MAX_GROUPS;
        for (Chunk c : p.chunks) {
            long set = setOf.applyAsLong(c);
            for (int r0 = 0; r0 < c.rows; r0 += rowsPerDispatch) {
                int count = Math.min(rowsPerDispatch, c.rows - r0);
                push.putInt(0, n).putInt(4, w.rowBytes()).putInt(8, r0).putInt(12, c.firstRow + r0)
                        .putInt(16, xOff).putInt(20, xStride).putInt(24, yOff).putInt(28, yStride)
                        .putInt(32, count).putInt(36, tokens);
                if (tiled) {
                    ctx.dispatch(pipeline, set, push, (count + MATMUL_ROWS - 1) / MATMUL_ROWS,
                            (tokens + MATMUL_TOKENS - 1) / MATMUL_TOKENS);
                } else {
                    ctx.dispatch(pipeline, set, push, count, tokens);
                }
            }
        }
    }

    /** Whether {@code w} gets a GPU kernel (type known, one row fits a buffer). */
    boolean supports(TensorData w) {
        return KERNELS.containsKey(w.info().type()) && w.rowBytes() <= maxBufferBytes;
    }

    /** A 1-D weight (norm, bias) on the device, uploaded on first use. */
    Chunk vector(float[] weight) {
        ensureOpen();
        Chunk wc = vectors.get(weight);
        if (wc == null) {
            GpuBuffer g = ctx.allocate(weight.length * 4L, GpuBuffer.Kind.NORM_WEIGHTS);
            ByteBuffer tmp = MemoryUtil.memAlloc(weight.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            try {
                tmp.asFloatBuffer().put(weight);
                ctx.upload(g, 0, tmp);
            } catch (RuntimeException e) {
                ctx.free(g);
                throw e;
            } finally {
                MemoryUtil.memFree(tmp);
            }
            wc = new Chunk(g, 0, 1);
            vectors.put(weight, wc);
        }
        return wc;
    }

    /** Uploads {@code w} on first use: chunks of whole rows, each at most {@link #maxBufferBytes}. */
    Prepared prepare(TensorData w) {
        ensureOpen();
        Prepared p = weights.get(w);
        if (p != null) return p;
        String kernel = KERNELS.get(w.info().type());
        int rowBytes = w.rowBytes();
        if (kernel == null) {
            LOG.info("vulkan: no GPU kernel for " + w.info().type() + ", tensor " + w.info().name() + " runs on the CPU");
            p = new Prepared(null, List.of());
        } else if (rowBytes > maxBufferBytes) {
            LOG.info("vulkan: a row of " + w.info().name() + " (" + rowBytes + " bytes) exceeds the " + maxBufferBytes
                    + "-byte buffer limit; it runs on the CPU");
            p = new Prepared(null, List.of());
        } else {
            int rows = rows(w);
            int perChunk = (int) Math.min(rows, maxBufferBytes / rowBytes);
            List<Chunk> chunks = new ArrayList<>();
            try {
                for (int r = 0; r < rows; r += perChunk) {
                    int count = Math.min(perChunk, rows - r);
                    chunks.add(upload(w, r, count));
                }
            } catch (RuntimeException e) {
                for (Chunk c : chunks) ctx.free(c.buffer);
                throw e;
            }
            p = new Prepared(kernel, chunks);
        }
        weights.put(w, p);
        return p;
    }

    private Chunk upload(TensorData w, int first, int count) {
        int rowBytes = w.rowBytes();
        long size = (long) count * rowBytes;
        GpuBuffer g = ctx.allocate(size, GpuBuffer.Kind.WEIGHTS);
        ByteBuffer dst = g.mapped != null ? g.mapped : MemoryUtil.memAlloc((int) size);
        try {
            // copy runs of rows that are contiguous in one mapped chunk of the file
            for (int r = first; r < first + count; ) {
                ByteBuffer src = w.buffer(r);
                int run = 1;
                while (r + run < first + count && w.buffer(r + run) == src) run++;
                dst.put((r - first) * rowBytes, src, w.rowOffset(r), run * rowBytes);
                r += run;
            }
            if (g.mapped == null) ctx.upload(g, 0, dst.limit((int) size).position(0));
        } catch (RuntimeException e) {
            ctx.free(g);
            throw e;
        } finally {
            if (g.mapped == null) MemoryUtil.memFree(dst);
        }
        return new Chunk(g, first, count);
    }

    /** Grows the activation buffers to at least the given sizes; growing invalidates every descriptor set. */
    private void ensureIo(long xBytes, long yBytes) {
        if (xBytes > ioLimit || yBytes > ioLimit) {
            throw new IllegalArgumentException("activations of " + Math.max(xBytes, yBytes) + " bytes exceed the device's "
                    + ioLimit + "-byte storage buffer range");
        }
        if (xBuf != null && xBuf.size >= xBytes && yBuf.size >= yBytes) return;
        long xs = Math.min(ioLimit, Math.max(xBytes, xBuf == null ? 4096 : xBuf.size * 2));
        long ys = Math.min(ioLimit, Math.max(yBytes, yBuf == null ? 4096 : yBuf.size * 2));
        if (xBuf != null) { ctx.free(xBuf); ctx.free(yBuf); xBuf = yBuf = null; }
        if (ioSets != null) ioSets.close();
        ioSets = ctx.descriptorPools();
        ioGeneration++;
        xBuf = ctx.allocate(xs, GpuBuffer.Kind.ACTIVATIONS);
        yBuf = ctx.allocate(ys, GpuBuffer.Kind.ACTIVATIONS);
        xFloats = xBuf.mapped.asFloatBuffer();
        yFloats = yBuf.mapped.asFloatBuffer();
    }

    private long setFor(Chunk c) {
        if (c.setGeneration != ioGeneration) {
            c.set = ioSets.set(c.buffer, xBuf, yBuf);
            c.setGeneration = ioGeneration;
        }
        return c.set;
    }

    static int rows(TensorData w) {
        long r = w.info().rows();
        if (r > Integer.MAX_VALUE) throw new IllegalArgumentException(w.info().name() + " has " + r + " rows");
        return (int) r;
    }

    private static void check(float[] a, int off, long n, String what) {
        if (a == null) throw new IllegalArgumentException(what + " is null");
        if (off < 0 || off + n > a.length) {
            throw new IllegalArgumentException(what + "[" + off + " .. " + (off + n) + ") is outside an array of " + a.length);
        }
    }

    void ensureOpen() {
        if (closed) throw new IllegalStateException("the vulkan backend is closed");
    }

    /** Releases every Vulkan object of this backend (weights, pipelines, device, instance). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (VulkanLayerOffload o : new ArrayList<>(offloads)) o.close();
        Map<String, Long> bytes = deviceMemory();
        weights.clear();
        vectors.clear();
        if (ioSets != null) ioSets.close();
        ctx.close();
        LOG.fine("vulkan backend closed; device memory released: " + bytes);
    }
}
