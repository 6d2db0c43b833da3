package dev.edgellm.spi;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A provider registered only on the test class path that counts its probes, standing in for a backend whose
 * probe is expensive (a GPU driver): {@code EngineBackendChoiceTest} checks which providers the engine probes.
 */
public final class ProbeCountingProvider implements BackendProvider {
    public static final String NAME = "probe-counter";
    public static final AtomicInteger PROBES = new AtomicInteger();

    @Override
    public String name() { return NAME; }

    @Override
    public Availability probe() {
        PROBES.incrementAndGet();
        return Availability.unavailable("a test provider: it counts probes and never runs");
    }

    @Override
    public boolean autoSelectable() { return false; }

    @Override
    public Backend open(BackendOptions options) {
        throw new IllegalStateException("never available");
    }
}
