package dev.edgellm.tokenizer;

import dev.edgellm.ModelFormatException;
import dev.edgellm.TestData;
import dev.edgellm.gguf.GgufFile;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * llama.cpp's tokenizer test cases (testdata/README.md §3): every {@code ggml-vocab-*.gguf.inp} under
 * testdata/vocab, tokenized without special tokens and without parsing special text, must give exactly the
 * ids of the matching {@code .out} line. New files add cases by themselves; a case whose {@code .gguf} is
 * absent (vocab/missing-gguf/) is reported as skipped.
 */
class VocabCasesTest {
    static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    @TestFactory
    Stream<DynamicNode> llamaCppVocabCases() throws IOException {
        Path dir = TestData.testdata().resolve("vocab");
        assumeTrue(Files.isDirectory(dir), "no vocab test data at " + dir);
        List<Path> inputs;
        try (Stream<Path> files = Files.walk(dir)) {
            inputs = files.filter(p -> p.getFileName().toString().matches("ggml-vocab-.*\\.gguf\\.inp"))
                    .sorted().collect(Collectors.toList());
        }
        return inputs.stream().map(VocabCasesTest::casesOf);
    }

    private static DynamicNode casesOf(Path inp) {
        String name = inp.getFileName().toString().replaceFirst("\\.inp$", "");
        String label = dirLabel(inp) + name;
        Path gguf = inp.resolveSibling(name);
        Path out = inp.resolveSibling(name + ".out");
        if (!Files.exists(gguf)) {
            return DynamicTest.dynamicTest(label + " (GGUF absent)", () -> {
                String msg = "skipped: " + gguf + " is absent, so its cases cannot run";
                System.err.println("VocabCasesTest " + msg);
                abort(msg);
            });
        }
        List<String> texts;
        List<int[]> expected;
        try {
            texts = readInputs(inp);
            expected = readOutputs(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LazyTokenizer tokenizer = new LazyTokenizer(gguf);
        List<DynamicNode> cases = new ArrayList<>();
        cases.add(DynamicTest.dynamicTest("case count", () -> assertEquals(texts.size(), expected.size(),
                out + " should have one line per string of " + inp)));
        for (int i = 0; i < Math.min(texts.size(), expected.size()); i++) {
            int index = i;
            String text = texts.get(i);
            int[] ids = expected.get(i);
            cases.add(DynamicTest.dynamicTest("#" + i + " " + preview(text), () -> {
                int[] actual = tokenizer.get().encode(text, false, false);
                assertArrayEquals(ids, actual, () -> name + " case " + index + " " + preview(text) + ": expected "
                        + Arrays.toString(ids) + " but got " + Arrays.toString(actual));
            }));
        }
        cases.add(DynamicTest.dynamicTest("decode round-trips every case", () -> {
            Tokenizer t = tokenizer.get();
            assumeTrue(!(t instanceof WordPieceTokenizer), "WordPiece lower-cases and drops accents: not reversible");
            for (String text : texts) {
                assertEquals(text, t.decode(t.encode(text, false, false)), () -> name + " " + preview(text));
                assertEquals(text, t.decode(t.encode(text, true, false)), () -> name + " with special " + preview(text));
            }
        }));
        return DynamicContainer.dynamicContainer(label, cases);
    }

    private static String dirLabel(Path inp) {
        String parent = inp.getParent().getFileName().toString();
        return parent.equals("vocab") ? "" : parent + "/";
    }

    /** README §3.2: split on the separator; the text after the last separator is a case only if non-empty. */
    static List<String> readInputs(Path inp) throws IOException {
        String all = new String(Files.readAllBytes(inp), StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>();
        int start = 0;
        for (int at; (at = all.indexOf(SEPARATOR, start)) >= 0; start = at + SEPARATOR.length()) {
            texts.add(all.substring(start, at));
        }
        if (start < all.length()) texts.add(all.substring(start));
        return texts;
    }

    static List<int[]> readOutputs(Path out) throws IOException {
        List<int[]> ids = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.US_ASCII)) {
            String s = line.strip();
            ids.add(s.isEmpty() ? new int[0] : Arrays.stream(s.split(" ")).mapToInt(Integer::parseInt).toArray());
        }
        return ids;
    }

    static String preview(String text) {
        String s = text.length() > 40 ? text.substring(0, 40) + "…" : text;
        return '"' + s.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + '"';
    }

    /** Loads a vocabulary once, on first use, so that a bad file fails its cases instead of the factory. */
    private static final class LazyTokenizer {
        private final Path gguf;
        private Tokenizer tokenizer;
        private Exception failure;

        LazyTokenizer(Path gguf) { this.gguf = gguf; }

        synchronized Tokenizer get() throws Exception {
            if (tokenizer == null && failure == null) {
                try {
                    tokenizer = Tokenizer.fromGguf(GgufFile.open(gguf));
                } catch (ModelFormatException e) {
                    failure = e;
                }
            }
            if (failure != null) throw failure;
            return tokenizer;
        }
    }
}
