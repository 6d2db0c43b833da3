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
        FloatVector h = acc.add(acc.slice(4)); // Vec.sum's steps, written out: see there
        h = h.add(h.slice(2));
        return h.lane(0) + h.lane(1);
    }

    /**
     * Q5_K, 176 bytes: d, dmin, scales[12], qh[32], qs[128]; the fifth bit of sub-block s is bit s of qh[l]. No
     * method of ours in the body (the final sum written out too): C2 had stopped inlining at its node budget and
     * left such calls boxing their vectors (8 MB of heap per llama-110m token); JDK vector methods inline regardless.
     */
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
                    ByteVector v = ByteVector.fromMemorySegment(B8, w, q + j, Vec.LE);
                    ByteVector h = ByteVector.fromMemorySegment(B8, w, p + 16 + j, Vec.LE);
                    ByteVector qa = v.and((byte) 0xF).or(ByteVector.zero(B8).blend((byte) 16, h.and(bitA).compare(VectorOperators.NE, 0)));
                    ByteVector qb = v.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)
                            .or(ByteVector.zero(B8).blend((byte) 16, h.and(bitB).compare(VectorOperators.NE, 0)));
                    for (int part = 0; part < Vec.PARTS; part++) {
                        int xo = o + j + part * Vec.L;
                        FloatVector x0 = FloatVector.fromArray(F, x, xo), x1 = FloatVector.fromArray(F, x, xo + 32);
                        sa = ((FloatVector) qa.convertShape(VectorOperators.B2F, F, part)).fma(x0, sa);
                        sb = ((FloatVector) qb.convertShape(VectorOperators.B2F, F, part)).fma(x1, sb);
                        xa = xa.add(x0);
                        xb = xb.add(x1);
                    }
                }
                int m0 = scaleMin(w, p + 4, 2 * c), m1 = scaleMin(w, p + 4, 2 * c + 1);
                acc = sa.fma(FloatVector.broadcast(F, d * (m0 & 0xFF)), acc);
                acc = sb.fma(FloatVector.broadcast(F, d * (m1 & 0xFF)), acc);
                acc = xa.fma(FloatVector.broadcast(F, -dmin * (m0 >>> 8)), acc);
                acc = xb.fma(FloatVector.broadcast(F, -dmin * (m1 >>> 8)), acc);
            }
        }
        acc = acc.add(acc.slice(4)); // Vec.sum, written out
        acc = acc.add(acc.slice(2));
        return acc.lane(0) + acc.lane(1);
    }

    /**
     * Q6_K, 210 bytes: ql[128], qh[64], int8 scales[16], d. In half h, element 32k + l takes a nibble of
     * ql[64h + l + 32(k&1)] (low for k < 2) and bits 2k..2k+1 of qh[32h + l]; scale index 8h + 2k + l/16. No method
     * of ours in the body, as {@link #q5_k} (here the boxing cost 470 MB of heap per llama-110m token).
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
                        ByteVector qa = ByteVector.fromMemorySegment(B8, w, p + 64 * h + l, Vec.LE);
                        ByteVector qb = ByteVector.fromMemorySegment(B8, w, p + 64 * h + 32 + l, Vec.LE);
                        ByteVector hh = ByteVector.fromMemorySegment(B8, w, p + 128 + 32 * h + l, Vec.LE);
                        ByteVector q0 = qa.and((byte) 0xF).or(hh.lanewise(VectorOperators.LSHL, 4).and((byte) 0x30)).sub((byte) 32);
                        ByteVector q1 = qb.and((byte) 0xF).or(hh.lanewise(VectorOperators.LSHL, 2).and((byte) 0x30)).sub((byte) 32);
                        ByteVector q2 = qa.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF).or(hh.and((byte) 0x30)).sub((byte) 32);
                        ByteVector q3 = qb.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)
                                .or(hh.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30)).sub((byte) 32);
                        for (int part = 0; part < Vec.PARTS; part++) {
                            int xo = o + l + part * Vec.L;
                            s0 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, xo), s0);
                            s1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, xo + 32), s1);
                            s2 = ((FloatVector) q2.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, xo + 64), s2);
                            s3 = ((FloatVector) q3.convertShape(VectorOperators.B2F, F, part)).fma(FloatVector.fromArray(F, x, xo + 96), s3);
                        }
                    }
                    long sc = p + 192 + 8 * h + half;
                    acc = s0.fma(FloatVector.broadcast(F, d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, sc)), acc);
                    acc = s1.fma(FloatVector.broadcast(F, d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, sc + 2)), acc);
                    acc = s2.fma(FloatVector.broadcast(F, d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, sc + 4)), acc);
                    acc = s3.fma(FloatVector.broadcast(F, d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, sc + 6)), acc);
                }
            }
        }
        acc = acc.add(acc.slice(4)); // Vec.sum, written out
        acc = acc.add(acc.slice(2));
        return acc.lane(0) + acc.lane(1);
    }

    /**
     * Q2_K, 84 bytes: scales[16] (scale | min << 4 per 16-element sub-block), qs[64], d, dmin. In half h,
     * element 32g + l takes bits 2g..2g+1 of qs[32h + l]; its sub-block is 8h + 2g + l/16.
     */
    static float q2_k(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, nb = n / 256; b < nb; b++) {
            long p = off + 84L * b;
            float d = f16(w, p + 80), dmin = f16(w, p + 82);
            for (int h = 0; h < 2; h++) {
                for (int g = 0; g < 4; g++) {
                    for (int half = 0; half < 2; half++) {
                        long q = p + 16 + 32 * h + 16 * half;
                        int o = xOff + 256 * b + 128 * h + 32 * g + 16 * half;
                        FloatVector sq = FloatVector.zero(F), sx = sq;
                        for (int l = 0; l < 16; l += 8) {
                            sq = fma8(bytes(w, q + l).lanewise(VectorOperators.LSHR, 2 * g).and((byte) 3), x, o + l, sq);
                            sx = add8(x, o + l, sx);
                        }
                        int sc = u8(w, p + 8 * h + 2 * g + half);
                        acc = sq.fma(FloatVector.broadcast(F, d * (sc & 0xF)), acc);
                        acc = sx.fma(FloatVector.broadcast(F, -dmin * (sc >>> 4)), acc);
                    }
                }
            }
        }
        FloatVector h = acc.add(acc.slice(4)); // Vec.sum's steps, written out: see there
        h = h.add(h.slice(2));
        return h.lane(0) + h.lane(1);
    }

    /**
     * Q3_K, 110 bytes: hmask[32], qs[64], scales[12] (6-bit, biased by 32), d. Sub-block s (16 elements) takes
     * bits 2((s/2)&3).. of qs[32(s/8) + 16(s&1) + l] and, as bit 2, bit s/2 of hmask[16(s&1) + l]; a cleared
     * hmask bit means minus 4, so q = (low | high << 2) - 4.
     */
    static float q3_k(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, nb = n / 256; b < nb; b++) {
            long p = off + 110L * b;
            float d = f16(w, p + 108);
            for (int s = 0; s < 16; s++) {
                long q = p + 32 + 32 * (s >>> 3) + 16 * (s & 1), hm = p + 16 * (s & 1);
                int shift = 2 * ((s >>> 1) & 3), hbit = s >>> 1;
                int o = xOff + 256 * b + 16 * s;
                FloatVector sq = FloatVector.zero(F);
                for (int l = 0; l < 16; l += 8) {
                    ByteVector low = bytes(w, q + l).lanewise(VectorOperators.LSHR, shift).and((byte) 3);
                    ByteVector high = bytes(w, hm + l).lanewise(VectorOperators.LSHR, hbit).and((byte) 1).lanewise(VectorOperators.LSHL, 2);
                    sq = fma8(low.or(high).sub((byte) 4), x, o + l, sq);
                }
                acc = sq.fma(FloatVector.broadcast(F, d * (q3Scale(w, p + 96, s) - 32)), acc);
            }
        }
        FloatVector h = acc.add(acc.slice(4)); // Vec.sum's steps, written out: see there
        h = h.add(h.slice(2));
        return h.lane(0) + h.lane(1);
    }

    /** Q3_K's biased scale of sub-block s from the 12 bytes at pos: nibble of byte s % 8, 2 high bits of byte 8 + s % 4. */
    static int q3Scale(MemorySegment w, long pos, int s) {
        int low = s < 8 ? u8(w, pos + s) & 0xF : u8(w, pos + s - 8) >>> 4;
        return low | ((u8(w, pos + 8 + (s & 3)) >>> (2 * (s >>> 2))) & 3) << 4;
    }
}
