package dev.edgellm.spi;

/**
 * What a {@link BackendProvider} says about itself on this machine: a score (higher wins, 0 = unusable) and
 * a one-line reason that is logged and shown to users ("AVX2 256-bit, 2 threads", or for an unusable one,
 * what to do about it). A backend that works but should run only when named (e.g. a GPU backend on a
 * software rasterizer) is {@link #onRequest(String) available on request}: {@code auto} never picks it.
 */
public final class Availability {
    private final int score;
    private final String reason;
    private final boolean auto;

    private Availability(int score, String reason, boolean auto) {
        this.score = score;
        this.reason = reason;
        this.auto = auto;
    }

    public static Availability available(int score, String description) {
        if (score <= 0) throw new IllegalArgumentException("score of an available backend must be > 0");
        return new Availability(score, description, true);
    }

    /** Usable when asked for by name, never chosen by {@code auto}; the description says why. */
    public static Availability onRequest(String description) {
        return new Availability(1, description, false);
    }

    public static Availability unavailable(String reason) {
        return new Availability(0, reason, false);
    }

    public boolean isAvailable() { return score > 0; }

    /** Whether {@code auto} may choose it (available and not {@link #onRequest on request only}). */
    public boolean autoSelectable() { return auto && isAvailable(); }

    public int score() { return score; }

    public String reason() { return reason; }

    @Override
    public String toString() {
        if (!isAvailable()) return "unavailable: " + reason;
        return auto ? "available (score " + score + "): " + reason : "available on request: " + reason;
    }
}
