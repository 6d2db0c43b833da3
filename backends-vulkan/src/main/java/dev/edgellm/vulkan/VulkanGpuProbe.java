package dev.edgellm.vulkan;

import dev.edgellm.profiles.DeviceProfile;
import dev.edgellm.profiles.GpuProbe;

/**
 * The {@code local} device profile's GPU: the device {@link VulkanProbe} selects, with its limits and features,
 * and whether offloading blocks should pay off. We have measured no real GPU, so that verdict follows public
 * llama.cpp Vulkan reports by device type (sources in backends-vulkan/DEVICES.md) and says so in its evidence:
 * a discrete GPU (own memory) or an NVIDIA integrated one (Jetson) pays; other integrated GPUs share the CPU's
 * memory bus and decode no faster; a software driver is far slower.
 */
public final class VulkanGpuProbe implements GpuProbe {
    static final int NVIDIA = 0x10DE;

    @Override
    public DeviceProfile.Gpu detect() {
        try {
            VulkanProbe p = VulkanProbe.get();
            return p.available() ? gpu(p.selected().orElseThrow()) : null;
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    static DeviceProfile.Gpu gpu(VulkanDeviceInfo d) {
        boolean unified = d.type().equals("integrated") || d.isSoftware();
        boolean pays;
        String evidence;
        if (d.isSoftware()) {
            pays = false;
            evidence = "software driver (" + d.name() + "): correctness only; a block costs ~100x the CPU backend's time "
                    + "on the same cores (BENCHMARKS.md, 2026-12-03, lavapipe)";
        } else if (d.type().equals("discrete")) {
            pays = true;
            evidence = "discrete GPU with its own memory: public llama.cpp Vulkan runs decode several times faster with all "
                    + "layers on such GPUs (backends-vulkan/DEVICES.md); not measured with EdgeLLM";
        } else if (d.type().equals("integrated") && d.vendorId() == NVIDIA) {
            pays = true;
            evidence = "NVIDIA integrated GPU (Jetson): public llama.cpp-based Vulkan runs beat the CPU on Orin "
                    + "(backends-vulkan/DEVICES.md); not measured with EdgeLLM";
        } else {
            pays = false;
            evidence = d.type() + " GPU sharing the CPU's memory bus: public llama.cpp Vulkan reports show decode no faster "
                    + "than the CPU on such devices (backends-vulkan/DEVICES.md); measure with bench --gpu-layers all";
        }
        String subgroup = d.subgroupSize() + " wide" + (d.subgroupInCompute() ? ", " + String.join("/", d.subgroupOperations())
                : ", not in compute shaders");
        return new DeviceProfile.Gpu(d.name(), d.apiVersion(), unified, d.maxMemoryAllocationSize(), d.maxStorageBufferRange(),
                d.shaderFloat16() ? "yes" : "no", d.shaderInt8() ? (d.integerDotProduct() ? "yes, dot product" : "yes") : "no",
                subgroup, pays, evidence);
    }
}
