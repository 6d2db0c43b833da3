package dev.edgellm.simd;

import dev.edgellm.spi.Availability;
import dev.edgellm.spi.Backend;
import dev.edgellm.spi.BackendOptions;
import dev.edgellm.spi.BackendProvider;

import java.lang.reflect.Method;

/**
 * The Vector API backend. Like Lucene's VectorizationProvider this class names no jdk.incubator.vector type:
 * it must load, probe and explain itself on a JVM started without {@code --add-modules jdk.incubator.vector},
 * so everything that touches vectors lives behind a reflective call to {@link VectorInfo}.
 */
public final class SimdBackendProvider implements BackendProvider {
    public static final String NAME = "simd";
    static final String MODULE = "jdk.incubator.vector";
    private static final int MIN_BITS = 128;

    @Override
    public String name() { return NAME; }

    @Override
    public Availability probe() {
        try {
            if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
                return Availability.unavailable("the Vector API module is not loaded: start the JVM with --add-modules "
                        + MODULE);
            }
            Module vector = ModuleLayer.boot().findModule(MODULE).get();
            if (!getClass().getModule().canRead(vector)) {
                return Availability.unavailable("module " + getClass().getModule().getName() + " does not read "
                        + MODULE + " (add 'requires " + MODULE + "' or run on the class path)");
            }
            int bits = preferredBits();
            if (bits < MIN_BITS) {
                return Availability.unavailable("preferred vector size is " + bits + " bits; SIMD kernels need >= "
                        + MIN_BITS);
            }
            if (!HotSpotFlags.hardwareFma()) { // see there: the scalar backend is ~100x faster on such a CPU
                return Availability.onRequest("Vector API " + bits + "-bit, but the JVM uses no FMA instructions on this "
                        + "CPU (HotSpot UseFMA is off): vector fma would run in software, far slower than the scalar backend");
            }
            return Availability.available(10, "Vector API " + bits + "-bit, kernels at " + ask("kernelBits"));
        } catch (Throwable t) { // probe() must never throw: a broken vector runtime just means "not this one"
            return Availability.unavailable("Vector API probe failed: " + t);
        }
    }

    @Override
    public Backend open(BackendOptions options) {
        return new SimdBackend(options.threads());
    }

    private static int preferredBits() throws ReflectiveOperationException {
        return (Integer) ask("preferredBits");
    }

    /** Asks {@link VectorInfo} reflectively, so the Vector API classes load only once the module is known. */
    private static Object ask(String method) throws ReflectiveOperationException {
        Class<?> c = Class.forName("dev.edgellm.simd.VectorInfo", true, SimdBackendProvider.class.getClassLoader());
        Method m = c.getDeclaredMethod(method);
        return m.invoke(null);
    }
}
