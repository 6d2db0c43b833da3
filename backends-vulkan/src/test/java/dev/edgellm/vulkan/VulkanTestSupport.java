package dev.edgellm.vulkan;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

final class VulkanTestSupport {
    private VulkanTestSupport() {}

    /** Skips (never fails) where there is no Vulkan: the suite must pass on machines without a driver. */
    static VulkanDeviceInfo deviceOrSkip() {
        VulkanProbe p = VulkanProbe.get();
        assumeTrue(p.available(), "skipped: the vulkan provider reports unavailable on this machine (" + p.reason()
                + "); CI installs mesa-vulkan-drivers libvulkan1 so these run there");
        return p.selected().orElseThrow();
    }
}
