package dev.edgellm.simd;

import jdk.incubator.vector.FloatVector;

/** Vector facts the provider needs, kept apart so that loading the provider does not load the Vector API. */
final class VectorInfo {
    private VectorInfo() {}

    static int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }

    /** The kernels' widths, for the backend's one-line description. */
    static String kernelBits() {
        // with 4 float lanes (NEON) every repacked format dots single 8-row groups: no spans or pairs
        if (!SimdBackend.REPACK) return Vec.F.vectorBitSize() + " bits, row-major block kernels (repacking off)";
        if (Vec.L != 8) return Vec.F.vectorBitSize() + " bits, Q4_0/Q5_0/Q8_0/Q4_K/Q5_K/Q6_K decode in 8-row groups";
        return Vec.F.vectorBitSize() + " bits" + (Vec.WIDE ? " (Q8_0, span and K-quant-pair decode at 512)" : "")
                + (Interleaved8.PAIRS ? ", Q4_0 decode in spans of " + 8 * Q4_0x8.SPAN + " rows, "
                        + (Q8_0x8.SPAN > 1 ? "Q8_0 of " + 8 * Q8_0x8.SPAN + ", " : "") + "Q5_0 of " + 8 * Q5_0x8.SPAN
                        + (Vec.WIDE ? ", K-quant in pairs of 8-row groups" : "")
                        : ", Q4_0/Q5_0" + (Vec.WIDE ? "/K-quant" : "") + " decode in 8-row groups (spans and pairs: run with "
                                + HotSpotFlags.RECOMMENDED + ")");
    }
}
