package dev.edgellm.gguf;

import dev.edgellm.ModelFormatException;
import dev.edgellm.model.LlamaWeights;
import dev.edgellm.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resource limits past the GGUF header (issue 8, item 5): model dimensions come from metadata a stranger
 * wrote, and the forward pass sizes its buffers from them. They are range-checked in {@link ModelConfig}
 * and must agree with the tensors' shapes (whose bytes the file really holds) before anything is sized
 * from them, so a tiny file cannot make us allocate gigabytes. (The header's own counts, lengths and
 * nesting are bounded in GgufReader and tested in GgufCorruptionTest.)
 */
class HostileModelMetadataTest {
    @TempDir
    Path dir;

    private GgufTestWriter llama(long dim) {
        return new GgufTestWriter()
                .kv("general.architecture", GgufValueType.STRING, "llama")
                .kv("llama.embedding_length", GgufValueType.UINT32, dim)
                .kv("llama.block_count", GgufValueType.UINT32, 1L)
                .kv("llama.feed_forward_length", GgufValueType.UINT32, 128L)
                .kv("llama.attention.head_count", GgufValueType.UINT32, 4L)
                .kv("llama.vocab_size", GgufValueType.UINT32, 100L);
    }

    @Test
    void dimensionsBeyondAnyRealModelAreRefusedByName() throws Exception {
        Path f = llama(1L << 30).write(dir.resolve("huge-dim.gguf"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelConfig.from(GgufFile.open(f)));
        assertEquals("llama.embedding_length", e.field());
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());

        Path zeroHeads = llama(64).kv("llama.attention.head_count_kv", GgufValueType.UINT32, 0L).write(dir.resolve("zero-kv.gguf"));
        e = assertThrows(ModelFormatException.class, () -> ModelConfig.from(GgufFile.open(zeroHeads)));
        assertEquals("llama.attention.head_count_kv", e.field());
    }

    @Test
    void inRangeDimensionsThatTheTensorsDoNotBackAreRefusedBeforeAllocation() throws Exception {
        // 2^20-wide embeddings declared, a 64 x 100 embedding table stored: a 26 KB file
        Path f = llama(1L << 20)
                .tensor("token_embd.weight", GgmlType.F32, new long[] {64, 100}, new byte[64 * 100 * 4])
                .write(dir.resolve("unbacked.gguf"));
        assertTrue(Files.size(f) < 64 << 10);
        GgufFile g = GgufFile.open(f);
        ModelConfig c = ModelConfig.from(g);
        assertEquals(1 << 20, c.dim);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> LlamaWeights.load(g, c));
        assertEquals("token_embd.weight", e.field());
        assertTrue(e.getMessage().contains("does not match the model's"), e.getMessage());
    }
}
