package dev.edgellm.gguf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.edgellm.ModelFormatException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of the GGUF reader (Jazzer): any bytes either open (and every metadata value and
 * tensor view can be read) or fail with {@link ModelFormatException}; anything else is a bug. Seeds:
 * {@code src/test/resources/dev/edgellm/gguf/GgufJazzerTestInputs/openArbitraryBytes/}. Fuzz with
 * {@code JAZZER_FUZZ=1 mvn -pl runtime-core test -Dtest=GgufJazzerTest -Djazzer.max_duration=10m}.
 */
class GgufJazzerTest {

    @FuzzTest(maxDuration = "10m")
    void openArbitraryBytes(byte[] data) throws Exception {
        Path f = Files.createTempFile("fuzz", ".gguf");
        try {
            Files.write(f, data);
            GgufFile g;
            try {
                g = GgufFile.open(f);
            } catch (ModelFormatException expected) {
                return;
            }
            g.metadata().forEach((k, v) -> String.valueOf(v));
            for (TensorInfo t : g.tensors()) {
                try {
                    g.map(t);
                } catch (ModelFormatException expected) {
                    // a tensor the header describes badly is rejected when mapped
                }
            }
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
