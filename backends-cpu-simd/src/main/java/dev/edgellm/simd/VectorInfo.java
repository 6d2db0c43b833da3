package dev.edgellm.simd;

import jdk.incubator.vector.FloatVector;

/** Vector facts the provider needs, kept apart so that loading the provider does not load the Vector API. */
final class VectorInfo {
    private VectorInfo() {}

    static int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }
}
