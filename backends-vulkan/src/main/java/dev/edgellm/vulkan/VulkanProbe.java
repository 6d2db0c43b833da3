package dev.edgellm.vulkan;

import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.vulkan.VkExtensionProperties;
import org.lwjgl.vulkan.VkInstance;
import org.lwjgl.vulkan.VkPhysicalDevice;
import org.lwjgl.vulkan.VkPhysicalDevice16BitStorageFeatures;
import org.lwjgl.vulkan.VkPhysicalDevice8BitStorageFeatures;
import org.lwjgl.vulkan.VkPhysicalDeviceFeatures2;
import org.lwjgl.vulkan.VkPhysicalDeviceLimits;
import org.lwjgl.vulkan.VkPhysicalDeviceMaintenance3Properties;
import org.lwjgl.vulkan.VkPhysicalDeviceMemoryProperties;
import org.lwjgl.vulkan.VkPhysicalDeviceProperties;
import org.lwjgl.vulkan.VkPhysicalDeviceProperties2;
import org.lwjgl.vulkan.VkPhysicalDeviceShaderFloat16Int8Features;
import org.lwjgl.vulkan.VkPhysicalDeviceShaderIntegerDotProductFeatures;
import org.lwjgl.vulkan.VkPhysicalDeviceSubgroupProperties;
import org.lwjgl.vulkan.VkQueueFamilyProperties;

import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.lwjgl.vulkan.VK11.*;

/**
 * Finds the Vulkan devices of this machine and picks one for the backend, without ever throwing: no loader,
 * no driver (ICD) or no device able to run compute on Vulkan 1.1 each give {@link #available()} false and a
 * {@link #reason()} saying what to install. Done once per JVM ({@link #get()}); it creates and destroys a
 * throw-away instance.
 *
 * <p>Device choice: the system property {@code edgellm.vulkan.device} (an index) if set, else the best
 * usable type (discrete, integrated, virtual, then CPU/software), the lowest index first.
 */
public final class VulkanProbe {
    public static final String DEVICE_PROPERTY = "edgellm.vulkan.device";

    private static VulkanProbe cached;

    private final List<VulkanDeviceInfo> devices;
    private final VulkanDeviceInfo selected;
    private final String reason;

    private VulkanProbe(List<VulkanDeviceInfo> devices, VulkanDeviceInfo selected, String reason) {
        this.devices = Collections.unmodifiableList(devices);
        this.selected = selected;
        this.reason = reason;
    }

    /** The probe of this JVM, computed on first use. */
    public static synchronized VulkanProbe get() {
        if (cached == null) cached = run();
        return cached;
    }

    public boolean available() { return selected != null; }

    /** Every device the driver lists (empty without loader or driver). */
    public List<VulkanDeviceInfo> devices() { return devices; }

    /** The device the backend would use. */
    public Optional<VulkanDeviceInfo> selected() { return Optional.ofNullable(selected); }

    /** The chosen device's summary, or why there is none. */
    public String reason() { return reason; }

    static VulkanProbe run() {
        try {
            String loader = Vk.loadLoader();
            if (loader != null) return new VulkanProbe(List.of(), null, loader);
            VkInstance instance;
            try {
                instance = Vk.createInstance();
            } catch (VulkanException e) {
                return new VulkanProbe(List.of(), null, "cannot create a Vulkan instance: " + e.getMessage()
                        + "; is a Vulkan driver installed (VK_ICD_FILENAMES=" + System.getenv("VK_ICD_FILENAMES") + ")?");
            }
            try {
                List<VulkanDeviceInfo> list = new ArrayList<>();
                for (VkPhysicalDevice d : physicalDevices(instance)) list.add(describe(d, list.size()));
                if (list.isEmpty()) return new VulkanProbe(list, null, "the Vulkan loader lists no device (no driver/ICD installed?)");
                return choose(list, System.getProperty(DEVICE_PROPERTY));
            } finally {
                Vk.destroyInstance(instance);
            }
        } catch (Throwable t) { // a broken driver must not take the engine down: report it
            return new VulkanProbe(List.of(), null, "Vulkan probe failed: " + t);
        }
    }

