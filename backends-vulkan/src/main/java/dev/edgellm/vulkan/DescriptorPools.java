package dev.edgellm.vulkan;

import org.lwjgl.system.MemoryStack;
import org.lwjgl.vulkan.VkDescriptorBufferInfo;
import org.lwjgl.vulkan.VkDescriptorPoolCreateInfo;
import org.lwjgl.vulkan.VkDescriptorPoolSize;
import org.lwjgl.vulkan.VkDescriptorSetAllocateInfo;
import org.lwjgl.vulkan.VkDevice;
import org.lwjgl.vulkan.VkWriteDescriptorSet;

import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.lwjgl.vulkan.VK11.*;

/**
 * Descriptor sets of one user (the per-op kernels, or one session's resident layers), from pools that grow
 * by {@value #SETS_PER_POOL} sets. Sets live until {@link #close()}, which destroys the pools; owners that
 * rebind their buffers close this and take a new one. Not thread-safe.
 */
final class DescriptorPools implements AutoCloseable {
    private static final int SETS_PER_POOL = 256;

    private final VkDevice device;
    private final long setLayout;
    private final List<Long> pools = new ArrayList<>();

    DescriptorPools(VkDevice device, long setLayout) {
        this.device = device;
        this.setLayout = setLayout;
    }

    /** A descriptor set binding {@code b0, b1, b2} whole. */
    long set(GpuBuffer b0, GpuBuffer b1, GpuBuffer b2) {
        try (MemoryStack st = MemoryStack.stackPush()) {
            LongBuffer lp = st.mallocLong(1);
            int r = pools.isEmpty() ? VK_ERROR_OUT_OF_POOL_MEMORY : allocate(st, lp);
            if (r == VK_ERROR_OUT_OF_POOL_MEMORY || r == VK_ERROR_FRAGMENTED_POOL) {
                newPool(st);
                r = allocate(st, lp);
            }
            Vk.check(r, "vkAllocateDescriptorSets");
            long set = lp.get(0);
            VkWriteDescriptorSet.Buffer w = VkWriteDescriptorSet.calloc(VulkanContext.BINDINGS, st);
            GpuBuffer[] bs = {b0, b1, b2};
            for (int i = 0; i < VulkanContext.BINDINGS; i++) {
                VkDescriptorBufferInfo.Buffer bi = VkDescriptorBufferInfo.calloc(1, st).buffer(bs[i].buffer).offset(0).range(VK_WHOLE_SIZE);
                w.get(i).sType$Default().dstSet(set).dstBinding(i).descriptorCount(1)
                        .descriptorType(VK_DESCRIPTOR_TYPE_STORAGE_BUFFER).pBufferInfo(bi);
            }
            vkUpdateDescriptorSets(device, w, null);
            return set;
        }
    }

    private int allocate(MemoryStack st, LongBuffer out) {
        return vkAllocateDescriptorSets(device, VkDescriptorSetAllocateInfo.calloc(st).sType$Default()
                .descriptorPool(pools.get(pools.size() - 1)).pSetLayouts(st.longs(setLayout)), out);
    }

    private void newPool(MemoryStack st) {
        VkDescriptorPoolSize.Buffer sizes = VkDescriptorPoolSize.calloc(1, st)
                .type(VK_DESCRIPTOR_TYPE_STORAGE_BUFFER).descriptorCount(SETS_PER_POOL * VulkanContext.BINDINGS);
        LongBuffer lp = st.mallocLong(1);
        Vk.check(vkCreateDescriptorPool(device, VkDescriptorPoolCreateInfo.calloc(st).sType$Default()
                .maxSets(SETS_PER_POOL).pPoolSizes(sizes), null, lp), "vkCreateDescriptorPool");
        Vk.LIVE_OBJECTS.incrementAndGet();
        pools.add(lp.get(0));
    }

    /** Destroys the pools and with them every set. Idempotent. */
    @Override
    public void close() {
        for (long p : pools) {
            vkDestroyDescriptorPool(device, p, null);
            Vk.LIVE_OBJECTS.decrementAndGet();
        }
        pools.clear();
    }
}
