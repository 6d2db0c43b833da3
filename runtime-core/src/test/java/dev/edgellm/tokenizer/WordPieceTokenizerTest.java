package dev.edgellm.tokenizer;

import dev.edgellm.TestData;
import dev.edgellm.gguf.GgufFile;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** WordPiece on bert-bge; expected ids are llama.cpp's. */
class WordPieceTokenizerTest {
    @Test
    void bertBge() throws Exception {
        Path p = TestData.testdata().resolve("vocab").resolve("ggml-vocab-bert-bge.gguf");
        assumeTrue(Files.exists(p), "bert-bge vocabulary not found at " + p);
        Tokenizer t = Tokenizer.fromGguf(GgufFile.open(p));
        assertInstanceOf(WordPieceTokenizer.class, t);
        assertArrayEquals(new int[] {101, 7592, 2088, 102}, t.encode("Hello world", true, false), "[CLS] ... [SEP]");
        assertArrayEquals(new int[] {7592, 1010, 2088, 999, 1017, 1012, 15471, 28154, 100},
                t.encode("Hello, world! 3.14159 \uD83D\uDE00", false, false), "an emoji is [UNK]");
        assertArrayEquals(new int[] {1041}, t.encode("\u00E9", false, false), "accents are stripped");
        assertEquals(" hello world", t.decode(t.encode("Hello world", true, false)));
        assertEquals("hello world", t.detokenize(t.encode("Hello world", true, false), true, false).trim());
    }
}
