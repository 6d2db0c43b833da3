package dev.edgellm.vulkan;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.spi.Availability;
import dev.edgellm.spi.Backend;
import dev.edgellm.spi.BackendOptions;
import dev.edgellm.spi.BackendProvider;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;

import static dev.edgellm.RandomTensors.randomFloats;
import static dev.edgellm.RandomTensors.randomTensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VulkanBackendProviderTest {

    @Test
    void registeredWithServiceLoader() {
        boolean found = false;
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) found |= p instanceof VulkanBackendProvider;
        assertTrue(found, "META-INF/services names VulkanBackendProvider");
    }

    @Test
    void probeNeverThrowsAndExplainsItself() {
        Availability a = new VulkanBackendProvider().probe();
        assertFalse(a.reason().isBlank(), a.toString());
        assertFalse(a.autoSelectable(), "auto must not pick per-op offload: " + a);
        VulkanProbe p = VulkanProbe.get();
        assertEquals(p.available(), a.isAvailable());
        for (VulkanDeviceInfo d : p.devices()) {
            assertFalse(d.name().isBlank());
            assertTrue(d.maxStorageBufferRange() > 0 && d.maxMemoryAllocationSize() > 0, d.toString());
        }
    }

    /** No driver (ICD file missing): unavailable with the reason, in a child JVM so the env var applies. */
    @Test
    void missingDriverIsReportedNotThrown() throws Exception {
        String out = childProbe(List.of(), Map.of("VK_ICD_FILENAMES", "/nonexistent/edgellm-icd.json",
                "VK_DRIVER_FILES", "/nonexistent/edgellm-icd.json"));
        assertTrue(out.contains("PROBE unavailable: "), out);
        assertTrue(out.contains("VK_ERROR_INCOMPATIBLE_DRIVER") || out.contains("no device") || out.contains("no Vulkan loader"), out);
    }

    /** No loader at all (the library name points nowhere): unavailable with an install hint. */
    @Test
    void missingLoaderIsReportedNotThrown() throws Exception {
        String out = childProbe(List.of("-Dorg.lwjgl.vulkan.libname=/nonexistent/libvulkan.so.1"), Map.of());
        assertTrue(out.contains("PROBE unavailable: no Vulkan loader"), out);
        assertTrue(out.contains("libvulkan1"), out);
    }

    @Test
    void openCloseInALoopReleasesEveryVulkanObject() {
        VulkanTestSupport.deviceOrSkip();
        int before = Vk.LIVE_OBJECTS.get();
        Random rnd = new Random(3);
        TensorData w = randomTensor(GgmlType.Q8_0, 64, 5, rnd);
        float[] x = randomFloats(rnd, 64), out = new float[5];
        for (int i = 0; i < 25; i++) {
            try (Backend b = new VulkanBackendProvider().open(new BackendOptions(1))) {
                b.matVec(w, x, 0, out, 0);
                b.rmsNorm(x.clone(), 0, x, 0, x, 1e-5f, 64);
                assertTrue(Vk.LIVE_OBJECTS.get() > before);
            }
            assertEquals(before, Vk.LIVE_OBJECTS.get(), "Vulkan objects alive after close, iteration " + i);
        }
    }

    private static String childProbe(List<String> jvmArgs, Map<String, String> env) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ProbeMain.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM hung");
        assertEquals(0, p.exitValue(), "child JVM crashed:\n" + out);
        return out;
    }
}
