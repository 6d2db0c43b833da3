package dev.edgellm.spi;

/**
 * Entry point of a compute backend, found with {@link java.util.ServiceLoader} (register the implementation
 * in {@code META-INF/services/dev.edgellm.spi.BackendProvider}). Core never names a backend class: the
 * engine probes the providers {@code auto} considers and picks the highest score, or probes only the one the
 * user forced by name, and logs one line saying which and why. A provider must be cheap to construct and must not throw from {@link #probe()};
 * an unusable one returns {@link Availability#unavailable(String)} with the reason.
 */
public interface BackendProvider {
    /** Short lower-case name used on the command line, e.g. {@code scalar}, {@code simd}, {@code vulkan}. */
    String name();

    Availability probe();

    /**
     * Whether {@code auto} considers this provider at all. False for backends that run only when named
     * (see {@link Availability#onRequest}): the engine then does not even probe them for {@code auto}, since a
     * GPU probe can take seconds and load a driver of a hundred megabytes into the process.
     */
    default boolean autoSelectable() {
        return true;
    }

    /**
     * Whether this provider's backends can keep layers resident on a device ({@link Backend#offloadLayers}):
     * the engine opens such a provider next to the CPU backend when GPU layers are requested.
     */
    default boolean offloadsLayers() {
        return false;
    }

    /** Opens a backend; only called when {@link #probe()} said it is available. */
    Backend open(BackendOptions options);
}
