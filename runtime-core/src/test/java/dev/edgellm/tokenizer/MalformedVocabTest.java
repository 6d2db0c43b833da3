package dev.edgellm.tokenizer;

import dev.edgellm.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A broken vocabulary fails at load with a ModelFormatException that names the offending key. */
class MalformedVocabTest {
    @TempDir
    Path dir;

    private static final String[] SPM_TOKENS = {"<unk>", "<s>", "</s>", "\u2581", "a", "b"};
    private static final float[] SPM_SCORES = {0, 0, 0, -1, -2, -3};
    private static final String[] BPE_TOKENS = {"a", "b", "ab"};

    private ModelFormatException fails(TestGguf g, String key, String... fragments) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.fromGguf(g.open(dir, "bad")));
        assertEquals(key, e.field(), e.getMessage());
        assertTrue(e.getMessage().contains(key), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        return e;
    }

    @Test
    void missingTokens() {
        fails(TestGguf.spm(SPM_TOKENS, SPM_SCORES).remove("tokenizer.ggml.tokens"), "tokenizer.ggml.tokens", "missing");
    }

    @Test
    void tokensOfTheWrongType() {
        fails(TestGguf.spm(SPM_TOKENS, SPM_SCORES).put("tokenizer.ggml.tokens", new int[] {1, 2}),
                "tokenizer.ggml.tokens", "array of strings");
    }

    @Test
    void scoresLengthMismatch() {
        fails(TestGguf.spm(SPM_TOKENS, new float[] {0, 0, 0}), "tokenizer.ggml.scores", "3 entries", "has 6");
        fails(TestGguf.spm(SPM_TOKENS, new float[7]), "tokenizer.ggml.scores", "7 entries");
    }

    @Test
    void tokenTypeLengthMismatch() {
        fails(TestGguf.spm(SPM_TOKENS, SPM_SCORES).put("tokenizer.ggml.token_type", new int[] {2, 3, 3}),
                "tokenizer.ggml.token_type", "3 entries");
    }

    @Test
    void duplicateTokens() {
        fails(TestGguf.spm(new String[] {"<unk>", "<s>", "</s>", "a", "a"}, new float[5]), "tokenizer.ggml.tokens",
                "duplicate", "3 and 4");
    }

    @Test
    void missingModel() {
        fails(TestGguf.spm(SPM_TOKENS, SPM_SCORES).remove("tokenizer.ggml.model"), "tokenizer.ggml.model", "missing");
    }

    @Test
    void unsupportedModelListsTheSupportedOnes() {
        fails(TestGguf.spm(SPM_TOKENS, SPM_SCORES).put("tokenizer.ggml.model", "rwkv"), "tokenizer.ggml.model",
                "'rwkv'", "\"llama\"", "\"gpt2\"", "\"bert\"");
    }

    @Test
    void mergeReferencingAnUnknownToken() {
        fails(TestGguf.bpe(BPE_TOKENS, new String[] {"a b", "ab x"}), "tokenizer.ggml.merges[1]", "'x'", "not in");
    }

    @Test
    void mergeWithoutSeparator() {
        fails(TestGguf.bpe(BPE_TOKENS, new String[] {"ab"}), "tokenizer.ggml.merges[0]", "'ab'");
    }

    @Test
    void bpeWithoutMerges() {
        fails(TestGguf.bpe(BPE_TOKENS, new String[0]).remove("tokenizer.ggml.merges"), "tokenizer.ggml.merges", "missing");
    }

    @Test
    void unsupportedPreTokenizer() {
        fails(TestGguf.bpe(BPE_TOKENS, new String[] {"a b"}).put("tokenizer.ggml.pre", "klingon"), "tokenizer.ggml.pre",
                "'klingon'", "llama-bpe");
    }

    @Test
    void specialIdOfTheWrongType() {
        fails(TestGguf.spm(SPM_TOKENS, SPM_SCORES).put("tokenizer.ggml.bos_token_id", "1"),
                "tokenizer.ggml.bos_token_id", "integer");
    }

    @Test
    void addBosWithoutABosToken() {
        fails(TestGguf.spm(SPM_TOKENS, SPM_SCORES).put("tokenizer.ggml.bos_token_id", -1L), "tokenizer.ggml.add_bos_token",
                "bos_token_id");
    }

    @Test
    void minusOneAndU32MaxMeanNone() throws Exception {
        Vocabulary v = Tokenizer.fromGguf(TestGguf.spm(SPM_TOKENS, SPM_SCORES).put("tokenizer.ggml.bos_token_id", -1L)
                .put("tokenizer.ggml.eos_token_id", 0xFFFFFFFFL).put("tokenizer.ggml.add_bos_token", false)
                .open(dir, "none")).vocabulary();
        assertEquals(Vocabulary.NONE, v.bosId());
        assertEquals(Vocabulary.NONE, v.eosId());
        assertEquals(0, v.unkId());
    }

    @Test
    void outOfRangeIdKeepsTheDefault() throws Exception {
        Tokenizer t = Tokenizer.fromGguf(TestGguf.spm(SPM_TOKENS, SPM_SCORES).put("tokenizer.ggml.bos_token_id", 99L)
                .open(dir, "range"));
        assertEquals(1, t.vocabulary().bosId(), "llama.cpp warns and keeps its default");
        assertArrayEquals(new int[] {1, 3, 4}, t.encode("a", true, false));
    }
}
