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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** SentencePiece on stories260K (testdata/README.md §1.2, §2.1: the prompt ids of the reference outputs). */
class SpmTokenizerTest {
    static Tokenizer tok;
    static Vocabulary vocab;

    @BeforeAll
    static void load() throws Exception {
        Path model = TestData.testdata().resolve("models").resolve("stories260K.gguf");
        assumeTrue(Files.exists(model), "stories260K.gguf not found at " + model);
        tok = Tokenizer.fromGguf(GgufFile.open(model));
        vocab = tok.vocabulary();
    }

    @Test
    void referencePromptIds() {
        assertInstanceOf(SpmTokenizer.class, tok);
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, tok.encode("Once upon a time", true, false));
        assertArrayEquals(new int[] {1, 291, 376, 400, 428}, tok.encode("The little dog", true, false));
        assertArrayEquals(new int[] {1}, tok.encode("", true, false));
        assertArrayEquals(new int[0], tok.encode("", false, false));
        assertArrayEquals(new int[] {403, 407, 261, 378}, tok.encode("Once upon a time", false, false));
    }

    @Test
    void vocabularyFromMetadata() {
        assertEquals("llama", vocab.model());
        assertEquals(512, vocab.size());
        assertEquals(1, vocab.bosId());
        assertEquals(2, vocab.eosId());
        assertEquals(0, vocab.unkId());
        assertEquals(Vocabulary.NONE, vocab.sepId(), "4294967295 means none");
        assertEquals(Vocabulary.NONE, vocab.padId(), "4294967295 means none");
        assertEquals(Vocabulary.NONE, vocab.eotId());
        assertTrue(vocab.addBos() && vocab.addSpacePrefix() && !vocab.addEos(), "absent keys take llama.cpp's SPM defaults");
        assertEquals(TokenType.UNKNOWN, vocab.tokenType(0));
        assertEquals(TokenType.CONTROL, vocab.tokenType(1));
        assertEquals(TokenType.BYTE, vocab.tokenType(3));
        assertEquals(TokenType.NORMAL, vocab.tokenType(403));
        assertEquals("\u2581Once", vocab.token(403));
        assertEquals(403, vocab.id("\u2581Once"));
        assertEquals(Vocabulary.NONE, vocab.id("no such token"));
        assertTrue(vocab.isEndOfGeneration(2));
        assertFalse(vocab.isEndOfGeneration(1));
    }

    @Test
    void tokenBytes() {
        assertEquals(" Once", new String(tok.tokenBytes(403), StandardCharsets.UTF_8), "▁ is a space");
        assertArrayEquals(new byte[] {0x0A}, tok.tokenBytes(3 + 0x0A), "<0x0A> is the byte 0x0A");
        assertArrayEquals(new byte[] {(byte) 0xF0}, tok.tokenBytes(3 + 0xF0));
        assertArrayEquals(new byte[0], tok.tokenBytes(1), "control tokens render as nothing");
        assertArrayEquals(new byte[0], tok.tokenBytes(0), "the unknown token renders as nothing");
        assertEquals("<s>", new String(tok.tokenBytes(1, true), StandardCharsets.UTF_8));
        assertThrows(IndexOutOfBoundsException.class, () -> tok.tokenBytes(512));
        assertThrows(IndexOutOfBoundsException.class, () -> tok.tokenBytes(-1));
    }

    @Test
    void byteFallbackForCharactersOutsideTheVocabulary() {
        // from llama.cpp: "😀" is not a piece, so its four UTF-8 bytes become <0xF0> <0x9F> <0x98> <0x80>
        assertArrayEquals(new int[] {1, 410, 243, 162, 155, 131}, tok.encode("😀", true, false));
        assertArrayEquals(new int[] {346, 306, 414, 432, 263, 304, 341, 443, 410, 472, 426, 475, 484, 475, 480, 483,
                410, 243, 162, 155, 131}, tok.encode("Hello, world! 3.14159 😀", false, false));
    }

    @Test
    void specialTokenText() {
        // ids from llama.cpp (common_tokenize, add_special false)
        assertArrayEquals(new int[] {1, 320, 417, 2}, tok.encode("<s>Hi</s>", false, true),
                "parsed: text after a special token gets the space prefix again");
        assertArrayEquals(new int[] {410, 504, 419, 505, 440, 417, 504, 492, 419, 505}, tok.encode("<s>Hi</s>", false, false));
    }

    @Test
    void decodeRoundTrips() {
        for (String s : new String[] {"Once upon a time", "The little dog", "", " leading space", "two  spaces",
                "tab\tand\nnewline", "😀 emoji é ü", "<s> looks special"}) {
            assertEquals(s, tok.decode(tok.encode(s, false, false)), s);
            assertEquals(s, tok.decode(tok.encode(s, true, false)), s + " (with BOS)");
        }
        assertEquals("Once upon a time", tok.decode(new int[] {1, 403, 407, 261, 378}));
        assertEquals(" Once upon a time", tok.detokenize(new int[] {1, 403, 407, 261, 378}, true, false),
                "llama.cpp's detokenize keeps the space after a removed BOS");
        assertEquals("Once upon a time", tok.detokenize(new int[] {403, 407, 261, 378}, false, false));
        assertEquals("<s> Once", tok.detokenize(new int[] {1, 403}, false, true));
    }

    @Test
    void streamingDecodeOfByteTokens() {
        Utf8StreamDecoder dec = new Utf8StreamDecoder();
        StringBuilder text = new StringBuilder();
        int[] ids = tok.encode("a 😀", false, false);
        for (int i = 0; i < ids.length; i++) {
            String piece = dec.feed(tok, ids[i]);
            if (vocab.isByte(ids[i]) && i < ids.length - 1) assertEquals("", piece, "half an emoji must not be emitted");
            text.append(piece);
        }
        text.append(dec.flush());
        assertEquals(" a 😀", text.toString());
    }
}
