package dev.edgellm;

import dev.edgellm.spi.ProbeCountingProvider;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which providers the engine probes: probing can load a driver, so only the ones that can be chosen. */
class EngineBackendChoiceTest {
    @Test
    void aForcedBackendProbesNoOtherProvider() throws Exception {
        int before = ProbeCountingProvider.PROBES.get();
        try (Model m = Engine.builder().backend("scalar").build().load(TestData.model("stories260K-q8_0.gguf"))) {
            assertEquals("scalar", m.backendName());
        }
        assertEquals(before, ProbeCountingProvider.PROBES.get(), "forcing scalar probed another provider");
    }

    @Test
    void autoSkipsOnRequestProviders() throws Exception {
        int before = ProbeCountingProvider.PROBES.get();
        try (Model m = Engine.builder().build().load(TestData.model("stories260K-q8_0.gguf"))) {
            assertEquals("scalar", m.backendName());
        }
        assertEquals(before, ProbeCountingProvider.PROBES.get());
    }

    @Test
    void forcingAnOnRequestProviderProbesItAndSaysWhyItCannotRun() {
        int before = ProbeCountingProvider.PROBES.get();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Engine.builder().backend(ProbeCountingProvider.NAME).build().load(TestData.model("stories260K-q8_0.gguf")));
        assertEquals(before + 1, ProbeCountingProvider.PROBES.get());
        assertTrue(e.getMessage().contains("it counts probes and never runs"), e.getMessage());
    }
}
