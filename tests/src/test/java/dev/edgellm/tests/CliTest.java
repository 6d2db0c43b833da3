package dev.edgellm.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgellm.TestData;
import dev.edgellm.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI contract of DESIGN.md §2: stdout carries only results, and the documented exit codes. */
class CliTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void generateWithoutModelFlagTellsTheLilyStory() throws Exception {
        // the bundled model is found relative to the CLI's classes inside the repository
        Run r = run("generate", "--temp", "0", "-n", "64", "--kv-type", "f32");
        assertEquals(0, r.code(), r.err());
        JsonNode ref = new ObjectMapper().readTree(TestData.testdata().resolve("reference/stories260K-q8_0.json").toFile());
        String expected = ref.get("cases").get(0).get("generated_text").asText();
        assertEquals(expected + System.lineSeparator(), r.out());
        assertTrue(r.out().contains("Lily"));
        assertTrue(r.err().contains("decode"), "statistics on stderr: " + r.err());
    }

    @Test
    void generateJsonHasTheDocumentedFields() throws Exception {
        Run r = run("generate", "-p", "Once upon a time", "--temp", "0", "-n", "8", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        for (String f : new String[] {"text", "tokens", "prompt_tokens", "load_ms", "ttft_ms", "prompt_tok_s", "decode_tok_s", "backend"}) {
            assertTrue(j.has(f), "missing " + f + " in " + r.out());
        }
        assertEquals(8, j.get("tokens").size());
        assertEquals(5, j.get("prompt_tokens").asInt());
        assertTrue(j.get("text").asText().startsWith(", there was a little girl"), j.get("text").asText());
    }

    @Test
    void seededSamplingIsReproducible() {
        Run a = run("generate", "-p", "Once upon a time", "--seed", "42", "-n", "32");
        Run b = run("generate", "-p", "Once upon a time", "--seed", "42", "-n", "32");
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out(), b.out());
    }

    @Test
    void tokenizeMatchesReferenceIds() {
        Run r = run("tokenize", "-p", "Once upon a time");
        assertEquals(0, r.code(), r.err());
        assertEquals("1 403 407 261 378", r.out().trim());
        Run nb = run("tokenize", "-p", "Once upon a time", "--no-bos");
        assertEquals("403 407 261 378", nb.out().trim());
    }

    @Test
    void infoJsonListsTensors() throws Exception {
        Run r = run("info", "-m", TestData.model("stories260K.gguf").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(48, j.get("tensors").size());
        assertEquals(14176, j.get("data_offset").asLong());
        assertEquals("llama", j.get("metadata").get("general.architecture").get("value").asText());
        Run t = run("info", "-m", TestData.model("stories260K-q4_0.gguf").toString());
        assertEquals(0, t.code());
        assertTrue(t.out().contains("blk.0.attn_q.weight") && t.out().contains("Q4_0"), t.out());
    }

    @Test
    void unknownOptionIsAUsageError() {
        Run r = run("generate", "--no-such-option");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--no-such-option"), r.err());
        assertEquals("", r.out());
        assertEquals(2, run("no-such-command").code());
        assertEquals(2, run("generate", "--kv-type", "f8").code());
        assertEquals(2, run("generate", "--temp", "abc").code());
        assertEquals(2, run("tokenize").code(), "tokenize needs -p or -f");
    }

    /** This execution's class path has no GPU backend: asking for GPU layers is a usage error that says so. */
    @Test
    void gpuLayersWithoutAGpuBackendIsAUsageError() {
        Run r = run("generate", "-p", "Once", "-n", "4", "--gpu-layers", "2");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("GPU layers requested (2) but no GPU backend is available (none on the class path)"), r.err());
        assertEquals("", r.out());
        Run bad = run("generate", "-p", "Once", "--gpu-layers", "most");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--gpu-layers must be a count >= 0, all or auto, got 'most'"), bad.err());
        // auto on the local profile without a GPU probe on the class path: no GPU layers, a normal run
        Run auto = run("generate", "-p", "Once", "-n", "4", "--temp", "0", "--gpu-layers", "auto");
        assertEquals(0, auto.code(), auto.err());
        assertTrue(auto.err().contains("[plan]") && !auto.err().contains("[gpu]"), auto.err());
    }

    @Test
    void missingModelFileExitsWith3(@TempDir Path dir) {
        Run r = run("generate", "-m", dir.resolve("nope.gguf").toString(), "-p", "hi");
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("nope.gguf"), r.err());
        assertEquals(3, run("info", "-m", dir.resolve("nope.gguf").toString()).code());
        assertEquals(3, run("tokenize", "-m", dir.resolve("nope.gguf").toString(), "-p", "x").code());
    }

    @Test
    void invalidModelFileExitsWith3(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.gguf");
        Files.write(bad, "this is not a gguf file at all".getBytes());
        Run r = run("generate", "-m", bad.toString(), "-p", "hi");
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("magic"), r.err());
        // a vocab-only GGUF has no weights: clear error naming the missing tensor or key
        Run v = run("generate", "-m", TestData.testdata().resolve("vocab/ggml-vocab-llama-spm.gguf").toString(), "-p", "hi");
        assertEquals(3, v.code(), v.err());
    }
}
