package dev.edgellm.vulkan;

import dev.edgellm.gguf.TensorData;
import dev.edgellm.kv.KvCacheType;
import dev.edgellm.model.LlamaWeights;
import dev.edgellm.model.LlamaWeights.Layer;
import dev.edgellm.model.ModelConfig;
import dev.edgellm.model.Rope;
import dev.edgellm.spi.LayerOffload;
import dev.edgellm.vulkan.VulkanBackend.Chunk;
import org.lwjgl.system.MemoryStack;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The first {@link #layers()} blocks of one session on the GPU: the same block as {@code ForwardPass}, recorded
 * for all offloaded layers into one command buffer with compute barriers between dependent steps —
 * RMSNorm → q/k/v matvec (+ bias, + q/k norm) → RoPE → KV store → attention → o-proj + residual → RMSNorm →
 * gate/up matvec → SwiGLU → down matvec + residual — and submitted once per batch. With every block here, the
 * final norm and the output projection of the batch's last token run here too (llama.cpp's -ngl layers + 1).
 *
 * <p>Device memory of the session: a KV cache buffer per layer (keys, then values; f32, f16 or q8_0), a device-local
 * scratch buffer with every activation of a batch, and a small host-visible buffer through which the residual
 * stream and the RoPE cos/sin of the batch's positions (computed on the host in double, as {@link Rope} does
 * for the CPU) cross once each way. Weights and norm vectors are the backend's, uploaded once per model.
 */
final class VulkanLayerOffload implements LayerOffload {
    /** Largest head size the attention kernel handles (4 dimensions per thread of 64). */
    static final int MAX_HEAD_DIM = 256;

    private final VulkanBackend backend;
    private final VulkanContext ctx;
    private final ModelConfig c;
    private final LlamaWeights w;
    private final int layers, contextLength, batch, pairs;
    /** Whether the final norm and the output projection run here too (every block is here). */
    private final boolean head;
    /** Host-visible logits of the last token of the last batch, when {@link #head}. */
    private final GpuBuffer logitsBuf;
    private final FloatBuffer logitsFloats;
    private final Map<GpuBuffer, Long> headSets = new IdentityHashMap<>();
    private final KvCacheType kvType;
    private final Rope rope;
    private final GpuBuffer scratch, io;
    private final GpuBuffer[] kv;
    private final DescriptorPools sets;
    private final long actSet;
    private final long[] kvSets;
    private final Map<GpuBuffer, Long> weightSets = new IdentityHashMap<>();
    private final FloatBuffer ioFloats;
    private final float[] cosSin;
    // float offsets of each activation in the scratch buffer (x and cs also in io)
    private final int oX, oCs, oXb, oXb2, oQ, oK, oV, oAtt, oHb, oHb2;
    /** Kernel names for this session's KV type, resolved once (no string building per dispatch). */
    private final String kvStoreKernel, attentionKernel, kvShiftKernel;
    private boolean closed;

    /**
     * One layer's GPU KV buffer: K and V of ctx positions; q8_0 as ggml's blocks split into int8 quants and fp16
     * scales padded to whole words per position (kv.glsl), the same bytes as the CPU's rows when kvDim % 64 == 0.
     */
    static long kvBytesPerLayer(KvCacheType t, int ctx, int kvDim) {
        long perPosition = switch (t) {
            case F32 -> 4L * kvDim;
            case F16 -> 2L * kvDim;
            case Q8_0 -> kvDim + 4L * ((kvDim + 63) / 64);
            default -> throw new IllegalArgumentException("no GPU KV cache of type " + t.id());
        };
        return 2 * ctx * perPosition;
    }

    /** Why this model or KV type cannot run on the GPU at all, or null. */
    static String unsupported(ModelConfig c, KvCacheType kvType) {
        if (kvType != KvCacheType.F16 && kvType != KvCacheType.F32 && kvType != KvCacheType.Q8_0) {
            return "KV cache type " + kvType.id() + " has no GPU kernel (use f16, q8_0 or f32)";
        }
        if (kvType == KvCacheType.Q8_0 && c.kvDim() % 32 != 0) return "q8_0 KV needs a KV dimension divisible by 32";
        if (c.headDim > MAX_HEAD_DIM) return "head size " + c.headDim + " > " + MAX_HEAD_DIM;
        if (c.kvDim() % 2 != 0) return "odd KV dimension " + c.kvDim();
        return null;
    }

