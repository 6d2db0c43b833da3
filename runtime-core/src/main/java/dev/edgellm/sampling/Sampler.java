package dev.edgellm.sampling;

import java.util.SplittableRandom;

/**
 * Picks the next token from a logits vector, following llama.cpp's default sampler chain:
 * <pre>penalties → top-k → top-p → min-p → temperature → dist</pre>
 * (typical-p, DRY, XTC and top-n-sigma are not implemented; they are off by default in llama.cpp).
 * With temperature {@code <= 0} the chain is penalties → argmax, ties going to the lowest token id (the
 * filters are skipped: none of them can remove the most likely token, so the result is the same).
 *
 * <p>Semantics worth knowing:
 * <ul>
 *   <li>Filters see the <em>untempered</em> distribution (temperature comes after them, as in llama.cpp), and
 *       each renormalises over whatever the previous stage left.</li>
 *   <li>{@link #sample} does not record the token; call {@link #accept} with every token that enters the
 *       context (prompt tokens too, if they should be penalised) so penalties see it.</li>
 *   <li>Candidates are ordered most-likely-first with ties broken by lowest id, so results do not depend on
 *       sort stability. NaN logits are treated as -inf. The caller's array is never modified.</li>
 *   <li>The draw: softmax over the survivors (double sums), one uniform u in [0, 1) from {@link SplitMix64},
 *       first candidate whose running mass exceeds {@code u * total}. No draw happens when one candidate is
 *       left, or in greedy mode, which matches llama.cpp's dist sampler.</li>
 *   <li>Reproducible on any JVM: the RNG is our own, exp/log go through {@link StrictMath} (Math's may differ
 *       by an ulp between JVMs and CPUs), and float/double arithmetic is IEEE-exact since Java 17. Tokens
 *       differ from llama.cpp's for the same seed, because llama.cpp draws with std::mt19937.</li>
 * </ul>
 *
 * <p>Cost per token: one pass building candidates and O(n log k) top-k selection; everything after top-k
 * touches only k candidates. With top-k disabled, top-p and the draw work on the whole vocabulary: a
 * StrictMath.exp per vocabulary entry in each, and a quickselect for the nucleus boundary (expected O(n),
 * O(n log n) worst case) instead of a full sort. Nothing is allocated after construction.
 *
 * <p>One sampler per generation; not thread-safe.
 */
public final class Sampler {
    private final SamplerSpec spec;
    private final int vocabSize;
    private final long seed;
    private final SplitMix64 rng;
    private final PenaltyHistory history; // null when penalties cannot change anything

    private final long[] keys;     // live candidates are keys[0, n)
    private final double[] weights; // scratch: by token id in top-p, by candidate position in the draw
    private int n;
    private boolean sorted;        // keys[0, n) ascending (most likely first)

