package dev.edgellm.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.edgellm.TestData;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The GGUF files of shared/testdata: every one parses, agrees with an independent Python reading
 * (expected-headers.tsv, made by gen_expected_headers.py next to it) and with the facts of
 * testdata/README.md §1.2, §1.3 and §3.1.
 */
class GgufRealFilesTest {

    static Path testdata() {
        Path t = TestData.testdata();
        assertTrue(Files.isDirectory(t.resolve("models")), "shared test data not found at " + t
                + " (set -Dedgellm.shared=... or EDGELLM_TESTDATA)");
        return t;
    }

    /** One file block of expected-headers.tsv. */
    static final class Expected {
        String[] file;
        final List<String[]> kvs = new ArrayList<>();
        final List<String[]> tensors = new ArrayList<>();

        @Override
        public String toString() { return file[1]; }
    }

    static List<Expected> expected() throws Exception {
        List<Expected> all = new ArrayList<>();
        try (InputStream in = GgufRealFilesTest.class.getResourceAsStream("expected-headers.tsv")) {
            assertNotNull(in, "expected-headers.tsv missing");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("#")) continue;
                String[] f = line.split("\t", -1);
                if (f[0].equals("file")) {
                    all.add(new Expected());
                    all.get(all.size() - 1).file = f;
                } else if (f[0].equals("kv")) {
                    all.get(all.size() - 1).kvs.add(f);
                } else {
                    all.get(all.size() - 1).tensors.add(f);
                }
            }
        }
        return all;
    }

    @Test
    void fixtureCoversEveryGgufInTestdata() throws Exception {
        List<String> onDisk = new ArrayList<>();
        for (String sub : new String[] {"models", "vocab"}) {
            try (Stream<Path> s = Files.list(testdata().resolve(sub))) {
                s.filter(p -> p.toString().endsWith(".gguf")).forEach(p -> onDisk.add(sub + "/" + p.getFileName()));
            }
        }
        List<String> inFixture = new ArrayList<>();
        for (Expected e : expected()) inFixture.add(e.file[1]);
        onDisk.sort(null);
        inFixture.sort(null);
        assertEquals(19, onDisk.size(), "7 models + 12 vocabularies");
        assertEquals(onDisk, inFixture);
    }

    static Stream<Expected> files() throws Exception {
        return expected().stream();
    }

    /** Header, every metadata value (byte-exact) and every tensor's info and mapped bytes. */
    @ParameterizedTest
    @MethodSource("files")
    void matchesIndependentReading(Expected e) throws Exception {
        Path path = testdata().resolve(e.file[1]);
        GgufFile f = GgufReader.read(path);
        assertEquals(path, f.path());
        assertEquals(Long.parseLong(e.file[2]), f.fileSize());
        assertEquals(Integer.parseInt(e.file[3]), f.version());
        assertEquals(Integer.parseInt(e.file[4]), f.metadata().size());
        assertEquals(Integer.parseInt(e.file[5]), f.tensors().size());
        assertEquals(Integer.parseInt(e.file[6]), f.alignment());
        assertEquals(Long.parseLong(e.file[7]), f.dataOffset());

        List<String> keys = new ArrayList<>(f.metadata().keySet());
        for (int i = 0; i < e.kvs.size(); i++) {
            String[] kv = e.kvs.get(i);
            String key = kv[1];
            assertEquals(key, keys.get(i), "key order");
            MetadataValue v = f.get(key);
            assertEquals(Integer.parseInt(kv[2]), v.type().ordinal(), key);
            if (v.isArray()) {
                assertEquals(Integer.parseInt(kv[3]), v.elementType().ordinal(), key);
                assertEquals(Integer.parseInt(kv[4]), v.arrayLength(), key);
            }
            byte[] encoded = GgufTestWriter.encode(v);
            assertEquals(Long.parseLong(kv[5]), encoded.length, key + " size");
            assertEquals(kv[6], sha256(encoded), key + ": value differs from the file's bytes");
        }

        for (int i = 0; i < e.tensors.size(); i++) {
            String[] t = e.tensors.get(i);
            TensorInfo ti = f.tensors().get(i);
            assertEquals(t[1], ti.name());
            assertEquals(Integer.parseInt(t[2]), ti.type().id, ti.name());
            long[] ne = Stream.of(t[3].split(",")).mapToLong(Long::parseLong).toArray();
            assertArrayEquals(ne, ti.shape(), ti.name());
            assertEquals(Long.parseLong(t[4]), ti.offset(), ti.name());
            assertEquals(Long.parseLong(t[5]), ti.byteSize(), ti.name());
            TensorData d = f.map(ti);
            assertEquals(1, d.chunkCount());
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (long r = 0; r < ti.rows(); r++) {
                ByteBuffer row = d.buffer(r).duplicate();
                row.position(d.rowOffset(r)).limit(d.rowOffset(r) + d.rowBytes());
                md.update(row);
            }
            assertEquals(t[6], HexFormat.of().formatHex(md.digest()), ti.name() + ": mapped bytes differ");
        }
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** README §1.2. */
    @Test
    void stories260KFacts() throws Exception {
        GgufFile f = GgufReader.read(TestData.model("stories260K.gguf"));
        assertEquals(3, f.version());
        assertEquals(19, f.metadata().size());
        assertEquals(48, f.tensors().size());
        assertEquals(32, f.alignment());
        assertFalse(f.has("general.alignment"));
        assertEquals(14176, f.dataOffset());
        assertEquals(1_185_376, f.fileSize());

        assertEquals("llama", f.getString("general.architecture", null));
        assertEquals("llama", f.getString("general.name", null));
        assertEquals(5, f.getInt("llama.block_count", 0));
        assertEquals(64, f.getInt("llama.embedding_length", 0));
        assertEquals(172, f.getInt("llama.feed_forward_length", 0));
        assertEquals(8, f.getInt("llama.attention.head_count", 0));
        assertEquals(4, f.getInt("llama.attention.head_count_kv", 0));
        assertEquals(8, f.getInt("llama.rope.dimension_count", 0));
        assertEquals(2048, f.getInt("llama.context_length", 0));
        MetadataValue eps = f.get("llama.attention.layer_norm_rms_epsilon");
        assertEquals(GgufValueType.FLOAT32, eps.type());
        assertEquals(9.999999747378752e-06, eps.asDouble());
        assertEquals("llama", f.getString("tokenizer.ggml.model", null));
        assertEquals(0, f.getLong("tokenizer.ggml.unknown_token_id", -1));
        assertEquals(1, f.getLong("tokenizer.ggml.bos_token_id", -1));
        assertEquals(2, f.getLong("tokenizer.ggml.eos_token_id", -1));
        assertEquals(4294967295L, f.getLong("tokenizer.ggml.seperator_token_id", 0));
        assertEquals(4294967295L, f.getLong("tokenizer.ggml.padding_token_id", 0));
        for (String absent : new String[] {"general.file_type", "tokenizer.ggml.add_bos_token",
                "tokenizer.ggml.add_space_prefix", "llama.rope.freq_base"}) {
            assertFalse(f.has(absent), absent);
        }

        String[] tokens = f.get("tokenizer.ggml.tokens").asStringArray();
        int[] types = f.get("tokenizer.ggml.token_type").asIntArray();
        assertEquals(GgufValueType.INT32, f.get("tokenizer.ggml.token_type").elementType());
        assertEquals(512, tokens.length);
        assertEquals(512, types.length);
        assertEquals(512, f.get("tokenizer.ggml.scores").asFloatArray().length);
        assertEquals("<unk>", tokens[0]);
        assertEquals("<s>", tokens[1]);
        assertEquals("</s>", tokens[2]);
        assertArrayEquals(new int[] {2, 3, 3}, new int[] {types[0], types[1], types[2]});
        for (int b = 0; b < 256; b++) {
            assertEquals(String.format("<0x%02X>", b), tokens[3 + b]);
            assertEquals(6, types[3 + b]);
        }
        for (int i = 259; i < 512; i++) assertEquals(1, types[i], "token " + i);

        assertShape(f, "token_embd.weight", 64, 512);
        assertShape(f, "output_norm.weight", 64);
        assertShape(f, "output.weight", 64, 512);
        for (int l = 0; l < 5; l++) {
            String p = "blk." + l + ".";
            assertShape(f, p + "attn_q.weight", 64, 64);
            assertShape(f, p + "attn_k.weight", 64, 32);
            assertShape(f, p + "attn_v.weight", 64, 32);
            assertShape(f, p + "attn_output.weight", 64, 64);
            assertShape(f, p + "attn_norm.weight", 64);
            assertShape(f, p + "ffn_gate.weight", 64, 172);
            assertShape(f, p + "ffn_up.weight", 64, 172);
            assertShape(f, p + "ffn_down.weight", 172, 64);
            assertShape(f, p + "ffn_norm.weight", 64);
        }
        TensorInfo k = f.tensor("blk.0.attn_k.weight");
        assertEquals(32, k.rows(), "attn_k is 32 rows of 64");
        assertEquals(64 * 4, k.rowBytes());

        // "output.weight ... an explicit copy: its values are identical to token_embd"
        TensorData emb = f.map(f.tensor("token_embd.weight"));
        TensorData out = f.map(f.tensor("output.weight"));
        for (int r = 0; r < 512; r++) {
            for (int c = 0; c < 64; c++) {
                assertEquals(emb.buffer(r).getFloat(emb.rowOffset(r) + 4 * c), out.buffer(r).getFloat(out.rowOffset(r) + 4 * c));
            }
        }
    }

    static void assertShape(GgufFile f, String name, long... shape) {
        TensorInfo t = f.tensor(name);
        assertNotNull(t, name);
        assertArrayEquals(shape, t.shape(), name);
    }

    /** README §1.3: general.file_type and tensor type counts per variant. */
    @ParameterizedTest
    @CsvSource({
            "stories260K.gguf,      -1, F32, 48, F32, 48",
            "stories260K-f16.gguf,   1, F16, 37, F32, 11",
            "stories260K-q8_0.gguf,  7, Q8_0, 32, F32, 16",
            "stories260K-q4_0.gguf,  2, Q4_0, 32, F32, 16",
            "stories260K-q4_1.gguf,  3, Q4_1, 32, F32, 16",
            "stories260K-q5_0.gguf,  8, Q5_0, 32, F32, 16",
            "stories260K-q5_1.gguf,  9, Q5_1, 32, F32, 16",
    })
    void variantTensorTypes(String file, long fileType, GgmlType main, int mainCount, GgmlType other, int otherCount)
            throws Exception {
        GgufFile f = GgufReader.read(TestData.model(file));
        assertEquals(fileType, f.getLong("general.file_type", -1));
        boolean block = main.blockSize == 32;
        assertEquals(block ? 2 : -1, f.getLong("general.quantization_version", -1));
        Map<GgmlType, Integer> counts = new EnumMap<>(GgmlType.class);
        for (TensorInfo t : f.tensors()) counts.merge(t.type(), 1, Integer::sum);
        assertEquals(mainCount, counts.get(main));
        assertEquals(otherCount, counts.get(other));
        assertEquals(48, f.tensors().size());
        for (TensorInfo t : f.tensors()) {
            assertEquals(0, t.offset() % 32, t.name());
            if (t.dims() == 1) assertEquals(GgmlType.F32, t.type(), "norms stay F32: " + t.name());
            if (block && t.name().endsWith("ffn_down.weight")) assertEquals(GgmlType.F32, t.type(), "172 is not a multiple of 32");
        }
    }

    /** README §3.1: vocabularies (tokens, merges, architecture, tokenizer model, pre-tokenizer). */
    @ParameterizedTest
    @CsvSource({
            "baichuan,      baichuan,   llama, ,             64000,      0",
            "bert-bge,      bert,       bert,  bert-bge,     30522,      0",
            "deepseek-llm,  llama,      gpt2,  deepseek-llm, 102400, 99757",
            "falcon,        falcon,     gpt2,  falcon,       65024,  64784",
            "gpt-neox,      gptneox,    gpt2,  ,             50432,  50009",
            "llama-bpe,     llama,      gpt2,  llama-bpe,    128256, 280147",
            "llama-spm,     llama,      llama, default,      32000,      0",
            "mpt,           mpt,        gpt2,  mpt,          50432,  50009",
            "phi-3,         phi3,       llama, default,      32064,      0",
            "qwen2,         qwen2,      gpt2,  qwen2,        151936, 151387",
            "refact,        refact,     gpt2,  refact,       49216,  48891",
            "starcoder,     starcoder2, gpt2,  starcoder,    49152,  48872",
    })
    void vocabularies(String name, String arch, String model, String pre, int tokens, int merges) throws Exception {
        GgufFile f = GgufReader.read(testdata().resolve("vocab/ggml-vocab-" + name + ".gguf"));
        assertTrue(f.tensors().isEmpty(), "vocab-only");
        assertTrue(f.dataOffset() >= f.fileSize(), "the header runs to the end of the file");
        assertEquals(arch, f.getString("general.architecture", null));
        assertEquals(model, f.getString("tokenizer.ggml.model", null));
        assertEquals(pre, f.getString("tokenizer.ggml.pre", null));
        assertEquals(tokens, f.get("tokenizer.ggml.tokens").arrayLength());
        assertEquals(GgufValueType.STRING, f.get("tokenizer.ggml.tokens").elementType());
        if (merges == 0) assertFalse(f.has("tokenizer.ggml.merges"));
        else assertEquals(merges, f.get("tokenizer.ggml.merges").asStringArray().length);
        if (name.equals("llama-bpe")) {
            String[] t = f.get("tokenizer.ggml.tokens").asStringArray();
            assertEquals("<|begin_of_text|>", t[128000]);
            assertEquals("<|eot_id|>", t[128009]);
        }
    }

}