    /** The first matrix of {@code y} the GPU cannot run (named, with its type), or null. */
    static String firstUnsupportedTensor(Layer y, Predicate<TensorData> supported) {
        for (TensorData t : new TensorData[] {y.wq, y.wk, y.wv, y.wo, y.gate, y.up, y.down}) {
            if (!supported.test(t)) return t.info().name() + " is " + t.info().type() + " (no GPU kernel, or a row larger than a buffer)";
        }
        return null;
    }

    VulkanLayerOffload(VulkanBackend backend, VulkanContext ctx, ModelConfig c, LlamaWeights w, int layers, boolean head,
                       KvCacheType kvType, int contextLength, int maxBatch, long bufferLimit) {
        this.backend = backend;
        this.ctx = ctx;
        this.c = c;
        this.w = w;
        this.layers = layers;
        this.head = head;
        this.kvType = kvType;
        this.contextLength = contextLength;
        this.rope = new Rope(c, w.ropeFreqFactors);
        this.pairs = rope.pairs();
        this.kvStoreKernel = "kv_store_" + kvType.id();
        this.attentionKernel = "attention_" + kvType.id();
        this.kvShiftKernel = "kv_shift_" + kvType.id();
        int dim = c.dim, qDim = c.qDim(), kvDim = c.kvDim(), hidden = c.hiddenDim;
        long perToken = 3L * dim + 2L * pairs + 2L * qDim + 2L * kvDim + 2L * hidden;
        // tokens per submission: the scratch of a batch must fit one storage buffer
        this.batch = (int) Math.max(1, Math.min(maxBatch, bufferLimit / (perToken * 4)));
        if (perToken * 4 > bufferLimit) {
            throw new IllegalArgumentException("one token's activations (" + perToken * 4 + " bytes) exceed the "
                    + bufferLimit + "-byte buffer limit of " + ctx.info.name());
        }
        int b = batch;
        oX = 0;
        oCs = oX + b * dim;
        oXb = oCs + b * 2 * pairs;
        oXb2 = oXb + b * dim;
        oQ = oXb2 + b * dim;
        oK = oQ + b * qDim;
        oV = oK + b * kvDim;
        oAtt = oV + b * kvDim;
        oHb = oAtt + b * qDim;
        oHb2 = oHb + b * hidden;
        long kvBytes = kvBytesPerLayer(kvType, contextLength, kvDim);
        if (kvBytes > bufferLimit) {
            throw new IllegalArgumentException("the GPU KV cache of one layer (" + kvBytes + " bytes for context "
                    + contextLength + ", " + kvType.id() + ") exceeds the " + bufferLimit + "-byte buffer limit of "
                    + ctx.info.name() + "; use a smaller context or fewer GPU layers");
        }
        GpuBuffer[] cache = new GpuBuffer[layers];
        GpuBuffer s = null, o = null, lg = null;
        DescriptorPools pools = null;
        try {
            // weights first: a model that does not fit fails before the session's buffers exist
            for (int l = 0; l < layers; l++) uploadWeights(w.layers[l]);
            if (head) {
                backend.prepare(w.output);
                backend.vector(w.outputNorm);
                lg = ctx.allocate(4L * c.vocabSize, GpuBuffer.Kind.ACTIVATIONS);
            }
            s = ctx.allocate((oHb2 + (long) b * hidden) * 4, GpuBuffer.Kind.SCRATCH);
            o = ctx.allocate(((long) b * dim + (long) b * 2 * pairs) * 4, GpuBuffer.Kind.ACTIVATIONS);
            for (int l = 0; l < layers; l++) cache[l] = ctx.allocate(kvBytes, GpuBuffer.Kind.KV_CACHE);
            pools = ctx.descriptorPools();
        } catch (RuntimeException | Error e) {
            for (GpuBuffer g : cache) if (g != null) ctx.free(g);
            if (s != null) ctx.free(s);
            if (o != null) ctx.free(o);
            if (lg != null) ctx.free(lg);
            if (pools != null) pools.close();
            throw e;
        }
        scratch = s;
        io = o;
        logitsBuf = lg;
        logitsFloats = lg == null ? null : lg.mapped.asFloatBuffer();
        kv = cache;
        sets = pools;
        actSet = sets.set(scratch, scratch, scratch);
        kvSets = new long[layers];
        for (int l = 0; l < layers; l++) kvSets[l] = sets.set(kv[l], scratch, scratch);
        ioFloats = io.mapped.asFloatBuffer();
        cosSin = new float[b * 2 * pairs];
    }

