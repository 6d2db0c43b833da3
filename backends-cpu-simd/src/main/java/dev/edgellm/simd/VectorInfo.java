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
        return Vec.F.vectorBitSize() + " bits" + (Vec.WIDE ? " (Q8_0 and Q4_0-pair decode at 512)" : "")
                + (Interleaved8.PAIRS ? ", Q4_0/Q5_0 decode in pairs of 8-row groups"
                        : ", Q4_0/Q5_0 decode in 8-row groups (pairs: run with " + HotSpotFlags.RECOMMENDED + ")");
    }
}
