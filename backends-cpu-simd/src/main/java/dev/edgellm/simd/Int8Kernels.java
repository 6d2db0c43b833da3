package dev.edgellm.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static dev.edgellm.simd.Vec.LE;
import static dev.edgellm.simd.Vec.f16;

/**
 * llama.cpp's decode strategy for the 32-element block formats: the activation vector is quantized once per
 * matVec to Q8_0-style blocks ({@link Act}: 32 int8 values, held as int16, and one float scale), then each
 * weight block is an integer dot product scaled once by d_w·d_x.
 *
 * <p>AVX2 has vpmaddubsw/vpmaddwd but the Vector API exposes neither, so the products are formed in 16 short
 * lanes (vpmovsxbw + vpmullw): lane j holds w[j]·x[j] + w[j+16]·x[j+16], at most 2·128·127 = 32512, which
 * fits. Pairs of short lanes are then summed into int lanes with in-lane shifts on the same register viewed as
 * 8 ints (no cross-lane shuffles), converted to float and FMA'd with the block scale. Activations are stored
 * pre-widened to int16 so they need no conversion in the loop. 256-bit only ({@link #SUPPORTED}).
 */
final class Int8Kernels {
    private Int8Kernels() {}

    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    /** The kernels assume 256-bit vectors run natively (AVX2 and up). */
    static final boolean SUPPORTED = Vec.L == 8;

    /** An activation vector quantized to 32-element blocks: x[i] ≈ q[i] · d[i / 32]. Reused, grown on demand. */
    static final class Act {
        short[] q = new short[0];
        float[] d = new float[0];