    private void uploadWeights(Layer y) {
        for (TensorData t : new TensorData[] {y.wq, y.wk, y.wv, y.wo, y.gate, y.up, y.down}) backend.prepare(t);
        for (float[] v : new float[][] {y.attnNorm, y.ffnNorm, y.bq, y.bk, y.bv, y.qNorm, y.kNorm}) {
            if (v != null) backend.vector(v);
        }
    }

    @Override
    public int layers() { return layers; }

    @Override
    public long deviceBytes() {
        long n = scratch.size + io.size + (logitsBuf == null ? 0 : logitsBuf.size);
        for (GpuBuffer g : kv) n += g.size;
        return n;
    }

    @Override
    public String description() {
        return "vulkan " + ctx.info.name() + ": layers 0.." + (layers - 1) + " of " + c.layers + ", KV " + kvType.id()
                + " × " + contextLength + (head ? ", output head" : "") + ", batch " + batch + ", "
                + deviceBytes() / (1 << 20) + " MiB session memory";
    }

    @Override
    public void forward(float[] x, int n, int startPos) {
        if (n < 1 || x.length < (long) n * c.dim) throw new IllegalArgumentException("bad batch of " + n + " tokens in " + x.length + " floats");
        if (startPos < 0 || startPos + n > contextLength) {
            throw new IllegalArgumentException("positions " + startPos + ".." + (startPos + n - 1) + " outside the GPU context of " + contextLength);
        }
        synchronized (backend) {
            ensureOpen();
            for (int done = 0; done < n; ) {
                int b = Math.min(batch, n - done);
                ioFloats.put(0, x, done * c.dim, b * c.dim);
                for (int i = 0; i < b; i++) rope.cosSin(startPos + done + i, cosSin, i * 2 * pairs);
                ioFloats.put(batch * c.dim, cosSin, 0, b * 2 * pairs);
                try (MemoryStack st = MemoryStack.stackPush()) {
                    ByteBuffer push = st.calloc(VulkanContext.PUSH_BYTES).order(ByteOrder.nativeOrder());
                    ctx.begin();
                    ctx.copy(io, 0, scratch, oX * 4L, (long) b * c.dim * 4);
                    ctx.copy(io, batch * c.dim * 4L, scratch, oCs * 4L, (long) b * 2 * pairs * 4);
                    ctx.transferToComputeBarrier();
                    for (int l = 0; l < layers; l++) recordLayer(l, b, startPos + done, push);
                    if (head) recordHead(b, push);
                    ctx.computeToTransferBarrier();
                    ctx.copy(scratch, oX * 4L, io, 0, (long) b * c.dim * 4);
                    ctx.submitAndWait();
                }
                ioFloats.get(0, x, done * c.dim, b * c.dim);
                done += b;
            }
        }
    }

