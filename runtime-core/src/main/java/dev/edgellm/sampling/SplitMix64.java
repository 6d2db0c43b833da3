package dev.edgellm.sampling;

/**
 * SplitMix64 (Steele, Lea and Flood), written out so that a seed gives the same stream on every JVM and on
 * Android regardless of library version. Equal to {@code new java.util.SplittableRandom(seed).nextLong()}.
 */
final class SplitMix64 {
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private long state;

    SplitMix64(long seed) {
        state = seed;
    }

    void setSeed(long seed) {
        state = seed;
    }

    long nextLong() {
        long z = (state += GOLDEN_GAMMA);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }
}
