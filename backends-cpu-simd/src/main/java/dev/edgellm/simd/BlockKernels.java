package dev.edgellm.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.edgellm.simd.Vec.B8;
import static dev.edgellm.simd.Vec.F;
import static dev.edgellm.simd.Vec.L;
import static dev.edgellm.simd.Vec.LE;
import static dev.edgellm.simd.Vec.PARTS;
import static dev.edgellm.simd.Vec.bytes;
import static dev.edgellm.simd.Vec.f16;

/**
 * Fused dequantize-dot for the 32-element block formats (ggml-common.h layouts). Float-FMA strategy: each
 * 8-quant group is widened to float lanes in registers and multiplied into float activations; the block
 * scale is applied once per block. Two accumulators per block keep the FMA chains short.
 */
final class BlockKernels {
    private BlockKernels() {}

    private static final ByteVector BIT = ByteVector.fromArray(B8, new byte[] {1, 2, 4, 8, 16, 32, 64, (byte) 128}, 0);

    /** s + Σ (8 quants in q as floats) * x[o .. o+8). */
    static FloatVector fma8(ByteVector q, float[] x, int o, FloatVector s) {
        for (int part = 0; part < PARTS; part++) {
            s = Vec.widen(q, part).fma(FloatVector.fromArray(F, x, o + part * L), s);
        }
        return s;
    }

    /** s + x[o .. o+8) (for the min/offset term of the affine formats). */
    static FloatVector add8(float[] x, int o, FloatVector s) {
        for (int part = 0; part < PARTS; part++) s = s.add(FloatVector.fromArray(F, x, o + part * L));
        return s;
    }

    static ByteVector lowNibbles(ByteVector b) {
        return b.and((byte) 0xF);
    }

