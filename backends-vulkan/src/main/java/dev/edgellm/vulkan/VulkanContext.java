package dev.edgellm.vulkan;

import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;
import org.lwjgl.vulkan.VkBufferCopy;
import org.lwjgl.vulkan.VkBufferCreateInfo;
import org.lwjgl.vulkan.VkCommandBuffer;
import org.lwjgl.vulkan.VkCommandBufferAllocateInfo;
import org.lwjgl.vulkan.VkCommandBufferBeginInfo;
import org.lwjgl.vulkan.VkCommandPoolCreateInfo;
import org.lwjgl.vulkan.VkComputePipelineCreateInfo;
import org.lwjgl.vulkan.VkDescriptorSetLayoutBinding;
import org.lwjgl.vulkan.VkDescriptorSetLayoutCreateInfo;
import org.lwjgl.vulkan.VkDevice;
import org.lwjgl.vulkan.VkDeviceCreateInfo;
import org.lwjgl.vulkan.VkDeviceQueueCreateInfo;
import org.lwjgl.vulkan.VkFenceCreateInfo;
import org.lwjgl.vulkan.VkInstance;
import org.lwjgl.vulkan.VkMemoryAllocateInfo;
import org.lwjgl.vulkan.VkMemoryBarrier;
import org.lwjgl.vulkan.VkMemoryRequirements;
import org.lwjgl.vulkan.VkPhysicalDevice;
import org.lwjgl.vulkan.VkPhysicalDeviceMemoryProperties;
import org.lwjgl.vulkan.VkPipelineLayoutCreateInfo;
import org.lwjgl.vulkan.VkPushConstantRange;
import org.lwjgl.vulkan.VkQueue;
import org.lwjgl.vulkan.VkShaderModuleCreateInfo;
import org.lwjgl.vulkan.VkSubmitInfo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.lwjgl.vulkan.VK11.*;

/**
 * One logical device with everything the kernels share: a compute queue, one reusable command buffer and
 * fence (ops are submitted and waited for one at a time), one descriptor-set layout of three storage
 * buffers (weights, input, output) with a 64-byte push-constant block and the pipelines (loaded lazily from
 * the SPIR-V resources). Descriptor sets come from {@link DescriptorPools} owned by their users. Every object it creates is destroyed by
 * {@link #close()}, which also counts them in {@link Vk#LIVE_OBJECTS} so tests can prove nothing leaks.
 * Not thread-safe: the backend serialises calls.
 */
final class VulkanContext implements AutoCloseable {
    static final int PUSH_BYTES = 64; // Vulkan guarantees 128
    static final int BINDINGS = 3;
    private static final long FENCE_TIMEOUT_NS = 120_000_000_000L; // lavapipe is slow; a hang must still end

    final VulkanDeviceInfo info;
    final VkInstance instance;
    final VkPhysicalDevice physical;
    final VkDevice device;
    final VkQueue queue;
    private final long commandPool;
    private final VkCommandBuffer cmd;
    private final long fence;
    final long setLayout;
    final long pipelineLayout;
    private final Map<String, Long> pipelines = new HashMap<>();
    private final List<GpuBuffer> buffers = new ArrayList<>();
    private final EnumMap<GpuBuffer.Kind, Long> bytes = new EnumMap<>(GpuBuffer.Kind.class);
    private final VkPhysicalDeviceMemoryProperties memProps;
    private final boolean forceStaging;
    private boolean recording;
    private boolean closed;

