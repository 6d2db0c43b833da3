package dev.edgellm.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.edgellm.simd.BlockKernels.add8;
import static dev.edgellm.simd.BlockKernels.fma8;
import static dev.edgellm.simd.BlockKernels.highNibbles;
import static dev.edgellm.simd.BlockKernels.lowNibbles;
import static dev.edgellm.simd.Vec.B8;
import static dev.edgellm.simd.Vec.F;
import static dev.edgellm.simd.Vec.bytes;
import static dev.edgellm.simd.Vec.f16;
import static dev.edgellm.simd.Vec.u8;

/**
 * Fused dequantize-dot for the 256-element K-quant super-blocks (ggml-common.h layouts; element order as in
 * ggml's dequantize_row_*). Float-FMA strategy with one accumulator per sub-block, scaled once per sub-block.
 */
final class KQuantKernels {
    private KQuantKernels() {}

    /** get_scale_min_k4: 6-bit scale and min of sub-block j (0..7) from the 12 bytes at pos; scale | min << 8. */
    static int scaleMin(MemorySegment w, long pos, int j) {
        if (j < 4) return (u8(w, pos + j) & 63) | (u8(w, pos + j + 4) & 63) << 8;
        int low = u8(w, pos + j + 4);
        int sc = (low & 0xF) | (u8(w, pos + j - 4) >>> 6) << 4;
        int m = (low >>> 4) | (u8(w, pos + j) >>> 6) << 4;
        return sc | m << 8;
    }

    /** Q4_K, 144 bytes: d, dmin, scales[12], qs[128]; sub-blocks 2c/2c+1 = low/high nibbles of qs[32c ..]. */
    static float q4_k(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, nb = n / 256; b < nb; b++) {
            long p = off + 144L * b;
            float d = f16(w, p), dmin = f16(w, p + 2);
            for (int c = 0; c < 4; c++) {
                long q = p + 16 + 32 * c;
                int o = xOff + 256 * b + 64 * c;
                FloatVector sa = FloatVector.zero(F), sb = sa, xa = sa, xb = sa;
                for (int j = 0; j < 32; j += 8) {
                    ByteVector v = bytes(w, q + j);
                    sa = fma8(lowNibbles(v), x, o + j, sa);
                    sb = fma8(highNibbles(v), x, o + 32 + j, sb);
                    xa = add8(x, o + j, xa);
                    xb = add8(x, o + 32 + j, xb);
                }
                int m0 = scaleMin(w, p + 4, 2 * c), m1 = scaleMin(w, p + 4, 2 * c + 1);
                acc = sa.fma(FloatVector.broadcast(F, d * (m0 & 0xFF)), acc);
                acc = sb.fma(FloatVector.broadcast(F, d * (m1 & 0xFF)), acc);
                acc = xa.fma(FloatVector.broadcast(F, -dmin * (m0 >>> 8)), acc);
                acc = xb.fma(FloatVector.broadcast(F, -dmin * (m1 >>> 8)), acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** Q5_K, 176 bytes: d, dmin, scales[12], qh[32], qs[128]; the fifth bit of sub-block s is bit s of qh[l]. */
    static float q5_k(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, nb = n / 256; b < nb; b++) {
            long p = off + 176L * b;
            float d = f16(w, p), dmin = f16(w, p + 2);
            for (int c = 0; c < 4; c++) {
                long q = p + 48 + 32 * c;
                int o = xOff + 256 * b + 64 * c;
                byte bitA = (byte) (1 << 2 * c), bitB = (byte) (2 << 2 * c);
                FloatVector sa = FloatVector.zero(F), sb = sa, xa = sa, xb = sa;
                for (int j = 0; j < 32; j += 8) {
                    ByteVector v = bytes(w, q + j);
                    ByteVector h = bytes(w, p + 16 + j);
                    ByteVector ha = ByteVector.zero(B8).blend((byte) 16, h.and(bitA).compare(VectorOperators.NE, 0));
                    ByteVector hb = ByteVector.zero(B8).blend((byte) 16, h.and(bitB).compare(VectorOperators.NE, 0));
                    sa = fma8(lowNibbles(v).or(ha), x, o + j, sa);
                    sb = fma8(highNibbles(v).or(hb), x, o + 32 + j, sb);
                    xa = add8(x, o + j, xa);
                    xb = add8(x, o + 32 + j, xb);
                }
                int m0 = scaleMin(w, p + 4, 2 * c), m1 = scaleMin(w, p + 4, 2 * c + 1);
                acc = sa.fma(FloatVector.broadcast(F, d * (m0 & 0xFF)), acc);
                acc = sb.fma(FloatVector.broadcast(F, d * (m1 & 0xFF)), acc);
                acc = xa.fma(FloatVector.broadcast(F, -dmin * (m0 >>> 8)), acc);
                acc = xb.fma(FloatVector.broadcast(F, -dmin * (m1 >>> 8)), acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Q6_K, 210 bytes: ql[128], qh[64], int8 scales[16], d. In half h, element 32k + l takes a nibble of
     * ql[64h + l + 32(k&1)] (low for k < 2) and bits 2k..2k+1 of qh[32h + l]; scale index 8h + 2k + l/16.
     */
    static float q6_k(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, nb = n / 256; b < nb; b++) {
            long p = off + 210L * b;
            float d = f16(w, p + 208);
            for (int h = 0; h < 2; h++) {
                int o = xOff + 256 * b + 128 * h;
                for (int half = 0; half < 2; half++) {
                    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
                    for (int l = 16 * half; l < 16 * half + 16; l += 8) {
                        ByteVector qa = bytes(w, p + 64 * h + l), qb = bytes(w, p + 64 * h + 32 + l);
                        ByteVector hh = bytes(w, p + 128 + 32 * h + l);
                        ByteVector h0 = hh.lanewise(VectorOperators.LSHL, 4).and((byte) 0x30);
                        ByteVector h1 = hh.lanewise(VectorOperators.LSHL, 2).and((byte) 0x30);
                        ByteVector h2 = hh.and((byte) 0x30);
                        ByteVector h3 = hh.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30);
                        s0 = fma8(lowNibbles(qa).or(h0).sub((byte) 32), x, o + l, s0);
                        s1 = fma8(lowNibbles(qb).or(h1).sub((byte) 32), x, o + 32 + l, s1);
                        s2 = fma8(highNibbles(qa).or(h2).sub((byte) 32), x, o + 64 + l, s2);
                        s3 = fma8(highNibbles(qb).or(h3).sub((byte) 32), x, o + 96 + l, s3);
                    }
                    long sc = p + 192 + 8 * h + half;
                    acc = s0.fma(FloatVector.broadcast(F, d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, sc)), acc);
                    acc = s1.fma(FloatVector.broadcast(F, d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, sc + 2)), acc);
                    acc = s2.fma(FloatVector.broadcast(F, d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, sc + 4)), acc);
                    acc = s3.fma(FloatVector.broadcast(F, d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, sc + 6)), acc);
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
