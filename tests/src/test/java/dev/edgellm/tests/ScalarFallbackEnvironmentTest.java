package dev.edgellm.tests;

import dev.edgellm.Engine;
import dev.edgellm.Model;
import dev.edgellm.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs only in the tests module's {@code jdk17-scalar} surefire execution (tests/pom.xml), beside
 * {@link ReferenceOutputsTest}: proves that run really is the Android-like environment it claims to be, a Java
 * 17 VM with no Vector API module resolved, where {@code auto} falls back to the scalar backend.
 */
@EnabledIfSystemProperty(named = "edgellm.scalarFallbackRun", matches = "true")
class ScalarFallbackEnvironmentTest {

    @Test
    void javaSeventeenWithoutTheVectorApi() {
        assertEquals("17", System.getProperty("java.specification.version"), "this run must be on a Java 17 VM");
        assertFalse(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "jdk.incubator.vector must not be resolved in the scalar fallback run");
    }

    @Test
    void autoPicksTheScalarBackend() throws Exception {
        assertTrue(Engine.backends().containsKey("scalar"), "backends: " + Engine.backends());
        try (Model m = Engine.builder().backend("auto").build().load(TestData.model("stories260K.gguf"))) {
            assertEquals("scalar", m.backendName());
        }
    }
}
