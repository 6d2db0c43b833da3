package dev.edgellm.profiles;

/**
 * Reports this machine's GPU for the {@code local} profile. Implemented by a GPU backend (the Vulkan backend
 * reads its device properties) and found with {@link java.util.ServiceLoader}, so this Android-safe module
 * needs no GPU code: without a provider on the class path the local profile has no GPU. A probe may load a
 * driver (hundreds of milliseconds, tens of megabytes), so it runs only when a plan needs the GPU.
 */
public interface GpuProbe {
    /** The GPU a backend would use here, or null when there is none; must not throw. */
    DeviceProfile.Gpu detect();
}
