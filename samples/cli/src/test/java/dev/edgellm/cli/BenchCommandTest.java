package dev.edgellm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench}: DESIGN.md §2 JSON rows, the table, the roofline columns, and every bad input's exit code. */
class BenchCommandTest {
    static final String MODEL = CliRun.MODEL;

    private static String[] run(int expectedCode, String... args) {
        return CliRun.run(expectedCode, args);
    }

    @Test
    void jsonHasOneRowPerThreadCountAndTestWithTheContractFields() throws Exception {
        String[] r = run(0, "bench", "-m", MODEL, "-t", "1,2", "-p", "16", "-n", "8", "-r", "3", "--json", "--backend", "scalar");
        JsonNode rows = new ObjectMapper().readTree(r[0]);
        assertTrue(rows.isArray());
        assertEquals(4, rows.size(), "2 thread counts x (pp, tg)");
        String[] tests = {"pp16", "tg8", "pp16", "tg8"};
        int[] threads = {1, 1, 2, 2};
        for (int i = 0; i < rows.size(); i++) {
            JsonNode row = rows.get(i);
            List<String> names = new ArrayList<>();
            row.fieldNames().forEachRemaining(names::add);
            assertEquals(List.of("model", "backend", "threads", "test", "tok_s", "tok_s_min", "tok_s_max", "reps"),
                    names.subList(0, 8));
            assertEquals("stories260K-q8_0.gguf", row.get("model").asText());
            assertEquals("scalar", row.get("backend").asText());
            assertEquals(threads[i], row.get("threads").asInt());
            assertEquals(tests[i], row.get("test").asText());
            assertEquals(3, row.get("reps").asInt());
            assertEquals(3, row.get("samples").size());
            double med = row.get("tok_s").asDouble(), min = row.get("tok_s_min").asDouble(), max = row.get("tok_s_max").asDouble();
            assertTrue(min > 0 && min <= med && med <= max, row.toString());
            assertTrue(!row.has("roofline_pct"), "roofline fields only with --roofline");
            long heap = row.get("heap_bytes_per_token").asLong();
            // scalar decode steps allocate nothing of their own; what a step of the JVM's threads allocates
            // besides (JIT bookkeeping, the test runner) stays far below what boxed vectors would
            if (tests[i].startsWith("tg")) assertTrue(heap >= 0 && heap < BenchCommand.BOXING_WARN_BYTES_PER_TOKEN, row.toString());
        }
        assertTrue(!r[1].contains("warning"), r[1]);
        // progress and the backend log line on stderr, nothing but the JSON on stdout
        assertTrue(r[1].contains("rep 3/3 pp16"), r[1]);
        assertEquals(1, r[0].trim().split("\n").length);
    }

    @Test
    void tableWithRooflineReportsBandwidthAndPercentOfBound() {
        String[] r = run(0, "bench", "-m", MODEL, "-t", "1", "-p", "8", "-n", "4", "-r", "1", "--warmup", "0", "--roofline");
        String[] lines = r[0].split("\n");
        assertTrue(lines[0].startsWith("| model | MiB | backend | threads | test | tok/s |") && lines[0].contains("% of bound"), r[0]);
        assertTrue(lines[2].contains("| 1 | pp8 |"), r[0]);
        assertTrue(lines[3].contains("| 1 | tg4 |") && lines[3].trim().endsWith("% |"), r[0]);
        assertTrue(r[0].contains("bound = read bandwidth / "), r[0]);
        assertTrue(r[1].contains("read bandwidth, 1 thread: "), r[1]);
    }

    @Test
    void rooflineJsonFieldsAreConsistent() throws Exception {
        String out = run(0, "bench", "-m", MODEL, "-t", "1", "-p", "8", "-n", "4", "-r", "1", "--roofline", "--json")[0];
        JsonNode tg = new ObjectMapper().readTree(out).get(1);
        assertEquals("tg4", tg.get("test").asText());
        double gbs = tg.get("read_gbs").asDouble(), bound = tg.get("roofline_tok_s").asDouble();
        assertTrue(gbs > 0.1, tg.toString());
        // 474848 weight bytes, of which decode streams all matrices: bound = bandwidth / bytes per token
        assertEquals(gbs * 1e9 / tg.get("bytes_per_token").asLong(), bound, bound * 0.01);
        assertEquals(100 * tg.get("tok_s").asDouble() / bound, tg.get("roofline_pct").asDouble(), 0.1);
    }