    VulkanContext(VulkanDeviceInfo info, boolean forceStaging) {
        String loader = Vk.loadLoader();
        if (loader != null) throw new IllegalStateException(loader);
        this.info = info;
        this.forceStaging = forceStaging;
        this.instance = Vk.createInstance();
        VkDevice dev = null;
        long pool = 0, fen = 0, layout = 0, pl = 0;
        try (MemoryStack st = MemoryStack.stackPush()) {
            List<VkPhysicalDevice> all = VulkanProbe.physicalDevices(instance);
            if (info.index() >= all.size()) throw new IllegalStateException("Vulkan device " + info.index() + " is gone");
            physical = all.get(info.index());
            int family = VulkanProbe.computeQueueFamily(physical);
            if (family < 0) throw new IllegalStateException(info.name() + " has no compute queue");
            VkDeviceQueueCreateInfo.Buffer q = VkDeviceQueueCreateInfo.calloc(1, st).sType$Default()
                    .queueFamilyIndex(family).pQueuePriorities(st.floats(1f));
            VkDeviceCreateInfo dci = VkDeviceCreateInfo.calloc(st).sType$Default().pQueueCreateInfos(q);
            PointerBuffer pp = st.mallocPointer(1);
            Vk.check(vkCreateDevice(physical, dci, null, pp), "vkCreateDevice");
            Vk.LIVE_OBJECTS.incrementAndGet();
            dev = new VkDevice(pp.get(0), physical, dci);
            device = dev;
            vkGetDeviceQueue(device, family, 0, pp);
            queue = new VkQueue(pp.get(0), device);

            LongBuffer lp = st.mallocLong(1);
            Vk.check(vkCreateCommandPool(device, VkCommandPoolCreateInfo.calloc(st).sType$Default()
                    .flags(VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT).queueFamilyIndex(family), null, lp), "vkCreateCommandPool");
            pool = lp.get(0);
            Vk.LIVE_OBJECTS.incrementAndGet();
            Vk.check(vkAllocateCommandBuffers(device, VkCommandBufferAllocateInfo.calloc(st).sType$Default()
                    .commandPool(pool).level(VK_COMMAND_BUFFER_LEVEL_PRIMARY).commandBufferCount(1), pp), "vkAllocateCommandBuffers");
            cmd = new VkCommandBuffer(pp.get(0), device);
            Vk.check(vkCreateFence(device, VkFenceCreateInfo.calloc(st).sType$Default(), null, lp), "vkCreateFence");
            fen = lp.get(0);
            Vk.LIVE_OBJECTS.incrementAndGet();

            VkDescriptorSetLayoutBinding.Buffer b = VkDescriptorSetLayoutBinding.calloc(BINDINGS, st);
            for (int i = 0; i < BINDINGS; i++) {
                b.get(i).binding(i).descriptorType(VK_DESCRIPTOR_TYPE_STORAGE_BUFFER).descriptorCount(1)
                        .stageFlags(VK_SHADER_STAGE_COMPUTE_BIT);
            }
            Vk.check(vkCreateDescriptorSetLayout(device, VkDescriptorSetLayoutCreateInfo.calloc(st).sType$Default()
                    .pBindings(b), null, lp), "vkCreateDescriptorSetLayout");
            layout = lp.get(0);
            Vk.LIVE_OBJECTS.incrementAndGet();
            VkPushConstantRange.Buffer pc = VkPushConstantRange.calloc(1, st)
                    .stageFlags(VK_SHADER_STAGE_COMPUTE_BIT).offset(0).size(PUSH_BYTES);
            Vk.check(vkCreatePipelineLayout(device, VkPipelineLayoutCreateInfo.calloc(st).sType$Default()
                    .pSetLayouts(st.longs(layout)).pPushConstantRanges(pc), null, lp), "vkCreatePipelineLayout");
            pl = lp.get(0);
            Vk.LIVE_OBJECTS.incrementAndGet();
            memProps = VkPhysicalDeviceMemoryProperties.malloc();
            vkGetPhysicalDeviceMemoryProperties(physical, memProps);
        } catch (RuntimeException | Error e) {
            // undo what was made before the failure, then rethrow
            if (dev != null) {
                if (pl != 0) { vkDestroyPipelineLayout(dev, pl, null); Vk.LIVE_OBJECTS.decrementAndGet(); }
                if (layout != 0) { vkDestroyDescriptorSetLayout(dev, layout, null); Vk.LIVE_OBJECTS.decrementAndGet(); }
                if (fen != 0) { vkDestroyFence(dev, fen, null); Vk.LIVE_OBJECTS.decrementAndGet(); }
                if (pool != 0) { vkDestroyCommandPool(dev, pool, null); Vk.LIVE_OBJECTS.decrementAndGet(); }
                vkDestroyDevice(dev, null);
                Vk.LIVE_OBJECTS.decrementAndGet();
            }
            Vk.destroyInstance(instance);
            throw e;
        }
        commandPool = pool;
        fence = fen;
        setLayout = layout;
        pipelineLayout = pl;
    }

