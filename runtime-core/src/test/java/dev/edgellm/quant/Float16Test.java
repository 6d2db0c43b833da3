package dev.edgellm.quant;

import org.junit.jupiter.api.Test;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class Float16Test {
    /** The value of a half computed from the IEEE definition in double, independent of Float16. */
    private static double halfValue(int h) {
        int sign = h >>> 15 & 1;
        int exp = h >>> 10 & 0x1F;
        int mant = h & 0x3FF;
        double v = exp == 0 ? mant * Math.pow(2, -24) : (1024 + mant) * Math.pow(2, exp - 25);
        return sign == 1 ? -v : v;
    }

    private static boolean isHalfNaN(int h) {
        return (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0;
    }

    @Test
    void everyHalfConvertsExactlyAndRoundTrips() {
        for (int h = 0; h < 0x10000; h++) checkHalf(h);
    }

    private static void checkHalf(int h) {
        String hex = "0x" + Integer.toHexString(h);
        float f = Float16.halfToFloat(h);
        int back = Float16.floatToHalf(f);
        if (isHalfNaN(h)) {
            // NaN: a quiet float NaN with sign and payload kept; back to half it canonicalizes (documented)
            assertTrue(Float.isNaN(f), "NaN half " + hex);
            assertEquals((h & 0x8000) << 16 | 0x7FC0_0000 | (h & 0x3FF) << 13, Float.floatToRawIntBits(f), "NaN bits " + hex);
            assertEquals((h & 0x8000) | Float16.HALF_NAN, back, "NaN canonicalization " + hex);
            return;
        }
        if ((h & 0x7FFF) == 0x7C00) {
            assertEquals(h == 0x7C00 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY, f);
        } else {
            assertEquals(halfValue(h), f, 0.0, "value of " + hex);
        }
        assertEquals(h, back, "round trip of " + hex);
        assertEquals((h & 0x8000) != 0, (Float.floatToRawIntBits(f) & 0x8000_0000) != 0, "sign of " + hex);
    }

    @Test
    void knownValues() {
        assertEquals(1f, Float16.halfToFloat(0x3C00));
        assertEquals(-2f, Float16.halfToFloat(0xC000));
        assertEquals(65504f, Float16.halfToFloat(0x7BFF));
        assertEquals(0x1p-14f, Float16.halfToFloat(0x0400));
        assertEquals(0x1p-24f, Float16.halfToFloat(0x0001));
        assertEquals(1023 * 0x1p-24f, Float16.halfToFloat(0x03FF));
        assertEquals(1f / 3, Float16.halfToFloat(0x3555), 1e-4);
        assertEquals(-1f, Float16.halfToFloat((short) 0xBC00), "sign extension of a short is ignored");
    }

    @Test
    void roundingCases() {
        assertEquals(0x7BFF, Float16.floatToHalf(65519f)); // below the midpoint to 2^16
        assertEquals(0x7C00, Float16.floatToHalf(65520f)); // midpoint: ties to even = infinity
        assertEquals(0xFC00, Float16.floatToHalf(-1e6f));
        assertEquals(0x7C00, Float16.floatToHalf(Float.POSITIVE_INFINITY));
        assertEquals(0x7E00, Float16.floatToHalf(Float.NaN));
        assertEquals(0xFE00, Float16.floatToHalf(Float.intBitsToFloat(0xFF80_0001)));
        assertEquals(0x8000, Float16.floatToHalf(-0f));
        assertEquals(0x0000, Float16.floatToHalf(0x1p-25f)); // half the smallest subnormal ties to zero
        assertEquals(0x0001, Float16.floatToHalf(Math.nextUp(0x1p-25f)));
        assertEquals(0x0002, Float16.floatToHalf(3 * 0x1p-25f)); // 1.5 units: ties to even 2
        assertEquals(0x0001, Float16.floatToHalf(0x1p-24f));
        assertEquals(0x8000, Float16.floatToHalf(-Float.MIN_VALUE));
        assertEquals(0x0400, Float16.floatToHalf(0x1p-14f - 0x1p-26f)); // rounds up from subnormal to normal
        assertEquals(0x3C00, Float16.floatToHalf(1f + 0x1p-11f)); // tie between 1 and 1+2^-10: even
        assertEquals(0x3C02, Float16.floatToHalf(1f + 3 * 0x1p-11f)); // tie: even = up
        assertEquals(0x3C01, Float16.floatToHalf(Math.nextUp(1f + 0x1p-11f)));
        assertEquals(0x3C00, Float16.floatToHalf(Math.nextDown(1f)));
        assertEquals(0x3C00, Float16.floatToHalf(1f - 0x1p-12f)); // tie between 0x3BFF and 1: even
        assertEquals(0x3BFF, Float16.floatToHalf(Math.nextDown(1f - 0x1p-12f)));
    }

    /** Nearest half by search over the sorted finite halves; ties to even; >= 65520 overflows. */
    private static final class Oracle {
        final double[] values = new double[0x7C00];

        Oracle() {
            for (int h = 0; h < values.length; h++) values[h] = halfValue(h);
        }

        int nearest(float f) {
            double a = Math.abs((double) f);
            int sign = Float.floatToRawIntBits(f) < 0 ? 0x8000 : 0;
            if (a >= 65520) return sign | 0x7C00;
            int i = Arrays.binarySearch(values, a);
            if (i >= 0) return sign | i;
            int hi = -i - 1;
            int lo = hi - 1;
            if (hi == values.length) return sign | lo; // (65504, 65520)
            double dl = a - values[lo];
            double dh = values[hi] - a;
            int h = dl < dh ? lo : dh < dl ? hi : (lo & 1) == 0 ? lo : hi;
            return sign | h;
        }
    }

    @Test
    void floatToHalfMatchesNearestEvenOracle() throws Throwable {
        Oracle oracle = new Oracle();
        MethodHandle jdk = jdkFloatToFloat16();
        int checked = 0;
        // around every rounding boundary: each midpoint between adjacent halves and its float neighbours
        for (int h = 0; h < 0x7BFF; h++) {
            float mid = (float) ((oracle.values[h] + oracle.values[h + 1]) / 2); // exact: one more bit
            for (float f : new float[] {mid, Math.nextDown(mid), Math.nextUp(mid), -mid, -Math.nextUp(mid)}) {
                check(oracle, jdk, f);
                checked++;
            }
        }
        // a spread of all float bit patterns
        for (long bits = 0; bits <= 0xFFFF_FFFFL; bits += 4099) {
            float f = Float.intBitsToFloat((int) bits);
            if (Float.isNaN(f)) continue;
            check(oracle, jdk, f);
            checked++;
        }
        assertTrue(checked > 1_000_000);
    }

    private static void check(Oracle oracle, MethodHandle jdk, float f) throws Throwable {
        int got = Float16.floatToHalf(f);
        int want = Float.isInfinite(f) ? (f > 0 ? 0x7C00 : 0xFC00) : oracle.nearest(f);
        if (got != want) fail("floatToHalf(" + f + " = 0x" + Integer.toHexString(Float.floatToRawIntBits(f))
                + ") = 0x" + Integer.toHexString(got) + ", expected 0x" + Integer.toHexString(want));
        if (jdk != null) {
            int j = ((short) jdk.invokeExact(f)) & 0xFFFF;
            if (j != got) fail("JDK Float.floatToFloat16(" + f + ") = 0x" + Integer.toHexString(j)
                    + ", Float16 gives 0x" + Integer.toHexString(got));
        }
    }

    /** Java 20+ has Float.floatToFloat16: a second oracle when the tests run on such a JDK. */
    private static MethodHandle jdkFloatToFloat16() {
        try {
            return MethodHandles.publicLookup().findStatic(Float.class, "floatToFloat16",
                    MethodType.methodType(short.class, float.class));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    @Test
    void bfloat16() {
        for (int b = 0; b < 0x10000; b++) {
            float f = Float16.bf16ToFloat(b);
            assertEquals(b << 16, Float.floatToRawIntBits(f));
            boolean nan = (b & 0x7F80) == 0x7F80 && (b & 0x7F) != 0;
            int back = Float16.floatToBf16(f);
            // NaN: kept, forced quiet (ggml's GGML_FP32_TO_BF16)
            assertEquals(nan ? b | 0x40 : b, back, "bf16 round trip " + Integer.toHexString(b));
        }
        assertEquals(0x3F80, Float16.floatToBf16(1f + 0x1p-8f)); // tie: even
        assertEquals(0x3F82, Float16.floatToBf16(1f + 3 * 0x1p-8f)); // tie: even = up
        assertEquals(0x3F81, Float16.floatToBf16(Math.nextUp(1f + 0x1p-8f)));
        assertEquals(0xBF81, Float16.floatToBf16(-Math.nextUp(1f + 0x1p-8f)));
        assertEquals(0x7F80, Float16.floatToBf16(Float.MAX_VALUE)); // rounds up to infinity
        assertEquals(0x7FC0, Float16.floatToBf16(Float.intBitsToFloat(0x7F80_0001)));
        assertEquals(-1f, Float16.bf16ToFloat((short) 0xBF80));
    }
}
