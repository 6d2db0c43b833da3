package dev.edgellm.vulkan;

import dev.edgellm.profiles.DeviceProfile;
import dev.edgellm.profiles.GpuProbe;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local profile's GPU from Vulkan properties, and the offload verdict per device type. */
class VulkanGpuProbeTest {
    static VulkanDeviceInfo device(String type, int vendor) {
        return new VulkanDeviceInfo(0, "GPU " + type, type, vendor, "1.3.250", 1, 32, List.of("basic", "arithmetic"), true,
                true, true, true, false, false, 1L << 30, 4L << 30, 1024, 32768, 8L << 30, true);
    }

    @Test
    void verdictFollowsTheDeviceType() {
        DeviceProfile.Gpu discrete = VulkanGpuProbe.gpu(device("discrete", 0x1002));
        assertTrue(discrete.offloadPays);
        assertFalse(discrete.unifiedMemory);
        assertEquals(1L << 30, discrete.maxStorageBufferBytes);
        assertEquals(4L << 30, discrete.maxAllocationBytes);
        assertEquals("1.3.250", discrete.vulkan);
        assertEquals("yes", discrete.fp16);
        assertEquals("no", discrete.int8);
        assertEquals("32 wide, basic/arithmetic", discrete.subgroup);

        DeviceProfile.Gpu jetson = VulkanGpuProbe.gpu(device("integrated", VulkanGpuProbe.NVIDIA));
        assertTrue(jetson.offloadPays);
        assertTrue(jetson.unifiedMemory);
        DeviceProfile.Gpu mali = VulkanGpuProbe.gpu(device("integrated", 0x13B5));
        assertFalse(mali.offloadPays);
        assertTrue(mali.offloadEvidence.contains("memory bus"), mali.offloadEvidence);
        DeviceProfile.Gpu software = VulkanGpuProbe.gpu(device("cpu", 0x10005));
        assertFalse(software.offloadPays);
        assertTrue(software.unifiedMemory);
        assertTrue(software.offloadEvidence.startsWith("software driver"), software.offloadEvidence);
    }

    @Test
    void registeredForTheLocalProfile() {
        List<GpuProbe> probes = ServiceLoader.load(GpuProbe.class).stream().map(ServiceLoader.Provider::get).toList();
        assertEquals(1, probes.size());
        assertTrue(probes.get(0) instanceof VulkanGpuProbe);
    }

    @Test
    void reportsThisMachinesDevice() {
        VulkanDeviceInfo d = VulkanTestSupport.deviceOrSkip();
        DeviceProfile.Gpu g = new VulkanGpuProbe().detect();
        assertEquals(d.name(), g.name);
        assertEquals(d.maxStorageBufferRange(), g.maxStorageBufferBytes);
        if (d.isSoftware()) assertFalse(g.offloadPays, "lavapipe must never be offloaded to by auto");
    }
}
