package dev.edgellm.vulkan;

import java.util.List;

/**
 * What one Vulkan device can do, as the backend and device-profiles' {@code local} detection need it. Byte
 * limits are unsigned 32/64-bit Vulkan values widened to {@code long}.
 *
 * @param index                   position in vkEnumeratePhysicalDevices
 * @param name                    deviceName, e.g. {@code llvmpipe (LLVM 15.0.6, 256 bits)}
 * @param type                    {@code discrete}, {@code integrated}, {@code virtual}, {@code cpu} or {@code other}
 * @param vendorId                PCI vendor id (0x5143 Qualcomm, 0x13B5 ARM, 0x10DE NVIDIA, ...)
 * @param apiVersion              "major.minor.patch" the device supports
 * @param driverVersion           vendor-encoded driver version, raw
 * @param subgroupSize            default subgroup (wave/warp) size
 * @param subgroupOperations      supported subgroup operation classes (basic, vote, arithmetic, ballot, shuffle, ...)
 * @param subgroupInCompute       whether subgroup operations are supported in compute shaders
 * @param storage16Bit            storageBuffer16BitAccess
 * @param storage8Bit             storageBuffer8BitAccess
 * @param shaderFloat16           fp16 arithmetic in shaders
 * @param shaderInt8              int8 arithmetic in shaders
 * @param integerDotProduct       shaderIntegerDotProduct (packed int8 dot products)
 * @param maxStorageBufferRange   largest range one storage-buffer descriptor may cover (lavapipe: 128 MiB)
 * @param maxMemoryAllocationSize largest single vkAllocateMemory
 * @param maxWorkGroupInvocations maxComputeWorkGroupInvocations
 * @param maxSharedMemoryBytes    maxComputeSharedMemorySize
 * @param deviceLocalBytes        total size of the device-local memory heaps
 * @param hasComputeQueue         whether some queue family supports compute
 */
public record VulkanDeviceInfo(int index, String name, String type, int vendorId, String apiVersion, int driverVersion,
                               int subgroupSize, List<String> subgroupOperations, boolean subgroupInCompute,
                               boolean storage16Bit, boolean storage8Bit, boolean shaderFloat16, boolean shaderInt8,
                               boolean integerDotProduct, long maxStorageBufferRange, long maxMemoryAllocationSize,
                               int maxWorkGroupInvocations, long maxSharedMemoryBytes, long deviceLocalBytes,
                               boolean hasComputeQueue) {
    public VulkanDeviceInfo {
        subgroupOperations = List.copyOf(subgroupOperations);
    }

    /** True for a software rasterizer (lavapipe/llvmpipe, SwiftShader): correct, but slower than the CPU backends. */
    public boolean isSoftware() {
        return type.equals("cpu");
    }

    /** Whether the backend can run on it: Vulkan 1.1 or newer and a compute queue. */
    public boolean usable() {
        return hasComputeQueue && versionAtLeast(1, 1);
    }

    boolean versionAtLeast(int major, int minor) {
        String[] p = apiVersion.split("\\.");
        int ma = Integer.parseInt(p[0]), mi = Integer.parseInt(p[1]);
        return ma > major || (ma == major && mi >= minor);
    }

    /** One line for logs: name, type, API, subgroup, the features that matter to the kernels. */
    public String summary() {
        return name + " (" + type + ", Vulkan " + apiVersion + ", subgroup " + subgroupSize
                + (storage16Bit ? ", 16-bit storage" : "") + (storage8Bit ? ", 8-bit storage" : "")
                + (shaderFloat16 ? ", fp16" : "") + (integerDotProduct ? ", int dot" : "")
                + ", max buffer range " + (maxStorageBufferRange >> 20) + " MiB)";
    }
}