    // ---- pipelines ---------------------------------------------------------------------------------------

    /** The compute pipeline of {@code spirv/NAME.spv}, created on first use. */
    long pipeline(String name) {
        Long p = pipelines.get(name);
        if (p != null) return p;
        ByteBuffer code = loadSpirv(name);
        try (MemoryStack st = MemoryStack.stackPush()) {
            LongBuffer lp = st.mallocLong(1);
            Vk.check(vkCreateShaderModule(device, VkShaderModuleCreateInfo.calloc(st).sType$Default().pCode(code), null, lp),
                    "vkCreateShaderModule " + name);
            long module = lp.get(0);
            try {
                VkComputePipelineCreateInfo.Buffer ci = VkComputePipelineCreateInfo.calloc(1, st).sType$Default()
                        .layout(pipelineLayout);
                ci.stage().sType$Default().stage(VK_SHADER_STAGE_COMPUTE_BIT).module(module).pName(st.UTF8("main"));
                Vk.check(vkCreateComputePipelines(device, VK_NULL_HANDLE, ci, null, lp), "vkCreateComputePipelines " + name);
            } finally {
                vkDestroyShaderModule(device, module, null);
                MemoryUtil.memFree(code);
            }
            Vk.LIVE_OBJECTS.incrementAndGet();
            pipelines.put(name, lp.get(0));
            return lp.get(0);
        }
    }

