package dev.edgellm.tests;

import dev.edgellm.TestData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SIMD backend computes bit-identical logits before and after the JIT compiles its kernels, so a seeded
 * sampler picks the same tokens run to run. (The Vector API's own float add-reduction and {@code EXP} round
 * differently in their Java fallbacks than in C2's intrinsics; the kernels use {@code Vec.sum} / {@code Vec.exp},
 * whose every step is one IEEE operation.) A fresh child JVM ({@link LogitsDigestProbe}) evaluates the same
 * sequence many times: its first repetition runs interpreted, its last C2-compiled; all digests must match.
 * Prompts of 5 and 80 tokens take the batched prefill paths (attention, GEMM) as well as the decode path. Runs in
 * the {@code reference-outputs-simd} execution only (tests/pom.xml).
 */
class SimdDeterminismTest {
    static final int REPS = 150;
    static final String BACKEND = System.getProperty("edgellm.backend", "scalar");

    @TestFactory
    List<DynamicTest> logitsDoNotDependOnJitState() {
        List<DynamicTest> tests = new ArrayList<>();
        String[][] cases = {
                {"stories260K.gguf", "f16", "80"}, {"stories260K-f16.gguf", "f32", "5"},
                {"stories260K-q8_0.gguf", "q8_0", "80"}, {"stories260K-q4_0.gguf", "q4_0", "5"},
                {"stories260K-q4_1.gguf", "f16", "5"}, {"stories260K-q5_0.gguf", "f16", "80"},
                {"stories260K-q5_1.gguf", "q8_0", "5"}};
        for (String[] c : cases) {
            tests.add(DynamicTest.dynamicTest(c[0] + " kv " + c[1] + " prompt " + c[2], () -> {
                String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
                List<String> cmd = List.of(java, "--add-modules", "jdk.incubator.vector",
                        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                        LogitsDigestProbe.class.getName(), TestData.model(c[0]).toString(), BACKEND, c[1], "2", c[2],
                        "12", "" + REPS);
                Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                p.getInputStream().transferTo(buf);
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe timed out");
                assertEquals(0, p.exitValue(), "probe exit status");
                List<String> digests = buf.toString(StandardCharsets.UTF_8).lines().toList();
                assertEquals(REPS, digests.size(), "one digest per repetition");
                for (int r = 1; r < REPS; r++) {
                    assertEquals(digests.get(0), digests.get(r), "logits of repetition " + r
                            + " differ from the first (interpreted) repetition's");
                }
            }));
        }
        return tests;
    }
}
