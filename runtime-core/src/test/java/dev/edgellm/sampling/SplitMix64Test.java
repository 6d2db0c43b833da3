package dev.edgellm.sampling;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitMix64Test {

    @Test
    void pinnedReferenceOutputForSeedZero() {
        // first output of the reference splitmix64.c with state 0
        assertEquals(0xe220a8397b1dcdafL, new SplitMix64(0).nextLong());
    }

    @Test
    void equalsSplittableRandomStream() {
        for (long seed : new long[] {0, 1, 42, -7, Long.MAX_VALUE}) {
            SplitMix64 mine = new SplitMix64(seed);
            SplittableRandom ref = new SplittableRandom(seed);
            for (int i = 0; i < 1000; i++) {
                assertEquals(ref.nextLong(), mine.nextLong(), "seed " + seed + " step " + i);
            }
        }
    }

    @Test
    void doublesAreInUnitIntervalAndSetSeedRewinds() {
        SplitMix64 r = new SplitMix64(9);
        double first = r.nextDouble();
        for (int i = 0; i < 10_000; i++) {
            double d = r.nextDouble();
            assertTrue(d >= 0 && d < 1);
        }
        r.setSeed(9);
        assertEquals(first, r.nextDouble());
    }
}
