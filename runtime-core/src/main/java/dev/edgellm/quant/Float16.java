package dev.edgellm.quant;

/**
 * IEEE 754 binary16 ("half") and bfloat16 conversions, written out in integer arithmetic because
 * {@code Float.float16ToFloat} / {@code Float.floatToFloat16} only exist from Java 20 and runtime-core
 * targets Java 17 / Android.
 *
 * <p>Half to float is exact for every finite value, subnormals and signed zeros included, and for
 * infinities. Float to half rounds to nearest, ties to even, overflowing to infinity, as ggml's
 * {@code GGML_FP32_TO_FP16} does. NaN handling follows ggml's portable conversions too: a half NaN becomes a
 * quiet float NaN that keeps the sign and the 10 payload bits (shifted up, quiet bit set), and any float NaN
 * becomes the canonical half quiet NaN {@code 0x7E00} with its sign kept. So a half NaN does not survive a
 * round trip bit for bit: its payload canonicalizes to {@code 0x7E00}/{@code 0xFE00}. Every other half value
 * round-trips exactly.
 *
 * <p>Half and bfloat16 values are passed as the low 16 bits of an {@code int} (or as a {@code short}, whose
 * sign extension is ignored).
 */
public final class Float16 {
    /** Canonical quiet NaN produced by {@link #floatToHalf} (without sign). */
    public static final int HALF_NAN = 0x7E00;

    private Float16() {}

    /** The float value of the half whose bits are the low 16 bits of {@code h}. */
    public static float halfToFloat(int h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            // inf keeps mant == 0; a NaN is made quiet (as hardware converters and ggml's arithmetic do)
            int quiet = mant != 0 ? 0x0040_0000 : 0;
            return Float.intBitsToFloat(sign | 0x7F80_0000 | quiet | (mant << 13));
        }
        if (exp == 0) {
            // zero or subnormal: mant * 2^-24, exact in float
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        // normal: rebias the exponent from 15 to 127
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** The half nearest to {@code f} (ties to even), as an int in 0..0xFFFF. */
    public static int floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFF_FFFF;
        if (abs > 0x7F80_0000) return sign | HALF_NAN;
        // 65520 = 65504 + half an ulp: from there on the value rounds (ties to even: up) to infinity
        if (abs >= 0x477F_F000) return sign | 0x7C00;
        if (abs >= 0x3880_0000) {
            // normal half (>= 2^-14): drop 13 mantissa bits; a carry out of the mantissa bumps the exponent
            int h = ((abs >>> 23) - 112) << 10 | (abs & 0x7F_FFFF) >>> 13;
            return sign | roundShifted(h, abs & 0x1FFF, 0x1000);
        }
        int exp = abs >>> 23;
        // below 2^-25 (half the smallest subnormal) everything rounds to zero; 2^-25 itself ties to zero
        if (exp < 102) return sign;
        // subnormal half: count units of 2^-24; the float is (1.m) * 2^(exp-127) = m24 * 2^(exp-150)
        int m24 = (abs & 0x7F_FFFF) | 0x80_0000;
        int shift = 126 - exp; // 14..24
        int h = m24 >>> shift;
        return sign | roundShifted(h, m24 & ((1 << shift) - 1), 1 << (shift - 1));
    }

    /** Round-to-nearest-even of a truncated value given the dropped bits and the value of half an ulp. */
    private static int roundShifted(int truncated, int dropped, int halfUlp) {
        if (dropped > halfUlp || (dropped == halfUlp && (truncated & 1) != 0)) return truncated + 1;
        return truncated;
    }

    /** The half nearest to {@code f}, as a short (for storing). */
    public static short floatToHalfShort(float f) {
        return (short) floatToHalf(f);
    }

    /** The float value of a bfloat16 (the upper half of a float32); exact, NaN payload kept. */
    public static float bf16ToFloat(int b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /**
     * The bfloat16 nearest to {@code f} (ties to even), as ggml's {@code GGML_FP32_TO_BF16}: a NaN is kept
     * (truncated) and forced quiet; a finite value may round up to infinity.
     */
    public static int floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) return (bits >>> 16) | 0x40;
        return (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
    }
}
