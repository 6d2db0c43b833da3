package dev.edgellm.benchmarks;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.quant.Quants;
import dev.edgellm.spi.Backend;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Build checks only (no benchmark runs in {@code mvn verify}): the JMH annotation processor ran, and the
 * benchmark data is valid for every benchmarked type.
 */
class BenchmarkBuildTest {
    @Test
    void annotationProcessorGeneratedTheBenchmarkList() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/BenchmarkList")) {
            assertNotNull(in, "META-INF/BenchmarkList missing: the JMH annotation processor did not run");
            String list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(list.contains("dev.edgellm.benchmarks.MatVecBenchmark"), list);
            assertTrue(list.contains("dev.edgellm.benchmarks.AttentionBenchmark"), list);
        }
    }

    @Test
    void randomMatricesHaveFiniteWeightsAndTheScalarBackendRunsThem() {
        try (Backend scalar = MatVecBenchmark.open("scalar", 1)) {
            for (String name : new String[] {"Q4_0", "Q8_0", "Q4_K", "Q6_K", "F32"}) {
                GgmlType type = GgmlType.valueOf(name);
                TensorData w = RandomTensors.matrix(type, 512, 3, 1);
                float[] row = new float[512];
                Quants.of(type).dequantize(w.buffer(2), w.rowOffset(2), row, 0, 512);
                for (float v : row) assertTrue(Float.isFinite(v) && Math.abs(v) < 1e4f, name + ": " + v);
                float[] out = new float[3];
                scalar.matVec(w, RandomTensors.floats(512, 2), 0, out, 0);
                for (float v : out) assertTrue(Float.isFinite(v), name);
                assertEquals(type.byteSize(512) * 3, w.info().byteSize());
            }
        }
    }
}
