package dev.edgellm.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreTokenizerTest {
    private static List<String> split(String pre, String text) {
        return PreTokenizer.forName(pre).split(text);
    }

    @Test
    void llama3() {
        assertEquals(Arrays.asList("Hello", " world", " ", "123", "45", " don", "'t", " ", " x", "\n\n", "y"),
                split("llama-bpe", "Hello world 12345 don't  x\n\ny"));
        assertEquals(Arrays.asList("I", "'M", " fine", "!!!\n"), split("llama3", "I'M fine!!!\n"),
                "contractions match either case; punctuation takes the newlines after it");
        assertEquals(Arrays.asList("a", "\u3000b"), split("llama3", "a\u3000b"), "U+3000 is \\s but not \\p{L}");
    }

    @Test
    void qwen2SplitsEveryDigit() {
        assertEquals(Arrays.asList("x", "1", "2", "3", "4", "5"), split("qwen2", "x12345"));
    }

    @Test
    void gpt2StyleExpressions() {
        assertEquals(Arrays.asList("Hello", " world", "'s", " ", " 42", "!"), split("gpt-2", "Hello world's  42!"));
        assertEquals(Arrays.asList("1", "2", "3", " abc"), split("starcoder", "123 abc"), "starcoder: digits first");
        // falcon: punctuation runs first, then GPT-2 (" 1234"), then three ASCII digits, whatever precedes them
        assertEquals(Arrays.asList("a", "...", " ", "123", "4"), split("falcon", "a... 1234"));
    }

    @Test
    void deepseekRunsWithoutUnicodeClassesSeeNonAsciiWhitespaceAsU000B() {
        // "\u3000" is inside deepseek-llm's punctuation range, but llama.cpp's std::wregex path turns it into
        // U+000B first, so it is only ever matched by \s
        assertEquals(Arrays.asList("a", "\n", "\u3000b"), split("deepseek-llm", "a\n\u3000b"));
        assertEquals(Arrays.asList("\u4F60\u597D", " world"), split("deepseek-llm", "\u4F60\u597D world"));
    }

    @Test
    void deepseekV3UsesSymbolAndMarkClasses() {
        assertEquals(Arrays.asList("x", " ~", "y"), split("deepseek-v3", "x ~y"), "'~' is an ASCII \\p{S}");
        assertEquals(Arrays.asList("123", "4", "\u65E5\u672C", " caf\u00E9"), split("deepseek-v3", "1234\u65E5\u672C caf\u00E9"));
    }

    @Test
    void piecesAlwaysConcatenateToTheInput() {
        Random r = new Random(7);
        String alphabet = "aZ9 \t\n\r'.,!?-_\u00E9\u00DF\u4E2D\u6587\u0410\u044F\u0301\u3000\u00A0\u2028\uD83D\uDE00\u200D"
                + "\uFF11\u00BD\u0663";
        for (String pre : PreTokenizer.supportedNames()) {
            PreTokenizer p = PreTokenizer.forName(pre);
            for (int i = 0; i < 50; i++) {
                StringBuilder sb = new StringBuilder();
                int n = r.nextInt(30);
                for (int k = 0; k < n; k++) {
                    int at = r.nextInt(alphabet.length());
                    if (Character.isLowSurrogate(alphabet.charAt(at))) at--;
                    sb.append(alphabet.charAt(at));
                    if (Character.isHighSurrogate(alphabet.charAt(at))) sb.append(alphabet.charAt(at + 1));
                }
                List<String> words = p.split(sb.toString());
                assertEquals(sb.toString(), String.join("", words), pre);
                assertTrue(words.stream().noneMatch(String::isEmpty), pre);
            }
        }
    }

    @Test
    void longRunsDoNotOverflowTheStack() {
        String letters = "ab".repeat(50_000), spaces = " ".repeat(100_000) + "x", digits = "7".repeat(100_000);
        for (String pre : PreTokenizer.supportedNames()) {
            PreTokenizer p = PreTokenizer.forName(pre);
            for (String s : new String[] {letters, spaces, digits}) assertEquals(s, String.join("", p.split(s)), pre);
        }
    }

    @Test
    void supportedAndUnsupportedNames() {
        for (String pre : new String[] {"default", "llama3", "llama-bpe", "qwen2", "gpt-2", "deepseek-llm",
                "deepseek-coder", "falcon", "mpt", "starcoder", "refact", "command-r"}) {
            assertTrue(PreTokenizer.supportedNames().contains(pre), pre);
        }
        assertEquals("default", PreTokenizer.forName(null).name(), "absent tokenizer.ggml.pre (gpt-neox) is the default");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PreTokenizer.forName("nope"));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("llama-bpe"), e.getMessage());
    }

    @Test
    void collapsedExpressions() {
        assertEquals("[\\x{D2}A-Za-z]+", PreTokenizer.javaRegex("\\p{L}+", true));
        String space = "\\t\\n\\x0B\\f\\r\\x20";
        assertEquals("[^" + space + "\\x{D2}A-Za-z\\x{D1}0-9]", PreTokenizer.javaRegex("[^\\s\\p{L}\\p{N}]", true));
        assertEquals("[" + space + "]+(?![^" + space + "])", PreTokenizer.javaRegex("\\s+(?!\\S)", false));
        assertEquals("\\[\\\\\\]\\p{N}", PreTokenizer.javaRegex("\\[\\\\\\]\\p{N}", false), "other escapes stay");
        assertEquals("a\u000B\u00D2\u00D1\u00D3\u00D4\u00D5\u00D0",
                PreTokenizer.collapseText("a\u3000\u00E9\u00BD\u00BF\u0301\u00A9\u200D".codePoints().toArray()));
    }
}
