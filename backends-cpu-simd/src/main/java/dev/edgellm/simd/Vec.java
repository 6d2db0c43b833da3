package dev.edgellm.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Shapes shared by the kernels. Float lanes are 256 bits where the CPU has them (capped there: ggml blocks
 * are 32 elements, and 512-bit AVX lowers clocks on many parts) or 128 bits (NEON, SSE). Quants are loaded 8
 * bytes at a time and widened into {@link #PARTS} float vectors.
 */
final class Vec {
    private Vec() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256
            ? FloatVector.SPECIES_256 : FloatVector.SPECIES_128;
    static final int L = F.length();
    static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    /** 8 int lanes: used only by kernels selected when {@code L == 8}. */
    static final VectorSpecies<Integer> I8 = jdk.incubator.vector.IntVector.SPECIES_256;
    /** 16 int lanes: used only by the 512-bit kernels selected when {@link #WIDE}. */
    static final VectorSpecies<Integer> I16 = jdk.incubator.vector.IntVector.SPECIES_512;
    /** 16 float lanes: the 512-bit kernels' accumulators. */
    static final VectorSpecies<Float> F16 = FloatVector.SPECIES_512;
    /**
     * An f16's magnitude and exponent bits, for the kernels that convert 8 or 16 rows' f16 scales in vector
     * registers (finite halves shifted into place, all-ones exponents mapped to inf/NaN).
     */
    static final int F16_MAG = 0x7FFF, F16_EXP = 0x7C00;
    static final int PARTS = 8 / L;
    /**
     * Whether the repacked decode kernels of Q8_0 ({@link Q8_0x8#dotWide}), of Q4_0 spans
     * ({@link Q4_0x8#spanDotWide}) and of the K-quants' pairs run at 512 bits (AVX-512BW): half the
     * instructions per weight byte, measured 6-10% (Q8_0) and 6-18% (Q4_0 pairs, 1-thread decode) faster on Zen 4,
     * which splits 512-bit operations in two. A 512-bit Q4_0 kernel on the 8-row layout (two 256-bit loads joined)
     * had measured no faster; pairs and spans put 16 rows in one load (BENCHMARKS.md). The float lanes stay at
     * {@link #F}.
     * {@code -Dedgellm.simd.wide=false} keeps the 256-bit kernels (A/B runs).
     */
    static final boolean WIDE = jdk.incubator.vector.ShortVector.SPECIES_PREFERRED.vectorBitSize() >= 512
            && Boolean.parseBoolean(System.getProperty("edgellm.simd.wide", "true"));
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);

    static float f16(MemorySegment s, long pos) {
        return Float.float16ToFloat(s.get(SHORT, pos));
    }

    static int u8(MemorySegment s, long pos) {
        return s.get(ValueLayout.JAVA_BYTE, pos) & 0xFF;
    }

    static ByteVector bytes(MemorySegment s, long pos) {
        return ByteVector.fromMemorySegment(B8, s, pos, LE);
    }

    /** Float lanes {@code part*L ..} of 8 signed bytes. */
    static FloatVector widen(ByteVector b, int part) {
        return (FloatVector) b.convertShape(VectorOperators.B2F, F, part);
    }

    /**
     * The sum of v's lanes in one fixed order, ((v0+v4)+(v2+v6))+((v1+v5)+(v3+v7)) for 8 lanes (4 lanes: the first
     * step adds zeros). Used instead of {@code reduceLanes(ADD)}, whose order is unspecified and does differ: its
     * Java fallback (interpreter, C1) and C2's intrinsic add in different orders, so logits changed in their last
     * bits once the kernels were compiled and a seeded sampler picked different tokens run to run. Here every step
     * is one lanewise IEEE add in either path. Kept under 35 bytecodes (HotSpot's MaxInlineSize) so that C2 inlines
     * it even where it deems the call cold: a call that stays a call boxes its vector argument. The row kernels
     * write these steps out instead of calling it: at their end C2 has often passed its inlining budget
     * (NodeCountInliningCutoff), which stops every call of ours but not the API's own force-inlined methods; the
     * call then boxed the accumulator once per row, in about half of the allocation checks run two at a time
     * (BENCHMARKS.md, sixteenth session).
     */
    static float sum(FloatVector v) {
        v = v.add(v.slice(4));
        v = v.add(v.slice(2));
        return v.lane(0) + v.lane(1);
    }

    // exp: the range where 2^n splits into two normal factors, log2(e), ln 2 in two parts (the first exact in 9
    // bits, so n·LN2_HI is exact), 1.5·2^23 (adding it rounds to an integer), and the minimax polynomial of e^r on
    // [-ln2/2, ln2/2] (Cephes' expf coefficients)
    private static final float EXP_LO = -104f, EXP_HI = 88.72283f, LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f, ROUND = 12582912f;
    private static final int ROUND_BITS = 0x4B400000;
    private static final float P0 = 1.9875691500E-4f, P1 = 1.3981999507E-3f, P2 = 8.3334519073E-3f;
    private static final float P3 = 4.1665795894E-2f, P4 = 1.6666665459E-1f, P5 = 5.0000001201E-1f;

    /**
     * dst[d + i] = e^(src[s + i] · mul − sub) for i in [0, n), n a multiple of L; returns the sum of the results
     * in a fixed order. Within 2 ulp of {@code Math.exp} for arguments in [-87.3, 88.7]; gradual underflow below,
     * 0 from about -103.3 and for -inf, Float.MAX_VALUE or +inf from 88.72 up, NaN stays NaN. Used instead of
     * {@code lanewise(EXP)}, which is SVML in C2 but {@code Math.exp} per lane in the fallback: the two differ in
     * the last bit (see {@link #sum}). Arrays in and out: no vector crosses the call, so it boxes nothing when C2
     * does not inline it. x = n·ln2 + r, e^x = 2^n · p(r), 2^n applied as two factors so that n from -150
     * to 128 needs no special cases.
     */
    static float exp(float[] src, int s, float[] dst, int d, int n, float mul, float sub) {
        FloatVector total = FloatVector.zero(F);
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(F, src, s + i).fma(mul, -sub).max(EXP_LO).min(EXP_HI);
            FloatVector t = x.fma(LOG2E, ROUND), k = t.sub(ROUND);
            FloatVector r = k.fma(FloatVector.broadcast(F, -LN2_HI), x);
            r = k.fma(FloatVector.broadcast(F, -LN2_LO), r);
            FloatVector p = r.fma(P0, P1).fma(r, FloatVector.broadcast(F, P2));
            p = p.fma(r, FloatVector.broadcast(F, P3)).fma(r, FloatVector.broadcast(F, P4));
            p = p.fma(r, FloatVector.broadcast(F, P5)).mul(r.mul(r)).add(r).add(1f);
            IntVector ki = t.reinterpretAsInts().sub(ROUND_BITS), k1 = ki.lanewise(VectorOperators.ASHR, 1);
            FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = ki.sub(k1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = p.mul(s1).mul(s2);
            e.intoArray(dst, d + i);
            total = total.add(e);
        }
        // sum(total) written out: inlined into the attention loops this method once pushed them past C2's node
        // budget, where a call of ours stays a call and boxes its vector (JDK vector methods are inlined regardless);
        // at this size (over FreqInlineSize, 325 bytecodes) C2 compiles it on its own instead
        total = total.add(total.slice(4));
        total = total.add(total.slice(2));
        return total.lane(0) + total.lane(1);
    }

    /** Sum over {@code n} floats (a multiple of L) of a[i] * b[i]. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
            s1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), s1);
        }
        float sum = sum(s0.add(s1));
        for (; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }
}
