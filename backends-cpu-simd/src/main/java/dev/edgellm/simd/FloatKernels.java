package dev.edgellm.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static dev.edgellm.simd.Vec.F;
import static dev.edgellm.simd.Vec.L;
import static dev.edgellm.simd.Vec.LE;

/** Dot kernels for unquantized rows: F32, F16 and BF16 (16-bit ones widened in registers). */
final class FloatKernels {
    private FloatKernels() {}

    private static final VectorSpecies<Short> S8 = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = F.length() == 8 ? IntVector.SPECIES_256 : IntVector.SPECIES_128;
    private static final int PARTS = 8 / L;

    static float f32(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            s0 = FloatVector.fromMemorySegment(F, w, off + 4L * i, LE).fma(FloatVector.fromArray(F, x, xOff + i), s0);
            s1 = FloatVector.fromMemorySegment(F, w, off + 4L * (i + L), LE)
                    .fma(FloatVector.fromArray(F, x, xOff + i + L), s1);
        }
        FloatVector h = s0.add(s1); // Vec.sum's steps, written out: see there
        h = h.add(h.slice(4));
        h = h.add(h.slice(2));
        float sum = h.lane(0) + h.lane(1);
        for (; i < n; i++) sum += Float.intBitsToFloat(w.get(Vec.INT, off + 4L * i)) * x[xOff + i];
        return sum;
    }

    static float f16(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            ShortVector h = ShortVector.fromMemorySegment(S8, w, off + 2L * i, LE);
            for (int part = 0; part < PARTS; part++) {
                acc = halfToFloat((IntVector) h.convertShape(VectorOperators.S2I, I, part))
                        .fma(FloatVector.fromArray(F, x, xOff + i + part * L), acc);
            }
        }
        FloatVector h = acc.add(acc.slice(4)); // Vec.sum's steps, written out: see there
        h = h.add(h.slice(2));
        float sum = h.lane(0) + h.lane(1);
        for (; i < n; i++) sum += Vec.f16(w, off + 2L * i) * x[xOff + i];
        return sum;
    }

    static float bf16(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            ShortVector h = ShortVector.fromMemorySegment(S8, w, off + 2L * i, LE);
            for (int part = 0; part < PARTS; part++) {
                // bf16 is the top half of a float32; sign extension by S2I is shifted out
                FloatVector f = ((IntVector) h.convertShape(VectorOperators.S2I, I, part))
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                acc = f.fma(FloatVector.fromArray(F, x, xOff + i + part * L), acc);
            }
        }
        FloatVector h = acc.add(acc.slice(4)); // Vec.sum's steps, written out: see there
        h = h.add(h.slice(2));
        float sum = h.lane(0) + h.lane(1);
        for (; i < n; i++) sum += Float.intBitsToFloat((w.get(Vec.SHORT, off + 2L * i) & 0xFFFF) << 16) * x[xOff + i];
        return sum;
    }

    /**
     * IEEE half to float on int lanes holding the half's bits (upper bits ignored): the 15 magnitude bits moved
     * to float position and scaled by 2^112 rebias the exponent and normalize subnormals exactly; inf/NaN
     * get an all-ones exponent instead.
     */
    static FloatVector halfToFloat(IntVector h) {
        IntVector em = h.and(0x7FFF);
        IntVector shifted = em.lanewise(VectorOperators.LSHL, 13);
        IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> special = em.compare(VectorOperators.GE, 0x7C00);
        bits = bits.blend(shifted.or(0x7F800000), special);
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** Floats of {@link #swiglu}'s scratch: e^-gate of one chunk, small enough to stay in L1. */
    static final int SWIGLU_CHUNK = 256;

    /**
     * gate[i] = gate[i] / (1 + e^-gate[i]) · up[i] for i in [from, to): {@link Vec#exp} a chunk at a time into
     * {@code e} ({@link #SWIGLU_CHUNK} floats), the tail {@code Math.exp}.
     */
    static void swiglu(float[] gate, float[] up, int from, int to, float[] e) {
        int i = from;
        while (i + L <= to) {
            int n = Math.min(SWIGLU_CHUNK, (to - i) / L * L);
            Vec.exp(gate, i, e, 0, n, -1f, 0f);
            for (int j = 0; j < n; j += L, i += L) {
                FloatVector g = FloatVector.fromArray(F, gate, i);
                g.div(FloatVector.fromArray(F, e, j).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
            }
        }
        for (; i < to; i++) gate[i] = gate[i] / (1f + (float) Math.exp(-gate[i])) * up[i];
    }
}