    private void recordLayer(int l, int n, int startPos, ByteBuffer push) {
        Layer y = w.layers[l];
        int dim = c.dim, qDim = c.qDim(), kvDim = c.kvDim(), hidden = c.hiddenDim, hd = c.headDim;
        // attention block
        rmsNorm(y.attnNorm, oX, dim, oXb, dim, n, push);
        ctx.computeBarrier();
        matVec(y.wq, oXb, dim, oQ, qDim, n, push);
        matVec(y.wk, oXb, dim, oK, kvDim, n, push);
        matVec(y.wv, oXb, dim, oV, kvDim, n, push);
        ctx.computeBarrier();
        if (y.bq != null) {
            add(set(backend.vector(y.bq)), qDim, 0, 0, oQ, qDim, n, push);
            add(set(backend.vector(y.bk)), kvDim, 0, 0, oK, kvDim, n, push);
            add(set(backend.vector(y.bv)), kvDim, 0, 0, oV, kvDim, n, push);
            ctx.computeBarrier();
        }
        if (y.qNorm != null) {
            rmsNorm(y.qNorm, oQ, hd, oQ, hd, n * c.heads, push);
            rmsNorm(y.kNorm, oK, hd, oK, hd, n * c.kvHeads, push);
            ctx.computeBarrier();
        }
        rope(oQ, qDim, c.heads, n, push);
        rope(oK, kvDim, c.kvHeads, n, push);
        ctx.computeBarrier();
        push.putInt(0, oK).putInt(4, oV).putInt(8, kvDim).putInt(12, kvDim).putInt(16, contextLength).putInt(20, startPos);
        ctx.dispatch(ctx.pipeline(kvStoreKernel), kvSets[l], push, groups(kvLanes(), 64), n);
        ctx.computeBarrier();
        push.putInt(0, oQ).putInt(4, qDim).putInt(8, oAtt).putInt(12, hd).putInt(16, c.heads / c.kvHeads)
                .putInt(20, kvDim).putInt(24, contextLength).putInt(28, startPos).putFloat(32, (float) (1.0 / Math.sqrt(hd)));
        ctx.dispatch(ctx.pipeline(attentionKernel), kvSets[l], push, c.heads, n);
        ctx.computeBarrier();
        matVec(y.wo, oAtt, qDim, oXb2, dim, n, push);
        ctx.computeBarrier();
        add(actSet, dim, oXb2, dim, oX, dim, n, push);
        ctx.computeBarrier();
        // feed-forward block (SwiGLU)
        rmsNorm(y.ffnNorm, oX, dim, oXb, dim, n, push);
        ctx.computeBarrier();
        matVec(y.gate, oXb, dim, oHb, hidden, n, push);
        matVec(y.up, oXb, dim, oHb2, hidden, n, push);
        ctx.computeBarrier();
        push.putInt(0, hidden).putInt(4, oHb).putInt(8, oHb2).putInt(12, hidden);
        ctx.dispatch(ctx.pipeline("swiglu"), actSet, push, groups(hidden, 256), n);
        ctx.computeBarrier();
        matVec(y.down, oHb, hidden, oXb2, dim, n, push);
        ctx.computeBarrier();
        add(actSet, dim, oXb2, dim, oX, dim, n, push);
        ctx.computeBarrier();
    }

    /** Final RMSNorm of the batch's last token into xb, then the output projection into the logits buffer. */
    private void recordHead(int n, ByteBuffer push) {
        rmsNorm(w.outputNorm, oX + (n - 1) * c.dim, c.dim, oXb, c.dim, 1, push);
        ctx.computeBarrier();
        backend.recordMatVec(w.output, backend.prepare(w.output),
                ch -> headSets.computeIfAbsent(ch.buffer, g -> sets.set(g, scratch, logitsBuf)), push, oXb, c.dim, 0,
                c.vocabSize, 1);
    }

    @Override
    public boolean computesLogits() { return head; }

    @Override
    public void logits(float[] out) {
        if (!head) throw new UnsupportedOperationException("the output head runs on the CPU");
        synchronized (backend) {
            ensureOpen();
            logitsFloats.get(0, out, 0, c.vocabSize);
        }
    }

    private void matVec(TensorData t, int xOff, int xStride, int yOff, int yStride, int n, ByteBuffer push) {
        backend.recordMatVec(t, backend.prepare(t), ch -> set(ch), push, xOff, xStride, yOff, yStride, n);
    }

