package dev.edgellm.planner;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF v3 headers with the shapes of the bench presets (../shared/bench/gen_gguf.py) and a sparse data
 * section, so planner tests read real headers without the 500-700 MB files. Tokens are synthetic ("t123").
 */
final class TestHeaders {
    static final int F32 = 0, Q4_0 = 2, Q8_0 = 8;

    /** A preset's shape, as in gen_gguf.py PRESETS. */
    static final class Preset {
        final String name, arch;
        final int layers, dim, ffn, heads, kvHeads, headDim, vocab, ctx;
        final boolean qkvBias, ropeFreqs;

        Preset(String name, String arch, int layers, int dim, int ffn, int heads, int kvHeads, int headDim, int vocab,
               int ctx, boolean qkvBias, boolean ropeFreqs) {
            this.name = name;
            this.arch = arch;
            this.layers = layers;
            this.dim = dim;
            this.ffn = ffn;
            this.heads = heads;
            this.kvHeads = kvHeads;
            this.headDim = headDim;
            this.vocab = vocab;
            this.ctx = ctx;
            this.qkvBias = qkvBias;
            this.ropeFreqs = ropeFreqs;
        }
    }

    static final Preset LLAMA_1B = new Preset("llama-1b", "llama", 16, 2048, 8192, 32, 8, 64, 128256, 131072, false, true);
    static final Preset QWEN2_05B = new Preset("qwen2-0.5b", "qwen2", 24, 896, 4864, 14, 2, 64, 151936, 32768, true, false);
    static final Preset LLAMA_110M = new Preset("llama-110m", "llama", 12, 768, 2048, 12, 12, 64, 32000, 1024, false, false);

    private final Map<String, Object> kv = new LinkedHashMap<>();
    private final List<Object[]> tensors = new ArrayList<>(); // name, long[] shape, type

    TestHeaders put(String key, Object value) {
        kv.put(key, value);
        return this;
    }

    TestHeaders tensor(String name, int type, long... shape) {
        tensors.add(new Object[] {name, shape, type});
        return this;
    }

    /** Metadata and tensor table of a preset with matrices of {@code type} (1-D tensors F32, tied output). */
    static TestHeaders preset(Preset p, int type) {
        TestHeaders h = new TestHeaders();
        String a = p.arch + ".";
        h.put("general.architecture", p.arch).put(a + "block_count", p.layers).put(a + "embedding_length", p.dim)
                .put(a + "feed_forward_length", p.ffn).put(a + "attention.head_count", p.heads)
                .put(a + "attention.head_count_kv", p.kvHeads).put(a + "context_length", p.ctx)
                .put(a + "rope.dimension_count", p.headDim).put(a + "attention.layer_norm_rms_epsilon", 1e-5f);
        String[] tokens = new String[p.vocab];
        for (int i = 0; i < tokens.length; i++) tokens[i] = "t" + i;
        h.put("tokenizer.ggml.model", "gpt2").put("tokenizer.ggml.tokens", tokens);
        int q = p.heads * p.headDim, kvd = p.kvHeads * p.headDim;
        h.tensor("token_embd.weight", type, p.dim, p.vocab).tensor("output_norm.weight", F32, p.dim);
        if (p.ropeFreqs) h.tensor("rope_freqs.weight", F32, p.headDim / 2);
        for (int i = 0; i < p.layers; i++) {
            String b = "blk." + i + ".";
            h.tensor(b + "attn_norm.weight", F32, p.dim).tensor(b + "attn_q.weight", type, p.dim, q)
                    .tensor(b + "attn_k.weight", type, p.dim, kvd).tensor(b + "attn_v.weight", type, p.dim, kvd)
                    .tensor(b + "attn_output.weight", type, q, p.dim);
            if (p.qkvBias) {
                h.tensor(b + "attn_q.bias", F32, q).tensor(b + "attn_k.bias", F32, kvd).tensor(b + "attn_v.bias", F32, kvd);
            }
            h.tensor(b + "ffn_norm.weight", F32, p.dim).tensor(b + "ffn_gate.weight", type, p.dim, p.ffn)
                    .tensor(b + "ffn_up.weight", type, p.dim, p.ffn).tensor(b + "ffn_down.weight", type, p.ffn, p.dim);
        }
        return h;
    }

    static long bytesOf(int type, long elements) {
        switch (type) {
            case F32: return elements * 4;
            case Q4_0: return elements / 32 * 18;
            case Q8_0: return elements / 32 * 34;
            default: throw new IllegalArgumentException("type " + type);
        }
    }

    /** Writes the header and extends the file sparsely to cover every tensor's data. */
    Path write(Path file) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        u32(out, 0x46554747);
        u32(out, 3);
        u64(out, tensors.size());
        u64(out, kv.size());
        for (Map.Entry<String, Object> e : kv.entrySet()) {
            str(out, e.getKey());
            Object v = e.getValue();
            if (v instanceof String) {
                u32(out, 8);
                str(out, (String) v);
            } else if (v instanceof Integer) {
                u32(out, 4);
                u32(out, (Integer) v);
            } else if (v instanceof Float) {
                u32(out, 6);
                u32(out, Float.floatToIntBits((Float) v));
            } else if (v instanceof String[]) {
                u32(out, 9);
                u32(out, 8);
                u64(out, ((String[]) v).length);
                for (String s : (String[]) v) str(out, s);
            } else {
                throw new IllegalArgumentException(e.getKey() + ": " + v);
            }
        }
        long offset = 0;
        for (Object[] t : tensors) {
            long[] shape = (long[]) t[1];
            str(out, (String) t[0]);
            u32(out, shape.length);
            long n = 1;
            for (long d : shape) {
                u64(out, d);
                n *= d;
            }
            u32(out, (Integer) t[2]);
            u64(out, offset);
            offset = align(offset + bytesOf((Integer) t[2], n));
        }
        long dataStart = align(out.size());
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(0);
            f.write(out.toByteArray());
            f.setLength(dataStart + offset); // sparse: no blocks are written for the data
        }
        return file;
    }

    private static long align(long x) { return (x + 31) / 32 * 32; }

    private static void u32(ByteArrayOutputStream o, int v) {
        o.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    private static void u64(ByteArrayOutputStream o, long v) {
        o.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    private static void str(ByteArrayOutputStream o, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(o, b.length);
        o.writeBytes(b);
    }
}