        /**
         * Quantizes x[off .. off+n), n a multiple of 32: d = max|x|/127, q = round(x/d) half away from zero, as
         * ggml's reference. Scalar on purpose: it runs once per matVec (n <= hidden size, microseconds), and
         * the Vector API int-to-short narrowing it would need is not intrinsified on AVX2 (it allocated).
         */
        void quantize(float[] x, int off, int n) {
            if (q.length < n) {
                q = new short[n];
                d = new float[n / 32];
            }
            for (int b = 0; b < n / 32; b++) {
                float amax = 0f;
                for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[off + 32 * b + i]));
                float dd = amax / 127f, id = dd != 0f ? 1f / dd : 0f;
                d[b] = dd;
                for (int i = 0; i < 32; i++) {
                    float v = x[off + 32 * b + i] * id;
                    q[32 * b + i] = (short) (int) (v + Math.copySign(0.5f, v));
                }
            }
        }
    }

    /** A row dot against a quantized activation; xo = element offset into a.q (a multiple of 32). */
    @FunctionalInterface
    interface RowDot {
        float dot(MemorySegment w, long off, Act a, int xo, int n);
    }

    static RowDot forType(dev.edgellm.gguf.GgmlType type) {
        if (!SUPPORTED) return null;
        return switch (type) {
            case Q8_0 -> Int8Kernels::q8_0;
            case Q4_0 -> Int8Kernels::q4_0;
            default -> null;
        };
    }

    /** Σ over the 16 short lanes of p, pairwise: int lane i = p[2i] + p[2i+1] (sign-extended). */
    static IntVector pairSum(ShortVector p) {
        IntVector v = p.reinterpretAsInts();
        return v.lanewise(VectorOperators.ASHR, 16)
                .add(v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
    }

    static float q8_0(MemorySegment w, long off, Act a, int xo, int n) {
        short[] xq = a.q;
        float[] xd = a.d;
        FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0;
        int nb = n / 32, xb = xo / 32, b = 0;
        for (; b + 2 <= nb; b += 2) {
            acc0 = q8Block(w, off + 34L * b, xq, xo + 32 * b, xd[xb + b], acc0);
            acc1 = q8Block(w, off + 34L * (b + 1), xq, xo + 32 * (b + 1), xd[xb + b + 1], acc1);
        }
        if (b < nb) acc0 = q8Block(w, off + 34L * b, xq, xo + 32 * b, xd[xb + b], acc0);
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    private static FloatVector q8Block(MemorySegment w, long p, short[] xq, int o, float dx, FloatVector acc) {
        ShortVector lo = (ShortVector) ByteVector.fromMemorySegment(B16, w, p + 2, LE)
                .convertShape(VectorOperators.B2S, S16, 0);
        ShortVector hi = (ShortVector) ByteVector.fromMemorySegment(B16, w, p + 18, LE)
                .convertShape(VectorOperators.B2S, S16, 0);
        ShortVector prod = lo.mul(ShortVector.fromArray(S16, xq, o)).add(hi.mul(ShortVector.fromArray(S16, xq, o + 16)));
        FloatVector f = (FloatVector) pairSum(prod).convert(VectorOperators.I2F, 0);
        return f.fma(FloatVector.broadcast(F8, f16(w, p) * dx), acc);
    }

    static float q4_0(MemorySegment w, long off, Act a, int xo, int n) {
        short[] xq = a.q;
        float[] xd = a.d;
        FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0;
        int nb = n / 32, xb = xo / 32, b = 0;
        for (; b + 2 <= nb; b += 2) {
            acc0 = q4Block(w, off + 18L * b, xq, xo + 32 * b, xd[xb + b], acc0);
            acc1 = q4Block(w, off + 18L * (b + 1), xq, xo + 32 * (b + 1), xd[xb + b + 1], acc1);
        }
        if (b < nb) acc0 = q4Block(w, off + 18L * b, xq, xo + 32 * b, xd[xb + b], acc0);
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    private static FloatVector q4Block(MemorySegment w, long p, short[] xq, int o, float dx, FloatVector acc) {
        // byte j: low nibble = element j, high nibble = element j+16; sign extension is masked off by the and
        ShortVector s = (ShortVector) ByteVector.fromMemorySegment(B16, w, p + 2, LE)
                .convertShape(VectorOperators.B2S, S16, 0);
        ShortVector lo = s.and((short) 0xF).sub((short) 8);
        ShortVector hi = s.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).sub((short) 8);
        ShortVector prod = lo.mul(ShortVector.fromArray(S16, xq, o)).add(hi.mul(ShortVector.fromArray(S16, xq, o + 16)));
        FloatVector f = (FloatVector) pairSum(prod).convert(VectorOperators.I2F, 0);
        return f.fma(FloatVector.broadcast(F8, f16(w, p) * dx), acc);
    }

    static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;

    /**
     * Q4_0 float-FMA variant (no activation quantization): 16 quant bytes loaded once, widened to two int
     * vectors (bytes 0-7, 8-15), nibbles split with in-lane and/shift, the -8 offset folded out as
     * -8·d·Σx(block) so the loop has no byte arithmetic. xs[b] = Σ of x over block b (precomputed).
     */
    static float q4_0Float(MemorySegment w, long off, float[] x, float[] xs, int xo, int n) {
        FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0;
        float corr = 0f;
        for (int b = 0, nb = n / 32; b < nb; b++) {
            long p = off + 18L * b;
            int o = xo + 32 * b;
            ByteVector raw = ByteVector.fromMemorySegment(B16, w, p + 2, LE);
            IntVector i0 = (IntVector) raw.convertShape(VectorOperators.B2I, I8, 0);
            IntVector i1 = (IntVector) raw.convertShape(VectorOperators.B2I, I8, 1);
            FloatVector s0 = ((FloatVector) i0.and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F8, x, o));
            FloatVector s1 = ((FloatVector) i1.and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F8, x, o + 8));
            s0 = ((FloatVector) i0.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(F8, x, o + 16), s0);
            s1 = ((FloatVector) i1.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(F8, x, o + 24), s1);
            float d = f16(w, p);
            if ((b & 1) == 0) acc0 = s0.add(s1).fma(FloatVector.broadcast(F8, d), acc0);
            else acc1 = s0.add(s1).fma(FloatVector.broadcast(F8, d), acc1);
            corr += d * xs[xo / 32 + b];
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - 8f * corr;
    }
}