    static VulkanProbe choose(List<VulkanDeviceInfo> list, String forced) {
        if (forced != null && !forced.isBlank()) {
            int i;
            try {
                i = Integer.parseInt(forced.trim());
            } catch (NumberFormatException e) {
                return new VulkanProbe(list, null, DEVICE_PROPERTY + "=" + forced + " is not a device index (0.." + (list.size() - 1) + ")");
            }
            if (i < 0 || i >= list.size()) {
                return new VulkanProbe(list, null, DEVICE_PROPERTY + "=" + i + " but there are " + list.size() + " device(s)");
            }
            VulkanDeviceInfo d = list.get(i);
            return d.usable() ? new VulkanProbe(list, d, d.summary())
                    : new VulkanProbe(list, null, "device " + i + " " + d.name() + " is not usable: needs Vulkan 1.1 and a compute queue");
        }
        VulkanDeviceInfo best = null;
        for (VulkanDeviceInfo d : list) {
            if (d.usable() && (best == null || rank(d.type()) < rank(best.type()))) best = d;
        }
        if (best == null) {
            StringBuilder sb = new StringBuilder("no Vulkan 1.1 device with a compute queue:");
            for (VulkanDeviceInfo d : list) sb.append(' ').append(d.name()).append(" (Vulkan ").append(d.apiVersion()).append(')');
            return new VulkanProbe(list, null, sb.toString());
        }
        return new VulkanProbe(list, best, best.summary());
    }

    private static int rank(String type) {
        return switch (type) {
            case "discrete" -> 0;
            case "integrated" -> 1;
            case "virtual" -> 2;
            case "cpu" -> 3;
            default -> 4;
        };
    }

    static List<VkPhysicalDevice> physicalDevices(VkInstance instance) {
        try (MemoryStack st = MemoryStack.stackPush()) {
            IntBuffer n = st.mallocInt(1);
            Vk.check(vkEnumeratePhysicalDevices(instance, n, null), "vkEnumeratePhysicalDevices");
            PointerBuffer pp = st.mallocPointer(n.get(0));
            Vk.check(vkEnumeratePhysicalDevices(instance, n, pp), "vkEnumeratePhysicalDevices");
            List<VkPhysicalDevice> out = new ArrayList<>();
            for (int i = 0; i < n.get(0); i++) out.add(new VkPhysicalDevice(pp.get(i), instance));
            return out;
        }
    }

    /** Index of a queue family with compute, preferring a compute-only one (async compute), -1 if none. */
    static int computeQueueFamily(VkPhysicalDevice d) {
        try (MemoryStack st = MemoryStack.stackPush()) {
            IntBuffer n = st.mallocInt(1);
            vkGetPhysicalDeviceQueueFamilyProperties(d, n, null);
            VkQueueFamilyProperties.Buffer q = VkQueueFamilyProperties.calloc(n.get(0), st);
            vkGetPhysicalDeviceQueueFamilyProperties(d, n, q);
            int any = -1;
            for (int i = 0; i < q.capacity(); i++) {
                int flags = q.get(i).queueFlags();
                if ((flags & VK_QUEUE_COMPUTE_BIT) == 0) continue;
                if ((flags & VK_QUEUE_GRAPHICS_BIT) == 0) return i;
                if (any < 0) any = i;
            }
            return any;
        }
    }

