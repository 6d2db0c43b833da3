package dev.edgellm.vulkan;

import org.lwjgl.PointerBuffer;
import org.lwjgl.system.Configuration;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.vulkan.VK;
import org.lwjgl.vulkan.VkApplicationInfo;
import org.lwjgl.vulkan.VkInstance;
import org.lwjgl.vulkan.VkInstanceCreateInfo;

import java.util.concurrent.atomic.AtomicInteger;

import static org.lwjgl.vulkan.VK10.*;

/** Loader set-up, instance creation, error checks and a live-object counter (leak tests). */
final class Vk {
    private Vk() {}

    /** Vulkan objects created and not yet destroyed by this backend, over the whole JVM (tests assert 0). */
    static final AtomicInteger LIVE_OBJECTS = new AtomicInteger();

    private static String loaderError;
    private static boolean loaderTried;

    /**
     * Loads libvulkan once per JVM (LWJGL's VK.create). Returns null when it is usable, else why not; never
     * throws, so a probe on a machine without Vulkan just reports the reason.
     */
    static synchronized String loadLoader() {
        if (!loaderTried) {
            loaderTried = true;
            try {
                // LWJGL would otherwise load the loader in VK's static initialiser, where a failure poisons the class
                Configuration.VULKAN_EXPLICIT_INIT.set(true);
                VK.create();
            } catch (Throwable t) { // UnsatisfiedLinkError, IllegalStateException: no loader or no LWJGL natives
                loaderError = "no Vulkan loader (" + t.getClass().getSimpleName() + ": " + t.getMessage()
                        + "); install libvulkan1 and a driver (mesa-vulkan-drivers for the software one)";
            }
        }
        return loaderError;
    }

    /** The instance API version to ask for: what the loader supports, capped at 1.3 (the newest we use). */
    static int instanceApiVersion() {
        int loader = VK.getInstanceVersionSupported();
        int max = VK_MAKE_API_VERSION(0, 1, 3, 0);
        return Integer.compareUnsigned(loader, max) < 0 ? loader : max;
    }

    static VkInstance createInstance() {
        try (MemoryStack st = MemoryStack.stackPush()) {
            VkApplicationInfo app = VkApplicationInfo.calloc(st).sType$Default()
                    .pApplicationName(st.UTF8("EdgeLLM")).pEngineName(st.UTF8("EdgeLLM"))
                    .apiVersion(instanceApiVersion());
            VkInstanceCreateInfo ci = VkInstanceCreateInfo.calloc(st).sType$Default().pApplicationInfo(app);
            PointerBuffer pp = st.mallocPointer(1);
            check(vkCreateInstance(ci, null, pp), "vkCreateInstance");
            LIVE_OBJECTS.incrementAndGet();
            return new VkInstance(pp.get(0), ci);
        }
    }

    static void destroyInstance(VkInstance instance) {
        vkDestroyInstance(instance, null);
        LIVE_OBJECTS.decrementAndGet();
    }

    static void check(int result, String call) {
        if (result != VK_SUCCESS) throw new VulkanException(call + " failed: " + resultName(result), result);
    }

    static String resultName(int r) {
        return switch (r) {
            case VK_NOT_READY -> "VK_NOT_READY";
            case VK_TIMEOUT -> "VK_TIMEOUT";
            case VK_INCOMPLETE -> "VK_INCOMPLETE";
            case VK_ERROR_OUT_OF_HOST_MEMORY -> "VK_ERROR_OUT_OF_HOST_MEMORY";
            case VK_ERROR_OUT_OF_DEVICE_MEMORY -> "VK_ERROR_OUT_OF_DEVICE_MEMORY";
            case VK_ERROR_INITIALIZATION_FAILED -> "VK_ERROR_INITIALIZATION_FAILED";
            case VK_ERROR_DEVICE_LOST -> "VK_ERROR_DEVICE_LOST";
            case VK_ERROR_MEMORY_MAP_FAILED -> "VK_ERROR_MEMORY_MAP_FAILED";
            case VK_ERROR_LAYER_NOT_PRESENT -> "VK_ERROR_LAYER_NOT_PRESENT";
            case VK_ERROR_EXTENSION_NOT_PRESENT -> "VK_ERROR_EXTENSION_NOT_PRESENT";
            case VK_ERROR_FEATURE_NOT_PRESENT -> "VK_ERROR_FEATURE_NOT_PRESENT";
            case VK_ERROR_INCOMPATIBLE_DRIVER -> "VK_ERROR_INCOMPATIBLE_DRIVER (no Vulkan driver/ICD found)";
            case VK_ERROR_TOO_MANY_OBJECTS -> "VK_ERROR_TOO_MANY_OBJECTS";
            case VK_ERROR_FORMAT_NOT_SUPPORTED -> "VK_ERROR_FORMAT_NOT_SUPPORTED";
            case VK_ERROR_FRAGMENTED_POOL -> "VK_ERROR_FRAGMENTED_POOL";
            default -> "VkResult " + r;
        };
    }

    static String version(int v) {
        return VK_API_VERSION_MAJOR(v) + "." + VK_API_VERSION_MINOR(v) + "." + VK_API_VERSION_PATCH(v);
    }
}