    /** -d: the tests start with that many tokens cached (llama-bench's n_depth): a longer context, labels "@ dN". */
    @Test
    void depthFillsTheCacheOnceAndLabelsTheTests() throws Exception {
        JsonNode rows = new ObjectMapper().readTree(run(0, "bench", "-m", MODEL, "-t", "1", "-p", "8", "-n", "4", "-r",
                "2", "-d", "40", "--json", "--backend", "scalar")[0]);
        assertEquals(2, rows.size());
        for (JsonNode row : rows) {
            assertEquals(40, row.get("depth").asInt(), row.toString());
            assertEquals(48, row.get("ctx").asInt(), "depth + max(p, n)");
            assertTrue(row.get("tok_s").asDouble() > 0, row.toString());
        }
        assertEquals("pp8", rows.get(0).get("test").asText());
        String[] table = run(0, "bench", "-m", MODEL, "-t", "1", "-p", "8", "-n", "4", "-r", "1", "-d", "40", "--roofline");
        assertTrue(table[0].contains("| pp8 @ d40 |") && table[0].contains("| tg4 @ d40 |"), table[0]);
        assertTrue(table[0].contains("mean over tg4 @ d40"), table[0]);
        assertTrue(table[1].contains("filling the KV cache to depth 40"), table[1]);
        assertEquals(0, new ObjectMapper().readTree(run(0, "bench", "-m", MODEL, "-t", "1", "-p", "4", "-n", "2", "-r",
                "1", "--json")[0]).get(0).get("depth").asInt());
    }

    @Test
    void badInputsAreUsageErrors() {
        assertTrue(run(Main.EXIT_USAGE, "bench", "-m", MODEL, "-t", "1,x")[1].contains("'x' in '1,x' is not a number"));
        assertTrue(run(Main.EXIT_USAGE, "bench", "-m", MODEL, "-t", "1,,2")[1].contains("is not a number"));
        assertTrue(run(Main.EXIT_USAGE, "bench", "-m", MODEL, "-t", "")[1].contains("is not a number"));
        assertTrue(run(Main.EXIT_USAGE, "bench", "-m", MODEL, "-t", "0")[1].contains("between 1 and 1024, got 0"));
        assertTrue(run(Main.EXIT_USAGE, "bench", "-m", MODEL, "-t", "2,-1")[1].contains("got -1"));
        assertTrue(run(Main.EXIT_USAGE, "bench", "-m", MODEL, "-p", "0")[1].contains("-p must be >= 1, got 0"));
        assertTrue(run(Main.EXIT_USAGE, "bench", "-m", MODEL, "-n", "-5")[1].contains("-n must be >= 1, got -5"));
        assertTrue(run(Main.EXIT_USAGE, "bench", "-m", MODEL, "-r", "0")[1].contains("-r must be >= 1, got 0"));
        assertTrue(run(Main.EXIT_USAGE, "bench", "-m", MODEL, "-d", "-3")[1].contains("-d must be >= 0, got -3"));
        assertTrue(run(Main.EXIT_USAGE, "bench", "-m", MODEL, "-p", "abc")[1].contains("'abc' is not an int"));
        assertTrue(run(Main.EXIT_USAGE, "bench", "-m", MODEL, "--kv-type", "q3")[1].contains("unknown KV cache type 'q3'"));
        assertTrue(run(Main.EXIT_USAGE, "bench", "-m", MODEL, "-p", "4", "-n", "2", "-r", "1", "--backend", "cuda")[1]
                .contains("unknown backend 'cuda'"));
        assertTrue(run(Main.EXIT_USAGE, "bench")[1].contains("Missing required option: '--model=FILE'"));
        assertTrue(run(Main.EXIT_BAD_MODEL, "bench", "-m", "no-such-file.gguf")[1].contains("file not found: no-such-file.gguf"));
    }

    @Test
    void parseThreadsAcceptsSpacesAndOrder() {
        assertEquals(List.of(4, 1, 2), java.util.Arrays.stream(BenchCommand.parseThreads("4, 1,2")).boxed().toList());
    }

    @Test
    void cacheSizeParsing() {
        assertEquals(32L << 20, ReadBandwidth.parseSize("32768K"));
        assertEquals(1L << 20, ReadBandwidth.parseSize("1M"));
        assertEquals(512, ReadBandwidth.parseSize("512"));
        long b = ReadBandwidth.defaultBytes();
        assertTrue(b >= ReadBandwidth.MIN_BYTES && b <= ReadBandwidth.MAX_BYTES, String.valueOf(b));
    }
}
