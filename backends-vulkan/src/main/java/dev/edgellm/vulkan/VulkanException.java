package dev.edgellm.vulkan;

/** A Vulkan call failed; {@link #result()} is the VkResult. */
public final class VulkanException extends RuntimeException {
    private final int result;

    public VulkanException(String message, int result) {
        super(message);
        this.result = result;
    }

    public int result() { return result; }
}
