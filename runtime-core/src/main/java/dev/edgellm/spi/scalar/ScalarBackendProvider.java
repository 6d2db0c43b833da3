package dev.edgellm.spi.scalar;

import dev.edgellm.spi.Availability;
import dev.edgellm.spi.Backend;
import dev.edgellm.spi.BackendOptions;
import dev.edgellm.spi.BackendProvider;

/** The portable reference backend: always available, lowest score, single-threaded. */
public final class ScalarBackendProvider implements BackendProvider {
    public static final String NAME = "scalar";

    @Override
    public String name() { return NAME; }

    @Override
    public Availability probe() {
        return Availability.available(1, "portable scalar reference kernels, 1 thread");
    }

    @Override
    public Backend open(BackendOptions options) {
        return new Backend() {
            @Override public String name() { return NAME; }
            @Override public String description() { return "scalar (reference kernels, 1 thread)"; }
        };
    }
}
