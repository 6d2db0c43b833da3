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
        String out = probeInFreshJvm();
        assertTrue(out.contains("unavailable") && out.contains("--add-modules jdk.incubator.vector"), out);
    }

    /**
     * Without FMA instructions (an x86 CPU without FMA3, simulated by turning the flag off) every vector fma runs in
     * software: auto must not pick this backend, and the reason must say why.
     */
    @Test
    void onRequestOnlyWithoutHardwareFma() throws Exception {
        String out = probeInFreshJvm("--add-modules", SimdBackendProvider.MODULE, "-XX:-UseFMA");
        assertTrue(out.contains("available on request") && out.contains("UseFMA is off"), out);
        assertTrue(HotSpotFlags.hardwareFma(), "this JVM runs with FMA instructions");
    }

    /** What {@link #main} prints in a fresh JVM started with {@code flags}. */
    private static String probeInFreshJvm(String... flags) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> cmd = new java.util.ArrayList<>(List.of(java));
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SimdBackendProviderTest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