    static VulkanDeviceInfo describe(VkPhysicalDevice d, int index) {
        try (MemoryStack st = MemoryStack.stackPush()) {
            VkPhysicalDeviceProperties base = VkPhysicalDeviceProperties.calloc(st);
            vkGetPhysicalDeviceProperties(d, base);
            int api = base.apiVersion();
            boolean v11 = VK_API_VERSION_MAJOR(api) > 1 || VK_API_VERSION_MINOR(api) >= 1;
            boolean v12 = VK_API_VERSION_MAJOR(api) > 1 || VK_API_VERSION_MINOR(api) >= 2;
            boolean v13 = VK_API_VERSION_MAJOR(api) > 1 || VK_API_VERSION_MINOR(api) >= 3;
            Set<String> ext = extensions(d);
            VkPhysicalDeviceLimits limits = base.limits();

            int subgroupSize = 1;
            List<String> ops = new ArrayList<>();
            boolean subgroupCompute = false;
            long maxAlloc = 1L << 30; // the spec's guaranteed minimum when maintenance3 is missing
            boolean f16Storage = false, i8Storage = false, fp16 = false, int8 = false, dot = false;
            if (v11) {
                VkPhysicalDeviceSubgroupProperties sub = VkPhysicalDeviceSubgroupProperties.calloc(st).sType$Default();
                VkPhysicalDeviceMaintenance3Properties m3 = VkPhysicalDeviceMaintenance3Properties.calloc(st).sType$Default();
                sub.pNext(m3.address());
                VkPhysicalDeviceProperties2 p2 = VkPhysicalDeviceProperties2.calloc(st).sType$Default().pNext(sub.address());
                vkGetPhysicalDeviceProperties2(d, p2);
                subgroupSize = sub.subgroupSize();
                subgroupCompute = (sub.supportedStages() & VK_SHADER_STAGE_COMPUTE_BIT) != 0;
                int o = sub.supportedOperations();
                String[] names = {"basic", "vote", "arithmetic", "ballot", "shuffle", "shuffle_relative", "clustered", "quad"};
                for (int b = 0; b < names.length; b++) if ((o & (1 << b)) != 0) ops.add(names[b]);
                maxAlloc = m3.maxMemoryAllocationSize();

                // features: 16-bit storage is core 1.1; the others only where the device knows the struct
                VkPhysicalDevice16BitStorageFeatures s16 = VkPhysicalDevice16BitStorageFeatures.calloc(st).sType$Default();
                long chain = s16.address();
                VkPhysicalDevice8BitStorageFeatures s8 = null;
                VkPhysicalDeviceShaderFloat16Int8Features f16i8 = null;
                VkPhysicalDeviceShaderIntegerDotProductFeatures idp = null;
                if (v12 || ext.contains("VK_KHR_8bit_storage")) {
                    s8 = VkPhysicalDevice8BitStorageFeatures.calloc(st).sType$Default().pNext(chain);
                    chain = s8.address();
                }
                if (v12 || ext.contains("VK_KHR_shader_float16_int8")) {
                    f16i8 = VkPhysicalDeviceShaderFloat16Int8Features.calloc(st).sType$Default().pNext(chain);
                    chain = f16i8.address();
                }
                if (v13 || ext.contains("VK_KHR_shader_integer_dot_product")) {
                    idp = VkPhysicalDeviceShaderIntegerDotProductFeatures.calloc(st).sType$Default().pNext(chain);
                    chain = idp.address();
                }
                VkPhysicalDeviceFeatures2 f2 = VkPhysicalDeviceFeatures2.calloc(st).sType$Default().pNext(chain);
                vkGetPhysicalDeviceFeatures2(d, f2);
                f16Storage = s16.storageBuffer16BitAccess();
                i8Storage = s8 != null && s8.storageBuffer8BitAccess();
                fp16 = f16i8 != null && f16i8.shaderFloat16();
                int8 = f16i8 != null && f16i8.shaderInt8();
                dot = idp != null && idp.shaderIntegerDotProduct();
            }

            VkPhysicalDeviceMemoryProperties mem = VkPhysicalDeviceMemoryProperties.calloc(st);
            vkGetPhysicalDeviceMemoryProperties(d, mem);
            long local = 0;
            for (int h = 0; h < mem.memoryHeapCount(); h++) {
                if ((mem.memoryHeaps(h).flags() & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0) local += mem.memoryHeaps(h).size();
            }
            return new VulkanDeviceInfo(index, base.deviceNameString(), typeName(base.deviceType()), base.vendorID(),
                    Vk.version(api), base.driverVersion(), subgroupSize, ops, subgroupCompute, f16Storage, i8Storage,
                    fp16, int8, dot, Integer.toUnsignedLong(limits.maxStorageBufferRange()), maxAlloc,
                    limits.maxComputeWorkGroupInvocations(), Integer.toUnsignedLong(limits.maxComputeSharedMemorySize()),
                    local, computeQueueFamily(d) >= 0);
        }
    }

    private static Set<String> extensions(VkPhysicalDevice d) {
        try (MemoryStack st = MemoryStack.stackPush()) {
            IntBuffer n = st.mallocInt(1);
            Vk.check(vkEnumerateDeviceExtensionProperties(d, (String) null, n, null), "vkEnumerateDeviceExtensionProperties");
            VkExtensionProperties.Buffer b = VkExtensionProperties.malloc(n.get(0));
            try {
                Vk.check(vkEnumerateDeviceExtensionProperties(d, (String) null, n, b), "vkEnumerateDeviceExtensionProperties");
                Set<String> s = new HashSet<>();
                for (int i = 0; i < b.capacity(); i++) s.add(b.get(i).extensionNameString());
                return s;
            } finally {
                b.free();
            }
        }
    }

    private static String typeName(int t) {
        return switch (t) {
            case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU -> "discrete";
            case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU -> "integrated";
            case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU -> "virtual";
            case VK_PHYSICAL_DEVICE_TYPE_CPU -> "cpu";
            default -> "other";
        };
    }

    /** Prints what the probe found: {@code java -cp ... dev.edgellm.vulkan.VulkanProbe}. */
    public static void main(String[] args) {
        VulkanProbe p = get();
        for (VulkanDeviceInfo d : p.devices()) System.out.println(d);
        System.out.println((p.available() ? "selected: " : "unavailable: ") + p.reason());
    }
}
