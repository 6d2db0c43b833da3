package dev.edgellm.tokenizer;

import dev.edgellm.TestData;
import dev.edgellm.gguf.GgufFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Byte-level BPE on the qwen2 and llama-bpe vocabularies; expected ids are llama.cpp's (common_tokenize). */
class BpeTokenizerTest {
    static Tokenizer qwen2;
    static Tokenizer llama3;

    @BeforeAll
    static void load() throws Exception {
        qwen2 = open("ggml-vocab-qwen2.gguf");
        llama3 = open("ggml-vocab-llama-bpe.gguf");
    }

    static Tokenizer open(String name) throws Exception {
        Path p = TestData.testdata().resolve("vocab").resolve(name);
        assumeTrue(Files.exists(p), name + " not found at " + p);
        return Tokenizer.fromGguf(GgufFile.open(p));
    }

    @Test
    void specialTokenTextIsParsedOnlyWhenAsked() {
        String chat = "<|im_start|>user\nhi<|im_end|>";
        assertArrayEquals(new int[] {151644, 872, 198, 6023, 151645}, qwen2.encode(chat, false, true));
        assertArrayEquals(new int[] {27, 91, 318, 4906, 91, 29, 872, 198, 6023, 27, 91, 318, 6213, 91, 29},
                qwen2.encode(chat, false, false));
        assertArrayEquals(new int[] {128000, 13347, 128009}, llama3.encode("<|begin_of_text|>Hi<|eot_id|>", false, true));
    }

    @Test
    void userDefinedTokensAreMatchedEvenWithoutParseSpecial() {
        assertArrayEquals(new int[] {64, 151646, 65}, qwen2.encode("a[PAD151646]b", false, false));
        assertArrayEquals(new int[] {64, 151646, 65}, qwen2.encode("a[PAD151646]b", false, true));
    }

    @Test
    void addSpecialFollowsTheVocabularyFlags() {
        assertArrayEquals(new int[] {9707, 1879}, qwen2.encode("Hello world", true, false), "qwen2 adds no BOS");
        assertArrayEquals(new int[] {128000, 9906, 1917}, llama3.encode("Hello world", true, false), "llama3 adds BOS");
        assertArrayEquals(new int[] {9906, 1917}, llama3.encode("Hello world", false, false));
    }

    @Test
    void vocabularies() {
        assertInstanceOf(BpeTokenizer.class, qwen2);
        Vocabulary q = qwen2.vocabulary();
        assertEquals("gpt2", q.model());
        assertEquals("qwen2", q.pre());
        assertEquals(151936, q.size());
        assertEquals(151643, q.eosId());
        assertEquals(151645, q.eotId(), "no eot key: inferred from <|im_end|>");
        assertTrue(q.isEndOfGeneration(151643) && q.isEndOfGeneration(151645));
        assertTrue(q.isControl(151644));
        assertTrue(q.isUserDefined(151646));
        assertFalse(q.addBos());
        assertEquals(151387, ((BpeTokenizer) qwen2).mergeCount());
        Vocabulary l = llama3.vocabulary();
        assertEquals(128000, l.bosId());
        assertEquals(128001, l.eosId());
        assertEquals(128009, l.eotId(), "inferred from <|eot_id|>");
        assertTrue(l.addBos(), "llama-bpe pre-tokenizer implies add_bos");
    }

    @Test
    void digitsAreGroupedAsEachPreTokenizerSays() {
        assertArrayEquals(new int[] {4513, 10961, 2495}, llama3.encode("12345678", false, false), "llama3: \\p{N}{1,3}");
        assertArrayEquals(new int[] {16, 17, 18, 19, 20, 21, 22, 23}, qwen2.encode("12345678", false, false), "qwen2: \\p{N}");
    }

    @Test
    void tokenBytesUndoTheByteToUnicodeMapping() {
        assertEquals("Ġworld", qwen2.vocabulary().token(1879));
        assertEquals(" world", new String(qwen2.tokenBytes(1879), StandardCharsets.UTF_8));
        assertArrayEquals(new byte[] {'\n'}, qwen2.tokenBytes(198), "Ċ is the newline byte");
        assertArrayEquals(new byte[0], qwen2.tokenBytes(151644));
        assertEquals("<|im_start|>", new String(qwen2.tokenBytes(151644, true), StandardCharsets.UTF_8));
        assertEquals("[PAD151646]", new String(qwen2.tokenBytes(151646), StandardCharsets.UTF_8), "user-defined: its text");
    }

    @Test
    void decodeAndDetokenize() {
        int[] ids = llama3.encode("Hello , world !", true, false);
        assertArrayEquals(new int[] {128000, 9906, 1174, 1917, 758}, ids);
        assertEquals("Hello , world !", llama3.decode(ids), "decode keeps every space");
        assertEquals("Hello, world!", llama3.detokenize(ids, true, false), "llama3 cleans spaces like llama.cpp");
        assertEquals("<|begin_of_text|>Hello, world!", llama3.detokenize(ids, false, true));
        int[] q = qwen2.encode("Hello , world !", false, false);
        assertEquals("Hello , world !", qwen2.detokenize(q, false, false), "qwen2 does not clean spaces");
    }

    @Test
    void streamingAMultiByteCharacterSplitAcrossTokens() {
        // "的" is one token in qwen2, but a rare CJK character splits into byte tokens
        int[] ids = qwen2.encode("\u9FA5x", false, false);
        assertTrue(ids.length >= 2, "expected byte-level pieces");
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(d.feed(qwen2, id));
        assertEquals("\u9FA5x", sb.append(d.flush()).toString());
    }

    @Test
    void loadAndEncodeAreFast() throws Exception {
        Path p = TestData.testdata().resolve("vocab").resolve("ggml-vocab-qwen2.gguf");
        long t0 = System.nanoTime();
        Tokenizer t = Tokenizer.fromGguf(GgufFile.open(p));
        long loadMs = (System.nanoTime() - t0) / 1_000_000;
        String text = new String(Files.readAllBytes(TestData.testdata().resolve("README.md")), StandardCharsets.UTF_8)
                .substring(0, 4096);
        long best = Long.MAX_VALUE;
        int n = 0;
        for (int i = 0; i < 5; i++) {
            long s = System.nanoTime();
            n = t.encode(text, false, true).length;
            best = Math.min(best, System.nanoTime() - s);
        }
        System.err.printf("qwen2: open+build %d ms (151936 tokens, 151387 merges); 4 KB -> %d tokens in %.1f ms%n",
                loadMs, n, best / 1e6);
        assertEquals(text, t.decode(t.encode(text, false, false)));
        // generous bounds: shared CI machines are slow; typical is ~0.3 s and a few ms
        assertTrue(loadMs < 5000, "loading took " + loadMs + " ms");
        assertTrue(best < 500_000_000L, "encoding 4 KB took " + best / 1e6 + " ms");
    }
}
