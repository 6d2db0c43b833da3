package dev.edgellm.simd;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pair layout follows the JVM's recompilation cutoff, read from the running VM. */
class HotSpotFlagsTest {
    @Test
    void readsTheCutoffThisJvmRunsWith() {
        // this module's argLine passes the raised cutoff, as ./edgellm does
        boolean given = ManagementFactory.getRuntimeMXBean().getInputArguments().contains(HotSpotFlags.RECOMMENDED);
        assertTrue(given, "the test JVM should run with " + HotSpotFlags.RECOMMENDED + " (pom argLine)");
        assertTrue(HotSpotFlags.recompilationCutoffRaised());
    }

    @Test
    void pairsAreOnWithTheRaisedCutoffUnlessForced() {
        String forced = System.getProperty("edgellm.simd.pairs");
        assertEquals(forced == null ? HotSpotFlags.recompilationCutoffRaised() : Boolean.parseBoolean(forced),
                Interleaved8.PAIRS);
        assertEquals(Interleaved8.PAIRS ? (Vec.WIDE ? 8 : 4) : 1, Q4_0x8.FORMAT.span(), "Q4_0 spans of 64 or 32 rows");
        assertEquals(Interleaved8.PAIRS ? (Vec.WIDE ? 6 : 3) : 1, Q5_0x8.FORMAT.span(), "Q5_0 spans of 48 or 24 rows");
        assertFalse(Q5_0x8.FORMAT.pairs(), "Q5_0 spans, no pairs");
        assertEquals(Interleaved8.PAIRS && Vec.WIDE, Q4_Kx8.FORMAT.pairs(), "Q4_K pairs with its 512-bit kernel only");
        assertEquals(Interleaved8.PAIRS && Vec.WIDE, Q5_Kx8.FORMAT.pairs(), "Q5_K pairs with its 512-bit kernel only");
        assertEquals(Interleaved8.PAIRS && Vec.WIDE, Q6_Kx8.FORMAT.pairs(), "Q6_K pairs with its 512-bit kernel only");
        assertFalse(Q8_0x8.FORMAT.pairs(), "Q8_0 has no pair kernel");
        assertEquals(Interleaved8.PAIRS && Vec.WIDE ? 4 : 1, Q8_0x8.FORMAT.span(), "Q8_0 spans of 32 rows with its 512-bit kernel only");
    }
}
