package dev.edgellm.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.edgellm.ModelFormatException;
import dev.edgellm.model.ModelConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@link ModelConfig} reads linear RoPE scaling, which must be llama.cpp's reading (llama-model.cpp,
 * load_hparams): {@code rope.scaling.type} defaults to linear when absent, the factor is {@code rope.scaling.factor},
 * else the legacy {@code rope.scale_linear}, and 0 or absent means none. (In this package for GgufTestWriter; the
 * forward pass itself is compared with llama.cpp on such files by the tests module's LlamaCppArchParityTest.)
 */
class ModelConfigRopeScalingTest {
    @TempDir
    Path dir;

    private float freqScale(Object... kvs) throws Exception {
        GgufTestWriter w = new GgufTestWriter()
                .kv("general.architecture", GgufValueType.STRING, "llama")
                .kv("llama.embedding_length", GgufValueType.UINT32, 64L)
                .kv("llama.block_count", GgufValueType.UINT32, 1L)
                .kv("llama.feed_forward_length", GgufValueType.UINT32, 128L)
                .kv("llama.attention.head_count", GgufValueType.UINT32, 4L)
                .kv("llama.vocab_size", GgufValueType.UINT32, 100L);
        for (int i = 0; i < kvs.length; i += 2) {
            Object v = kvs[i + 1];
            w.kv("llama." + kvs[i], v instanceof String ? GgufValueType.STRING : GgufValueType.FLOAT32, v);
        }
        Path f = w.write(dir.resolve("m" + System.nanoTime() + ".gguf"));
        return ModelConfig.from(GgufFile.open(f)).ropeFreqScale;
    }

    @Test
    void linearScalingAsLlamaCppReadsIt() throws Exception {
        assertEquals(1f, freqScale());
        assertEquals(0.25f, freqScale("rope.scaling.type", "linear", "rope.scaling.factor", 4f));
        // no type: linear, as in llama.cpp
        assertEquals(0.25f, freqScale("rope.scaling.factor", 4f));
        assertEquals(0.25f, freqScale("rope.scale_linear", 4f));
        assertEquals(0.5f, freqScale("rope.scaling.type", "linear", "rope.scale_linear", 2f));
        // the new key wins over the legacy one, even when 0 (= no scaling)
        assertEquals(0.25f, freqScale("rope.scaling.factor", 4f, "rope.scale_linear", 2f));
        assertEquals(1f, freqScale("rope.scaling.factor", 0f, "rope.scale_linear", 2f));
        assertEquals(1f, freqScale("rope.scaling.type", "linear"));
        // type none: never scaled
        assertEquals(1f, freqScale("rope.scaling.type", "none", "rope.scaling.factor", 4f));
        assertEquals(1f, freqScale("rope.scaling.type", "none", "rope.scale_linear", 4f));
        assertThrows(ModelFormatException.class, () -> freqScale("rope.scaling.factor", -2f));
        assertThrows(ModelFormatException.class, () -> freqScale("rope.scaling.type", "yarn", "rope.scaling.factor", 4f));
    }
}
