package dev.edgellm.quant;

import dev.edgellm.TestData;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.gguf.TensorInfo;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Dequantizes every tensor of the shared stories260K models (F32, F16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) row by
 * row through the mapped file and compares with models.txt, made by gguf_tool.py's ggml-exact dequantizer:
 * the first 32 values bit for bit, then a SHA-256 over all of them.
 */
class ModelTensorsTest {
    @TestFactory
    List<DynamicTest> everyTensorOfEveryModelDequantizesBitExactly() {
        Map<String, List<String[]>> byFile = new LinkedHashMap<>();
        for (String[] l : Fixtures.lines("models.txt")) byFile.computeIfAbsent(l[0], k -> new ArrayList<>()).add(l);
        assertEquals(7, byFile.size(), "model files in models.txt");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, List<String[]>> e : byFile.entrySet()) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> checkFile(e.getKey(), e.getValue())));
        }
        return tests;
    }

    private static void checkFile(String file, List<String[]> expected) throws IOException {
        GgufFile gguf = GgufFile.open(TestData.model(file));
        assertEquals(gguf.tensors().size(), expected.size(), file + ": tensor count");
        for (String[] l : expected) {
            TensorInfo t = gguf.tensor(l[1]);
            String what = file + " " + l[1];
            assertEquals(l[2], t.type().name(), what + ": type");
            int n = Math.toIntExact(t.elements());
            assertEquals(Long.parseLong(l[3]), n, what + ": elements");
            float[] values = dequantize(gguf.map(t));
            for (int i = 0; i < 32 && i < n; i++) {
                int want = Fixtures.hexBits(l[5 + i]);
                int got = Float.floatToRawIntBits(values[i]);
                assertEquals(want, got, what + "[" + i + "]: expected " + Float.intBitsToFloat(want) + " got " + values[i]);
            }
            assertEquals(l[4], Fixtures.sha256(values, 0, n), what + ": SHA-256 of all dequantized values");
        }
    }

    static float[] dequantize(TensorData data) {
        TensorInfo t = data.info();
        QuantFormat f = Quants.of(t.type());
        int rowLength = Math.toIntExact(t.rowLength());
        float[] out = new float[Math.toIntExact(t.elements())];
        for (long r = 0; r < t.rows(); r++) {
            f.dequantize(data.buffer(r), data.rowOffset(r), out, Math.toIntExact(r * rowLength), rowLength);
        }
        return out;
    }
}