    /** RMSNorm of {@code vectors} vectors of {@code weight.length} floats; in place when xOff == yOff. */
    private void rmsNorm(float[] weight, int xOff, int xStride, int yOff, int yStride, int vectors, ByteBuffer push) {
        push.putInt(0, weight.length).putFloat(4, c.rmsEps).putInt(8, xOff).putInt(12, xStride).putInt(16, yOff).putInt(20, yStride);
        for (int v0 = 0; v0 < vectors; v0 += VulkanBackend.MAX_GROUPS) {
            int count = Math.min(VulkanBackend.MAX_GROUPS, vectors - v0);
            push.putInt(8, xOff + v0 * xStride).putInt(16, yOff + v0 * yStride);
            ctx.dispatch(ctx.pipeline("rmsnorm"), set(backend.vector(weight)), push, 1, count);
        }
    }

    private void add(long set, int len, int sOff, int sStride, int dOff, int dStride, int n, ByteBuffer push) {
        push.putInt(0, len).putInt(4, sOff).putInt(8, sStride).putInt(12, dOff).putInt(16, dStride);
        ctx.dispatch(ctx.pipeline("add"), set, push, groups(len, 256), n);
    }

    private void rope(int off, int stride, int heads, int n, ByteBuffer push) {
        push.putInt(0, off).putInt(4, stride).putInt(8, heads).putInt(12, c.headDim).putInt(16, pairs)
                .putInt(20, rope.neox() ? 1 : 0).putInt(24, oCs).putInt(28, 2 * pairs);
        ctx.dispatch(ctx.pipeline("rope"), actSet, push, groups(heads * pairs, 64), n);
    }

    @Override
    public void shiftCache(int keep, int discard, int cached) {
        if (keep < 0 || discard < 1 || keep + discard > cached || cached > contextLength) {
            throw new IllegalArgumentException("bad context shift: keep " + keep + ", discard " + discard + ", cached " + cached);
        }
        synchronized (backend) {
            ensureOpen();
            rope.cosSin(-discard, cosSin, 0);
            ioFloats.put(batch * c.dim, cosSin, 0, 2 * pairs);
            int kvDim = c.kvDim();
            try (MemoryStack st = MemoryStack.stackPush()) {
                ByteBuffer push = st.calloc(VulkanContext.PUSH_BYTES).order(ByteOrder.nativeOrder());
                ctx.begin();
                ctx.copy(io, batch * c.dim * 4L, scratch, oCs * 4L, 2L * pairs * 4);
                ctx.transferToComputeBarrier();
                // chunks of at most `discard` positions: no chunk reads what it writes, and a barrier orders
                // each chunk's writes after the previous chunk's reads of the same positions
                for (int src0 = keep + discard; src0 < cached; src0 += discard) {
                    int count = Math.min(discard, cached - src0);
                    push.putInt(0, kvDim).putInt(4, contextLength).putInt(8, c.headDim).putInt(12, pairs)
                            .putInt(16, rope.neox() ? 1 : 0).putInt(20, src0).putInt(24, discard).putInt(28, oCs);
                    for (int l = 0; l < layers; l++) {
                        ctx.dispatch(ctx.pipeline(kvShiftKernel), kvSets[l], push, groups(kvLanes(), 64), count);
                    }
                    ctx.computeBarrier();
                }
                ctx.submitAndWait();
            }
        }
    }

    /** Threads per position of the store and shift kernels: each writes whole words (kv.glsl). */
    private int kvLanes() {
        return switch (kvType) {
            case F16 -> c.kvDim() / 2;
            case Q8_0 -> (c.kvDim() / 32 + 1) / 2;
            default -> c.kvDim();
        };
    }

    private long set(Chunk ch) {
        return weightSets.computeIfAbsent(ch.buffer, g -> sets.set(g, scratch, scratch));
    }

    private static int groups(int lanes, int wg) {
        return (lanes + wg - 1) / wg;
    }

    private void ensureOpen() {
        backend.ensureOpen();
        if (closed) throw new IllegalStateException("the session's GPU layers are closed");
    }

    @Override
    public void close() {
        synchronized (backend) {
            if (closed) return;
            closed = true;
            sets.close();
            for (GpuBuffer g : kv) ctx.free(g);
            ctx.free(scratch);
            ctx.free(io);
            if (logitsBuf != null) ctx.free(logitsBuf);
            backend.closed(this);
        }
    }
}
