package dev.edgellm.tokenizer;

import dev.edgellm.gguf.GgufFile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes small metadata-only GGUF v3 files for tokenizer tests (gguf.md: header, key/values, no tensors). */
final class TestGguf {
    private static final int UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7, STRING = 8, ARRAY = 9, INT64 = 11;

    private final Map<String, Object> kv = new LinkedHashMap<>();

    /** Values: String, Integer (int32), Long (uint32 when in range, for token ids), Boolean, float[], int[], String[]. */
    TestGguf put(String key, Object value) {
        kv.put(key, value);
        return this;
    }

    TestGguf remove(String key) {
        kv.remove(key);
        return this;
    }

    /** A SentencePiece-style vocabulary: <unk> is UNKNOWN, <s> and </s> CONTROL, <0xXX> BYTE, the rest NORMAL. */
    static TestGguf spm(String[] tokens, float[] scores) {
        int[] types = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            String t = tokens[i];
            types[i] = t.equals("<unk>") ? 2 : t.equals("<s>") || t.equals("</s>") ? 3 : t.matches("<0x[0-9A-F]{2}>") ? 6 : 1;
        }
        return new TestGguf().put("tokenizer.ggml.model", "llama").put("tokenizer.ggml.tokens", tokens)
                .put("tokenizer.ggml.scores", scores).put("tokenizer.ggml.token_type", types)
                .put("tokenizer.ggml.bos_token_id", 1L)
                .put("tokenizer.ggml.eos_token_id", 2L).put("tokenizer.ggml.unknown_token_id", 0L);
    }

    /** A byte-level BPE vocabulary with the given merges. */
    static TestGguf bpe(String[] tokens, String[] merges) {
        return new TestGguf().put("tokenizer.ggml.model", "gpt2").put("tokenizer.ggml.pre", "gpt-2")
                .put("tokenizer.ggml.tokens", tokens).put("tokenizer.ggml.merges", merges)
                .put("tokenizer.ggml.bos_token_id", 0L).put("tokenizer.ggml.eos_token_id", 0L);
    }

    GgufFile open(Path dir, String name) throws IOException {
        Path p = dir.resolve(name + ".gguf");
        Files.write(p, bytes());
        return GgufFile.open(p);
    }

    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        u32(out, 3);
        u64(out, 0); // tensors
        u64(out, kv.size());
        for (Map.Entry<String, Object> e : kv.entrySet()) {
            str(out, e.getKey());
            value(out, e.getValue());
        }
        return out.toByteArray();
    }

    private static void value(ByteArrayOutputStream out, Object v) {
        if (v instanceof String) {
            u32(out, STRING);
            str(out, (String) v);
        } else if (v instanceof Integer) {
            u32(out, INT32);
            u32(out, (Integer) v);
        } else if (v instanceof Long) {
            long l = (Long) v;
            if (l >= 0 && l <= 0xFFFFFFFFL) {
                u32(out, UINT32);
                u32(out, (int) l);
            } else {
                u32(out, INT64);
                u64(out, l);
            }
        } else if (v instanceof Boolean) {
            u32(out, BOOL);
            out.write((Boolean) v ? 1 : 0);
        } else if (v instanceof float[]) {
            float[] a = (float[]) v;
            arrayHeader(out, FLOAT32, a.length);
            for (float f : a) u32(out, Float.floatToIntBits(f));
        } else if (v instanceof int[]) {
            int[] a = (int[]) v;
            arrayHeader(out, INT32, a.length);
            for (int i : a) u32(out, i);
        } else if (v instanceof String[]) {
            String[] a = (String[]) v;
            arrayHeader(out, STRING, a.length);
            for (String s : a) str(out, s);
        } else {
            throw new IllegalArgumentException("unsupported value " + v);
        }
    }

    private static void arrayHeader(ByteArrayOutputStream out, int elementType, int n) {
        u32(out, ARRAY);
        u32(out, elementType);
        u64(out, n);
    }

    private static void str(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(out, b.length);
        out.writeBytes(b);
    }

    private static void u32(ByteArrayOutputStream out, int v) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    private static void u64(ByteArrayOutputStream out, long v) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }
}
