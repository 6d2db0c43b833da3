package dev.edgellm.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
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
    static final int PARTS = 8 / L;
    /**
     * Whether the repacked decode kernels of Q8_0 ({@link Q8_0x8#dotWide}) and of Q4_0 pairs
     * ({@link Q4_0x8#pairDotWide}) run at 512 bits (AVX-512BW): half the instructions per weight byte, measured
     * 6-10% (Q8_0) and 6-18% (Q4_0, 1-thread decode) faster on Zen 4, which splits 512-bit operations in two. A
     * 512-bit Q4_0 kernel on the 8-row layout (two 256-bit loads joined) had measured no faster; the pair layout
     * puts 16 rows in one load (BENCHMARKS.md). The float lanes stay at {@link #F}.
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

    /** Sum over {@code n} floats (a multiple of L) of a[i] * b[i]. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
            s1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), s1);
        }
        float sum = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }
}
