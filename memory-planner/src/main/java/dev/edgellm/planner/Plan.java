package dev.edgellm.planner;

import dev.edgellm.kv.KvCacheType;
import java.util.List;

/**
 * A planner answer. Byte fields follow DESIGN.md §2's {@code plan --json} names: predicted peak =
 * resident weights + KV + compute + overhead. Immutable.
 */
public final class Plan {
    public final boolean fits;
    public final String profile;
    public final int ctx;
    public final KvCacheType kvType;
    public final int gpuLayers;
    public final int threads;
    /** All tensor bytes in the file (mapped, not heap). */
    public final long weightsBytes;
    /** Mapped weight bytes resident after decode touched them (counted in the peak). */
    public final long residentWeightsBytes;
    public final long kvBytes;
    /** Forward-pass scratch, attention row, logits, token history and sampler arrays of one session. */
    public final long computeBytes;
    /** JVM baseline plus the model's own heap (metadata, tokenizer, 1-D vectors). */
    public final long overheadBytes;
    public final long predictedPeakBytes;
    /** Java heap the plan needs: KV + compute + the model's heap. */
    public final long heapBytes;
    /** The device budget the peak was checked against. */
    public final long budgetBytes;
    public final double predictedDecodeTokS;
    /**
     * Device memory of the GPU layers: their weights (uploaded once per model) and one session's GPU KV cache and
     * scratch ({@link MemoryPlanner#gpuBytes}); 0 without GPU layers. Included in the peak on unified memory.
     */
    public final long gpuBytes;
    /** What was chosen and why; when it does not fit, what would. */
    public final List<String> reasons;

    Plan(boolean fits, String profile, int ctx, KvCacheType kvType, int gpuLayers, int threads, long weightsBytes,
         long residentWeightsBytes, long kvBytes, long computeBytes, long overheadBytes, long predictedPeakBytes,
         long heapBytes, long budgetBytes, double predictedDecodeTokS, long gpuBytes, List<String> reasons) {
        this.fits = fits;
        this.profile = profile;
        this.ctx = ctx;
        this.kvType = kvType;
        this.gpuLayers = gpuLayers;
        this.threads = threads;
        this.weightsBytes = weightsBytes;
        this.residentWeightsBytes = residentWeightsBytes;
        this.kvBytes = kvBytes;
        this.computeBytes = computeBytes;
        this.overheadBytes = overheadBytes;
        this.predictedPeakBytes = predictedPeakBytes;
        this.heapBytes = heapBytes;
        this.budgetBytes = budgetBytes;
        this.predictedDecodeTokS = predictedDecodeTokS;
        this.gpuBytes = gpuBytes;
        this.reasons = List.copyOf(reasons);
    }

    /** Whether the runtime can run this plan's KV type today (q8_0/q4_0 are planned only). */

    @Override
    public String toString() {
        return (fits ? "fits" : "does not fit") + " " + profile + " ctx " + ctx + " kv " + kvType.id() + " peak "
                + predictedPeakBytes + " B";
    }
}