    /** @param vocabSize length of every logits vector passed to {@link #sample} */
    public Sampler(SamplerSpec spec, int vocabSize) {
        if (spec == null) {
            throw new NullPointerException("spec");
        }
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabSize must be > 0, got " + vocabSize);
        }
        this.spec = spec;
        this.vocabSize = vocabSize;
        this.seed = spec.seed() == SamplerSpec.RANDOM_SEED ? randomSeed() : spec.seed();
        this.rng = new SplitMix64(seed);
        this.history = spec.penaltiesEnabled() ? new PenaltyHistory(spec.penaltyLastN(), vocabSize) : null;
        this.keys = new long[vocabSize];
        this.weights = spec.isGreedy() ? null : new double[vocabSize];
    }

    private static long randomSeed() {
        long s;
        do {
            s = new SplittableRandom().nextLong();
        } while (s == SamplerSpec.RANDOM_SEED);
        return s;
    }

    /** The seed in use: the spec's seed, or the one chosen at random; pass it to a spec to reproduce a run. */
    public long seed() {
        return seed;
    }

    public SamplerSpec spec() {
        return spec;
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** Chooses a token id from {@code logits} (length {@link #vocabSize()}); does not {@link #accept} it. */
    public int sample(float[] logits) {
        prepare(logits);
        if (spec.isGreedy()) {
            return Candidates.id(keys[Candidates.best(keys, n)]);
        }
        return draw();
    }

    /** Records a token that entered the context, for the repetition penalties. */
    public void accept(int token) {
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException("token must be in [0, " + vocabSize + "), got " + token);
        }
        if (history != null) {
            history.accept(token);
        }
    }

    /** Forgets the accepted tokens and rewinds the RNG to {@link #seed()}, so a rerun repeats exactly. */
    public void reset() {
        if (history != null) {
            history.clear();
        }
        rng.setSeed(seed);
    }

    /**
     * Runs penalties and, unless greedy, the filters; leaves the survivors in keys[0, n) and returns n.
     * Package-private so tests can inspect exactly which candidates survive.
     */
    int prepare(float[] logits) {
        if (logits.length != vocabSize) {
            throw new IllegalArgumentException(
                    "logits length must equal vocabSize " + vocabSize + ", got " + logits.length);
        }
        for (int i = 0; i < vocabSize; i++) {
            keys[i] = Candidates.key(logits[i], i);
        }
        n = vocabSize;
        sorted = false;
        if (history != null) {
            history.apply(keys, spec.repeatPenalty(), spec.frequencyPenalty(), spec.presencePenalty());
        }
        if (!spec.isGreedy()) {
            topK(spec.topK());
            topP(spec.topP());
            minP(spec.minP());
        }
        return n;
    }

    int candidateId(int i) {
        return Candidates.id(keys[i]);
    }

    float candidateLogit(int i) {
        return Candidates.logit(keys[i]);
    }

    private void topK(int k) {
        // k >= n keeps everything; unlike llama.cpp we skip the (order-only) full sort it would do
        if (k <= 0 || k >= n) {
            return;
        }
        Candidates.selectTop(keys, n, k);
        n = k;
        sorted = true;
    }

    private void topP(float p) {
        if (p >= 1f || n == 1) {
            return;
        }
        // weights by token id, so the cut can look them up whatever order it leaves the keys in
        float max = maxLogit();
        double total = 0;
        for (int i = 0; i < n; i++) {
            double w = StrictMath.exp(Candidates.logit(keys[i]) - max);
            weights[Candidates.id(keys[i])] = w;
            total += w;
        }
        double target = p * total;
        n = sorted ? Nucleus.sortedCut(keys, n, weights, target) : Nucleus.unsortedCut(keys, n, weights, target);
    }

    private void minP(float p) {
        if (p <= 0f) {
            return;
        }
        // p_i >= p * p_max  <=>  logit_i >= max_logit + log(p); computed in float as llama.cpp does
        float minLogit = maxLogit() + (float) StrictMath.log(p);
        if (sorted) {
            int i = 1; // the best token always stays
            while (i < n && Candidates.logit(keys[i]) >= minLogit) {
                i++;
            }
            n = i;
            return;
        }
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (Candidates.logit(keys[i]) >= minLogit) {
                keys[kept++] = keys[i];
            }
        }
        n = kept; // >= 1: the max itself passes
    }

    private float maxLogit() {
        return Candidates.logit(keys[sorted ? 0 : Candidates.best(keys, n)]);
    }

    /** Temperature then dist: softmax over keys[0, n) and one uniform draw. */
    private int draw() {
        if (n == 1) {
            return Candidates.id(keys[0]);
        }
        float t = spec.temperature();
        float max = maxLogit() / t;
        double total = 0;
        for (int i = 0; i < n; i++) {
            double w = StrictMath.exp(Candidates.logit(keys[i]) / t - max);
            weights[i] = w;
            total += w;
        }
        if (!(total > 0) || Double.isInfinite(total)) {
            // +inf logits or all -inf: no distribution to draw from, fall back to the best candidate
            return Candidates.id(keys[Candidates.best(keys, n)]);
        }
        double target = rng.nextDouble() * total;
        double cum = 0;
        int last = 0;
        for (int i = 0; i < n; i++) {
            if (weights[i] > 0) {
                cum += weights[i];
                last = i;
                // strict: a zero-weight candidate can never be picked, even when u == 0
                if (cum > target) {
                    return Candidates.id(keys[i]);
                }
            }
        }
        return Candidates.id(keys[last]); // rounding left target unreached
    }
}