    static ByteVector highNibbles(ByteVector b) {
        return b.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF);
    }

    /**
     * Q8_0's row kernel (128-bit CPUs; 256-bit ones run {@link #q8_0Permuted} or the repacked kernels): no method of
     * ours in the body, as {@link #q5_0}. With fma8/bytes helpers it allocated 1.6 MB per 500 calls at 128 bits in
     * every run of the allocation check (the helpers compiled on their own, their vectors boxed; BENCHMARKS.md,
     * twenty-third session). Same operations in the same order as the helpers'.
     */
    static float q8_0(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, nb = n / 32; b < nb; b++) {
            long p = off + 34L * b;
            int o = xOff + 32 * b;
            ByteVector a0 = ByteVector.fromMemorySegment(B8, w, p + 2, LE), a1 = ByteVector.fromMemorySegment(B8, w, p + 10, LE);
            ByteVector a2 = ByteVector.fromMemorySegment(B8, w, p + 18, LE), a3 = ByteVector.fromMemorySegment(B8, w, p + 26, LE);
            FloatVector s0 = FloatVector.zero(F), s1 = s0;
            for (int part = 0; part < PARTS; part++) {
                s0 = ((FloatVector) a0.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + part * L), s0);
                s1 = ((FloatVector) a1.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + 8 + part * L), s1);
            }
            for (int part = 0; part < PARTS; part++) {
                s0 = ((FloatVector) a2.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + 16 + part * L), s0);
                s1 = ((FloatVector) a3.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + 24 + part * L), s1);
            }
            acc = s0.add(s1).fma(FloatVector.broadcast(F, f16(w, p)), acc);
        }
        acc = acc.add(acc.slice(4)); // Vec.sum, written out
        acc = acc.add(acc.slice(2));
        return acc.lane(0) + acc.lane(1);
    }

    private static final jdk.incubator.vector.VectorSpecies<Integer> I8 = jdk.incubator.vector.IntVector.SPECIES_256;

    /**
     * Q8_0 for 8 float lanes with activations pre-permuted by {@link #permute32} (xp[8k + i] = x[4i + k] per
     * block): the 32 quants are loaded as 8 int lanes and byte k of each lane is sign-extended with two shifts,
     * native AVX2 ops, instead of widening 8-byte loads (measured about 2x faster per matVec).
     */
    static float q8_0Permuted(MemorySegment w, long off, float[] xp, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, nb = n / 32; b < nb; b++) {
            long p = off + 34L * b;
            int o = xOff + 32 * b;
            jdk.incubator.vector.IntVector q = jdk.incubator.vector.IntVector.fromMemorySegment(I8, w, p + 2, Vec.LE);
            FloatVector s0 = byteK(q, 24).fma(FloatVector.fromArray(F, xp, o), FloatVector.zero(F));
            FloatVector s1 = byteK(q, 16).mul(FloatVector.fromArray(F, xp, o + 8));
            s0 = byteK(q, 8).fma(FloatVector.fromArray(F, xp, o + 16), s0);
            s1 = q.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, xp, o + 24), s1);
            acc = s0.add(s1).fma(FloatVector.broadcast(F, f16(w, p)), acc);
        }
        FloatVector h = acc.add(acc.slice(4)); // Vec.sum's steps, written out: see there
        h = h.add(h.slice(2));
        return h.lane(0) + h.lane(1);
    }

    /** Signed byte at bit (24 - shift) of each int lane, as float. */
    private static FloatVector byteK(jdk.incubator.vector.IntVector q, int shift) {
        return q.lanewise(VectorOperators.LSHL, shift).lanewise(VectorOperators.ASHR, 24)
                .convert(VectorOperators.I2F, 0).reinterpretAsFloats();
    }

    /**
     * out[off .. off+n) = the Q8_0 row at {@code w[p ..]} as floats (d·q, exact as the scalar reference), for the
     * prefill tiles: 8 bytes sign-extended into float lanes at a time, hand-unrolled per block.
     */
    static void q8_0Dequantize(MemorySegment w, long p, float[] out, int off, int n) {
        for (int b = 0, nb = n / 32; b < nb; b++) {
            long q = p + 34L * b;
            int o = off + 32 * b;
            FloatVector d = FloatVector.broadcast(F, f16(w, q));
            ByteVector a0 = ByteVector.fromMemorySegment(B8, w, q + 2, LE), a1 = ByteVector.fromMemorySegment(B8, w, q + 10, LE);
            ByteVector a2 = ByteVector.fromMemorySegment(B8, w, q + 18, LE), a3 = ByteVector.fromMemorySegment(B8, w, q + 26, LE);
            // every part of each 8 bytes: with 128-bit vectors a part is 4 floats (the first only was written until
            // SimdKernelsTest ran at -XX:MaxVectorSize=16: NEON CPUs' Q8_0 prefill read zeros; twenty-third session)
            for (int part = 0; part < PARTS; part++) {
                ((FloatVector) a0.convertShape(VectorOperators.B2F, F, part)).mul(d).intoArray(out, o + part * L);
                ((FloatVector) a1.convertShape(VectorOperators.B2F, F, part)).mul(d).intoArray(out, o + 8 + part * L);
                ((FloatVector) a2.convertShape(VectorOperators.B2F, F, part)).mul(d).intoArray(out, o + 16 + part * L);
                ((FloatVector) a3.convertShape(VectorOperators.B2F, F, part)).mul(d).intoArray(out, o + 24 + part * L);
            }
        }
    }

    /** Lane order {@link #q8_0Permuted} expects: per 32-block, dst[8k + i] = src[4i + k]. */
    static void permute32(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n; b += 32) {
            for (int k = 0; k < 4; k++) {
                for (int i = 0; i < 8; i++) dst[dstOff + b + 8 * k + i] = src[srcOff + b + 4 * i + k];
            }
        }
    }

    /** Q4_0's row kernel (byte j: low nibble = element j, high nibble = element j + 16), written out as {@link #q8_0}. */
    static float q4_0(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, nb = n / 32; b < nb; b++) {
            long p = off + 18L * b;
            int o = xOff + 32 * b;
            ByteVector q0 = ByteVector.fromMemorySegment(B8, w, p + 2, LE), q1 = ByteVector.fromMemorySegment(B8, w, p + 10, LE);
            ByteVector a0 = q0.and((byte) 0xF).sub((byte) 8), a1 = q1.and((byte) 0xF).sub((byte) 8);
            ByteVector a2 = q0.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF).sub((byte) 8);
            ByteVector a3 = q1.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF).sub((byte) 8);
            FloatVector s0 = FloatVector.zero(F), s1 = s0;
            for (int part = 0; part < PARTS; part++) {
                s0 = ((FloatVector) a0.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + part * L), s0);
                s1 = ((FloatVector) a1.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + 8 + part * L), s1);
            }
            for (int part = 0; part < PARTS; part++) {
                s0 = ((FloatVector) a2.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + 16 + part * L), s0);
                s1 = ((FloatVector) a3.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + 24 + part * L), s1);
            }
            acc = s0.add(s1).fma(FloatVector.broadcast(F, f16(w, p)), acc);
        }
        acc = acc.add(acc.slice(4)); // Vec.sum, written out
        acc = acc.add(acc.slice(2));
        return acc.lane(0) + acc.lane(1);
    }

    /** Q4_1's row kernel (d · q + m: the min term as m · Σx), written out as {@link #q8_0}. */
    static float q4_1(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, nb = n / 32; b < nb; b++) {
            long p = off + 20L * b;
            int o = xOff + 32 * b;
            ByteVector q0 = ByteVector.fromMemorySegment(B8, w, p + 4, LE), q1 = ByteVector.fromMemorySegment(B8, w, p + 12, LE);
            ByteVector a0 = q0.and((byte) 0xF), a1 = q1.and((byte) 0xF);
            ByteVector a2 = q0.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF), a3 = q1.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF);
            FloatVector s0 = FloatVector.zero(F), s1 = s0, sx = s0;
            for (int part = 0; part < PARTS; part++) {
                s0 = ((FloatVector) a0.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + part * L), s0);
                s1 = ((FloatVector) a1.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + 8 + part * L), s1);
            }
            for (int part = 0; part < PARTS; part++) {
                s0 = ((FloatVector) a2.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + 16 + part * L), s0);
                s1 = ((FloatVector) a3.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + 24 + part * L), s1);
            }
            for (int i = 0; i < 32; i += L) sx = sx.add(FloatVector.fromArray(F, x, o + i));
            acc = s0.add(s1).fma(FloatVector.broadcast(F, f16(w, p)), acc);
            acc = sx.fma(FloatVector.broadcast(F, f16(w, p + 2)), acc);
        }
        acc = acc.add(acc.slice(4)); // Vec.sum, written out
        acc = acc.add(acc.slice(2));
        return acc.lane(0) + acc.lane(1);
    }

    /** Q5_0's row kernel; no method of ours in the body, as {@link #q5_1} (it boxed the same way). */
    static float q5_0(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, nb = n / 32; b < nb; b++) {
            long p = off + 22L * b;
            int o = xOff + 32 * b;
            int qh = w.get(Vec.INT, p + 2);
            ByteVector q0 = ByteVector.fromMemorySegment(B8, w, p + 6, Vec.LE), q1 = ByteVector.fromMemorySegment(B8, w, p + 14, Vec.LE);
            ByteVector zero = ByteVector.zero(B8);
            ByteVector a0 = q0.and((byte) 0xF).or(zero.blend((byte) 16, ByteVector.broadcast(B8, (byte) qh).and(BIT).compare(VectorOperators.NE, 0))).sub((byte) 16);
            ByteVector a1 = q1.and((byte) 0xF).or(zero.blend((byte) 16, ByteVector.broadcast(B8, (byte) (qh >>> 8)).and(BIT).compare(VectorOperators.NE, 0))).sub((byte) 16);
            ByteVector a2 = q0.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)
                    .or(zero.blend((byte) 16, ByteVector.broadcast(B8, (byte) (qh >>> 16)).and(BIT).compare(VectorOperators.NE, 0))).sub((byte) 16);
            ByteVector a3 = q1.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)
                    .or(zero.blend((byte) 16, ByteVector.broadcast(B8, (byte) (qh >>> 24)).and(BIT).compare(VectorOperators.NE, 0))).sub((byte) 16);
            FloatVector s0 = FloatVector.zero(F), s1 = s0;
            for (int part = 0; part < PARTS; part++) {
                s0 = ((FloatVector) a0.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + part * L), s0);
                s1 = ((FloatVector) a1.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + 8 + part * L), s1);
            }
            for (int part = 0; part < PARTS; part++) {
                s0 = ((FloatVector) a2.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + 16 + part * L), s0);
                s1 = ((FloatVector) a3.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + 24 + part * L), s1);
            }
            acc = s0.add(s1).fma(FloatVector.broadcast(F, f16(w, p)), acc);
        }
        acc = acc.add(acc.slice(4)); // Vec.sum, written out
        acc = acc.add(acc.slice(2));
        return acc.lane(0) + acc.lane(1);
    }

    /**
     * No method of ours in the body (the final lane sum written out), as KQuantKernels.q5_k: with fma8 and fifth-bit
     * helper calls C2 reached its inlining node budget here and they boxed every vector (1.1 GB of heap per llama-110m
     * token, 8.5 tok/s). Same operations in the same order as the helpers'.
     */
    static float q5_1(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, nb = n / 32; b < nb; b++) {
            long p = off + 24L * b;
            int o = xOff + 32 * b;
            int qh = w.get(Vec.INT, p + 4);
            ByteVector q0 = ByteVector.fromMemorySegment(B8, w, p + 8, Vec.LE), q1 = ByteVector.fromMemorySegment(B8, w, p + 16, Vec.LE);
            ByteVector zero = ByteVector.zero(B8);
            ByteVector a0 = q0.and((byte) 0xF).or(zero.blend((byte) 16, ByteVector.broadcast(B8, (byte) qh).and(BIT).compare(VectorOperators.NE, 0)));
            ByteVector a1 = q1.and((byte) 0xF).or(zero.blend((byte) 16, ByteVector.broadcast(B8, (byte) (qh >>> 8)).and(BIT).compare(VectorOperators.NE, 0)));
            ByteVector a2 = q0.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)
                    .or(zero.blend((byte) 16, ByteVector.broadcast(B8, (byte) (qh >>> 16)).and(BIT).compare(VectorOperators.NE, 0)));
            ByteVector a3 = q1.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)
                    .or(zero.blend((byte) 16, ByteVector.broadcast(B8, (byte) (qh >>> 24)).and(BIT).compare(VectorOperators.NE, 0)));
            FloatVector s0 = FloatVector.zero(F), s1 = s0, sx = s0;
            for (int part = 0; part < PARTS; part++) {
                s0 = ((FloatVector) a0.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + part * L), s0);
                s1 = ((FloatVector) a1.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + 8 + part * L), s1);
            }
            for (int part = 0; part < PARTS; part++) {
                s0 = ((FloatVector) a2.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + 16 + part * L), s0);
                s1 = ((FloatVector) a3.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, o + 24 + part * L), s1);
            }
            for (int i = 0; i < 32; i += L) sx = sx.add(FloatVector.fromArray(F, x, o + i));
            acc = s0.add(s1).fma(FloatVector.broadcast(F, f16(w, p)), acc);
            acc = sx.fma(FloatVector.broadcast(F, f16(w, p + 2)), acc);
        }
        acc = acc.add(acc.slice(4)); // Vec.sum, written out
        acc = acc.add(acc.slice(2));
        return acc.lane(0) + acc.lane(1);
    }

    /**
     * Q4_0 for 8 float lanes (selected when L == 8): 16 quant bytes loaded once, widened to two int
     * vectors (bytes 0-7, 8-15), nibbles split with in-lane and/shift, the -8 offset folded out as
     * -8·d·Σx(block) so the loop has no byte arithmetic. xs[xsOff + b] = Σ of x over block b, from
     * {@link #blockSums}. Measured (KernelBench, CPU time) 1.35x the 8-byte widening kernel and 1.7x the int8
     * activation kernel on AVX2.
     */
    static float q4_0Sums(MemorySegment w, long off, float[] x, int xo, float[] xs, int xsOff, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        float corr = 0f;
        for (int b = 0, nb = n / 32; b < nb; b++) {
            long p = off + 18L * b;
            int o = xo + 32 * b;
            ByteVector raw = ByteVector.fromMemorySegment(Vec.B16, w, p + 2, LE);
            IntVector i0 = (IntVector) raw.convertShape(VectorOperators.B2I, Vec.I8, 0);
            IntVector i1 = (IntVector) raw.convertShape(VectorOperators.B2I, Vec.I8, 1);
            FloatVector s0 = ((FloatVector) i0.and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, x, o));
            FloatVector s1 = ((FloatVector) i1.and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, x, o + 8));
            s0 = ((FloatVector) i0.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(F, x, o + 16), s0);
            s1 = ((FloatVector) i1.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(F, x, o + 24), s1);
            float d = f16(w, p);
            if ((b & 1) == 0) acc0 = s0.add(s1).fma(FloatVector.broadcast(F, d), acc0);
            else acc1 = s0.add(s1).fma(FloatVector.broadcast(F, d), acc1);
            corr += d * xs[xsOff + b];
        }
        FloatVector h = acc0.add(acc1); // Vec.sum's steps, written out: see there
        h = h.add(h.slice(4));
        h = h.add(h.slice(2));
        return h.lane(0) + h.lane(1) - 8f * corr;
    }

    /** xs[xsOff + b] = Σ x[xOff + 32b .. +32) for the n/32 blocks (the Q4_0 offset term). */
    static void blockSums(float[] x, int xOff, float[] xs, int xsOff, int n) {
        for (int b = 0; b < n / 32; b++) {
            FloatVector s = FloatVector.zero(F);
            for (int i = 0; i < 32; i += L) s = s.add(FloatVector.fromArray(F, x, xOff + 32 * b + i));
            xs[xsOff + b] = Vec.sum(s);
        }
    }
}
