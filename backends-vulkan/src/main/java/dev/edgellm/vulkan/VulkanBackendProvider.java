package dev.edgellm.vulkan;

import dev.edgellm.spi.Availability;
import dev.edgellm.spi.Backend;
import dev.edgellm.spi.BackendOptions;
import dev.edgellm.spi.BackendProvider;

/**
 * The Vulkan backend's entry point. Two uses, both on request: {@code --gpu-layers N} keeps the first N blocks
 * of each session resident on the GPU next to the CPU backend ({@link #offloadsLayers()}), and
 * {@code --backend vulkan} runs every matvec and norm per op (a copy and a submission each: a kernel test bed,
 * never picked by {@code auto}). On a software driver (lavapipe) both are for correctness only. Never throws from
 * {@link #probe()}: without a loader, a driver or a Vulkan 1.1 compute device it says why.
 *
 * <p>System properties: {@code edgellm.vulkan.device} (device index), {@code edgellm.vulkan.maxBufferBytes}
 * (cap one buffer below the device limit, to exercise chunking), {@code edgellm.vulkan.forceStaging}.
 */
public final class VulkanBackendProvider implements BackendProvider {
    public static final String NAME = "vulkan";

    @Override
    public String name() { return NAME; }

    @Override
    public Availability probe() {
        try {
            VulkanProbe p = VulkanProbe.get();
            if (!p.available()) return Availability.unavailable(p.reason());
            VulkanDeviceInfo d = p.selected().orElseThrow();
            return Availability.onRequest(d.summary() + (d.isSoftware() ? "; software driver: correctness only" : "")
                    + "; resident layers with --gpu-layers N, per-op offload with --backend vulkan");
        } catch (Throwable t) {
            return Availability.unavailable("Vulkan probe failed: " + t);
        }
    }

    /** Per-op offload loses to the CPU backends everywhere today: never probed or picked by {@code auto}. */
    @Override
    public boolean autoSelectable() {
        return false;
    }

    /** Runs the first N blocks of a session resident on the GPU ({@code --gpu-layers N}). */
    @Override
    public boolean offloadsLayers() {
        return true;
    }

    @Override
    public Backend open(BackendOptions options) {
        VulkanProbe p = VulkanProbe.get();
        if (!p.available()) throw new IllegalStateException("vulkan backend unavailable: " + p.reason());
        long cap = Long.getLong("edgellm.vulkan.maxBufferBytes", 0L);
        return new VulkanBackend(p.selected().orElseThrow(), cap, Boolean.getBoolean("edgellm.vulkan.forceStaging"));
    }
}
