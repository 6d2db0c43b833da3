package dev.edgellm.vulkan;

/** Child-JVM entry of {@link VulkanBackendProviderTest}: prints what the provider says, exits 0. */
public final class ProbeMain {
    public static void main(String[] args) {
        System.out.println("PROBE " + new VulkanBackendProvider().probe());
    }
}