    private static ByteBuffer loadSpirv(String name) {
        String res = "spirv/" + name + ".spv";
        try (InputStream in = VulkanContext.class.getResourceAsStream(res)) {
            if (in == null) throw new IllegalStateException("SPIR-V resource " + res + " missing from the jar (build step compile-shaders)");
            byte[] b = in.readAllBytes();
            if (b.length == 0 || b.length % 4 != 0) throw new IllegalStateException("SPIR-V resource " + res + " is corrupt (" + b.length + " bytes)");
            ByteBuffer code = MemoryUtil.memAlloc(b.length);
            code.put(b).flip();
            return code;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + res, e);
        }
    }

    // ---- buffers -----------------------------------------------------------------------------------------

    /**
     * A storage buffer of at least {@code size} bytes (rounded up to 4). Host-visible memory for activations
     * and staging; weights prefer device-local memory and are host-mapped only where that memory is also
     * host-visible (unified memory), else {@link #upload} copies through a staging buffer.
     */
    GpuBuffer allocate(long size, GpuBuffer.Kind kind) {
        if (size <= 0) throw new IllegalArgumentException("buffer size must be > 0, got " + size);
        long rounded = (size + 3) & ~3L;
        if (rounded > info.maxMemoryAllocationSize()) {
            throw new IllegalArgumentException(kind + " buffer of " + rounded + " bytes exceeds maxMemoryAllocationSize "
                    + info.maxMemoryAllocationSize());
        }
        boolean deviceData = kind != GpuBuffer.Kind.ACTIVATIONS && kind != GpuBuffer.Kind.STAGING;
        int usage = kind == GpuBuffer.Kind.STAGING ? VK_BUFFER_USAGE_TRANSFER_SRC_BIT
                : VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
        try (MemoryStack st = MemoryStack.stackPush()) {
            LongBuffer lp = st.mallocLong(1);
            Vk.check(vkCreateBuffer(device, VkBufferCreateInfo.calloc(st).sType$Default().size(rounded).usage(usage)
                    .sharingMode(VK_SHARING_MODE_EXCLUSIVE), null, lp), "vkCreateBuffer");
            long buffer = lp.get(0);
            Vk.LIVE_OBJECTS.incrementAndGet();
            long memory = 0;
            try {
                VkMemoryRequirements req = VkMemoryRequirements.calloc(st);
                vkGetBufferMemoryRequirements(device, buffer, req);
                int hostBits = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
                int type = -1;
                if (deviceData) {
                    if (!forceStaging) type = memoryType(req.memoryTypeBits(), VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | hostBits);
                    if (type < 0) type = memoryType(req.memoryTypeBits(), VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
                    if (type < 0 && !forceStaging) type = memoryType(req.memoryTypeBits(), hostBits);
                } else {
                    type = memoryType(req.memoryTypeBits(), hostBits | VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
                    if (type < 0) type = memoryType(req.memoryTypeBits(), hostBits);
                }
                if (type < 0) throw new IllegalStateException("no suitable memory type for a " + kind + " buffer");
                Vk.check(vkAllocateMemory(device, VkMemoryAllocateInfo.calloc(st).sType$Default()
                        .allocationSize(req.size()).memoryTypeIndex(type), null, lp),
                        "vkAllocateMemory(" + req.size() + " bytes, " + kind + ")");
                memory = lp.get(0);
                Vk.LIVE_OBJECTS.incrementAndGet();
                Vk.check(vkBindBufferMemory(device, buffer, memory, 0), "vkBindBufferMemory");
                ByteBuffer mapped = null;
                if ((memProps.memoryTypes(type).propertyFlags() & hostBits) == hostBits) {
                    PointerBuffer pp = st.mallocPointer(1);
                    Vk.check(vkMapMemory(device, memory, 0, rounded, 0, pp), "vkMapMemory");
                    mapped = MemoryUtil.memByteBuffer(pp.get(0), (int) Math.min(rounded, Integer.MAX_VALUE))
                            .order(ByteOrder.LITTLE_ENDIAN);
                }
                GpuBuffer g = new GpuBuffer(buffer, memory, rounded, kind, mapped);
                buffers.add(g);
                bytes.merge(kind, rounded, Long::sum);
                return g;
            } catch (RuntimeException e) {
                if (memory != 0) { vkFreeMemory(device, memory, null); Vk.LIVE_OBJECTS.decrementAndGet(); }
                vkDestroyBuffer(device, buffer, null);
                Vk.LIVE_OBJECTS.decrementAndGet();
                throw e;
            }
        }
    }

    private int memoryType(int allowed, int flags) {
        for (int i = 0; i < memProps.memoryTypeCount(); i++) {
            if ((allowed & (1 << i)) != 0 && (memProps.memoryTypes(i).propertyFlags() & flags) == flags) return i;
        }
        return -1;
    }

    void free(GpuBuffer g) {
        if (g.destroyed) return;
        g.destroyed = true;
        if (g.mapped != null) vkUnmapMemory(device, g.memory);
        vkDestroyBuffer(device, g.buffer, null);
        vkFreeMemory(device, g.memory, null);
        Vk.LIVE_OBJECTS.addAndGet(-2);
        buffers.remove(g);
        bytes.merge(g.kind, -g.size, Long::sum);
    }

    /**
     * Fills {@code dst} from {@code src} (its remaining bytes) at byte {@code dstOffset}: directly into the
     * mapping, or through a temporary staging buffer and a transfer when the memory is not host-visible.
     */
    void upload(GpuBuffer dst, long dstOffset, ByteBuffer src) {
        int n = src.remaining();
        if (dstOffset < 0 || dstOffset + n > dst.size) {
            throw new IllegalArgumentException("upload of " + n + " bytes at " + dstOffset + " overflows a " + dst.size + "-byte buffer");
        }
        if (dst.mapped != null) {
            dst.mapped.put((int) dstOffset, src, src.position(), n);
            return;
        }
        GpuBuffer staging = allocate(n, GpuBuffer.Kind.STAGING);
        try (MemoryStack st = MemoryStack.stackPush()) {
            staging.mapped.put(0, src, src.position(), n);
            begin();
            VkBufferCopy.Buffer region = VkBufferCopy.calloc(1, st).srcOffset(0).dstOffset(dstOffset).size((n + 3) & ~3L);
            vkCmdCopyBuffer(cmd, staging.buffer, dst.buffer, region);
            submitAndWait();
        } finally {
            free(staging);
        }
    }

    /** Bytes currently allocated, per buffer kind. */
    Map<GpuBuffer.Kind, Long> allocatedBytes() {
        EnumMap<GpuBuffer.Kind, Long> m = new EnumMap<>(GpuBuffer.Kind.class);
        for (GpuBuffer.Kind k : GpuBuffer.Kind.values()) m.put(k, bytes.getOrDefault(k, 0L));
        return m;
    }

    // ---- descriptor sets ---------------------------------------------------------------------------------

    /** A new set of growable descriptor pools for this device's layout; close it to free every set. */
    DescriptorPools descriptorPools() {
        return new DescriptorPools(device, setLayout);
    }

    // ---- command recording -------------------------------------------------------------------------------

    /** Starts recording into the shared command buffer. */
    VkCommandBuffer begin() {
        if (recording) throw new IllegalStateException("command buffer already recording");
        try (MemoryStack st = MemoryStack.stackPush()) {
            Vk.check(vkBeginCommandBuffer(cmd, VkCommandBufferBeginInfo.calloc(st).sType$Default()
                    .flags(VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT)), "vkBeginCommandBuffer");
        }
        recording = true;
        return cmd;
    }

    /** Records a dispatch of {@code pipeline} with {@code set} and the push constants in {@code push}. */
    void dispatch(long pipeline, long set, ByteBuffer push, int groupsX, int groupsY) {
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
        try (MemoryStack st = MemoryStack.stackPush()) {
            vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipelineLayout, 0, st.longs(set), null);
        }
        vkCmdPushConstants(cmd, pipelineLayout, VK_SHADER_STAGE_COMPUTE_BIT, 0, push);
        vkCmdDispatch(cmd, groupsX, groupsY, 1);
    }

    /** Records a copy of {@code size} bytes between buffers. */
    void copy(GpuBuffer src, long srcOff, GpuBuffer dst, long dstOff, long size) {
        try (MemoryStack st = MemoryStack.stackPush()) {
            vkCmdCopyBuffer(cmd, src.buffer, dst.buffer, VkBufferCopy.calloc(1, st).srcOffset(srcOff).dstOffset(dstOff).size(size));
        }
    }

    /** Makes copies recorded so far visible to the next dispatches. */
    void transferToComputeBarrier() {
        barrier(VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    }

    /** Makes shader writes so far visible to the next copies. */
    void computeToTransferBarrier() {
        barrier(VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT);
    }

    /** Makes shader writes so far visible to the next dispatch (a dependent op in the same submission). */
    void computeBarrier() {
        barrier(VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    }

    private void barrier(int srcStage, int srcAccess, int dstStage, int dstAccess) {
        try (MemoryStack st = MemoryStack.stackPush()) {
            VkMemoryBarrier.Buffer mb = VkMemoryBarrier.calloc(1, st).sType$Default()
                    .srcAccessMask(srcAccess).dstAccessMask(dstAccess);
            vkCmdPipelineBarrier(cmd, srcStage, dstStage, 0, mb, null, null);
        }
    }

    /** Ends recording, makes all writes visible to the host, submits and waits. */
    void submitAndWait() {
        if (!recording) throw new IllegalStateException("nothing recorded");
        recording = false;
        barrier(VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
        Vk.check(vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
        try (MemoryStack st = MemoryStack.stackPush()) {
            VkSubmitInfo si = VkSubmitInfo.calloc(st).sType$Default().pCommandBuffers(st.pointers(cmd));
            Vk.check(vkQueueSubmit(queue, si, fence), "vkQueueSubmit");
            Vk.check(vkWaitForFences(device, st.longs(fence), true, FENCE_TIMEOUT_NS), "vkWaitForFences");
            Vk.check(vkResetFences(device, st.longs(fence)), "vkResetFences");
            Vk.check(vkResetCommandBuffer(cmd, 0), "vkResetCommandBuffer");
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        vkDeviceWaitIdle(device);
        for (GpuBuffer g : new ArrayList<>(buffers)) free(g);
        for (long p : pipelines.values()) { vkDestroyPipeline(device, p, null); Vk.LIVE_OBJECTS.decrementAndGet(); }
        pipelines.clear();
        vkDestroyPipelineLayout(device, pipelineLayout, null);
        vkDestroyDescriptorSetLayout(device, setLayout, null);
        vkDestroyFence(device, fence, null);
        vkDestroyCommandPool(device, commandPool, null); // frees the command buffer too
        vkDestroyDevice(device, null);
        Vk.LIVE_OBJECTS.addAndGet(-5);
        memProps.free();
        Vk.destroyInstance(instance);
    }
}
