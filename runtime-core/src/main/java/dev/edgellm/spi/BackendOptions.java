package dev.edgellm.spi;

/** Options a backend is opened with. Immutable. */
public final class BackendOptions {
    private final int threads;

    public BackendOptions(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
    }

    /** Worker threads the backend may use (a hint; the scalar backend uses one). */
    public int threads() { return threads; }
}
