package dev.edgellm.spi;

/**
 * What a {@link BackendProvider} says about itself on this machine: a score (higher wins, 0 = unusable) and
 * a one-line reason that is logged and shown to users ("AVX2 256-bit, 2 threads", or for an unusable one,
 * what to do about it).
 */
public final class Availability {
    private final int score;
    private final String reason;

    private Availability(int score, String reason) {
        this.score = score;
        this.reason = reason;
    }

    public static Availability available(int score, String description) {
        if (score <= 0) throw new IllegalArgumentException("score of an available backend must be > 0");
        return new Availability(score, description);
    }

    public static Availability unavailable(String reason) {
        return new Availability(0, reason);
    }

    public boolean isAvailable() { return score > 0; }

    public int score() { return score; }

    public String reason() { return reason; }

    @Override
    public String toString() {
        return isAvailable() ? "available (score " + score + "): " + reason : "unavailable: " + reason;
    }
}
