package dev.edgellm.simd;

import dev.edgellm.spi.Availability;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The provider is usable with the Vector API module and explains itself, without throwing, without it. */
class SimdBackendProviderTest {

    /** Entry point for the child JVM: prints what probe() says. */
    public static void main(String[] args) {
        System.out.println(new SimdBackendProvider().probe());
    }

    @Test
    void availableWhenModuleIsLoaded() {
        Availability a = new SimdBackendProvider().probe();
        assertTrue(a.isAvailable(), a.toString());
        assertTrue(a.score() > 1, "must outrank scalar: " + a);
    }

    @Test
    void unavailableWithReasonWithoutModule() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                SimdBackendProviderTest.class.getName())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("unavailable") && out.contains("--add-modules jdk.incubator.vector"), out);
    }
}
