package dev.edgellm.benchmarks;

import dev.edgellm.kv.KvCache;
import dev.edgellm.kv.KvCacheType;
import dev.edgellm.spi.Backend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * One decode step's attention for one layer: a query at position {@link #pos} against the {@code pos + 1} cached
 * keys and values, Llama-3.2-1B's shape (32 query heads, 8 KV heads of 64), on the backend named by
 * {@link #backend}. Time per op; a decode token pays it once per layer, so it grows with the context while the
 * matrix-vector products do not.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseSerialGC",
        "-XX:PerMethodRecompilationCutoff=10000"})
public class AttentionBenchmark {
    @Param({"scalar", "simd"})
    public String backend;

    @Param({"f16", "q8_0"})
    public String kvType;

    @Param({"63", "511", "2047"})
    public int pos;

    @Param({"1"})
    public int threads;

    static final int HEADS = 32, KV_HEADS = 8, HEAD_DIM = 64;

    private Backend kernels;
    private KvCache cache;
    private float[] q, att, out;
    private float scale;

    @Setup(Level.Trial)
    public void setUp() {
        int kvDim = KV_HEADS * HEAD_DIM;
        cache = KvCache.allocate(KvCacheType.parse(kvType), 1, pos + 1, kvDim);
        for (int t = 0; t <= pos; t++) {
            cache.store(0, t, RandomTensors.floats(kvDim, 2L * t), 0, RandomTensors.floats(kvDim, 2L * t + 1), 0);
        }
        q = RandomTensors.floats(HEADS * HEAD_DIM, 5);
        att = new float[pos + 1];
        out = new float[HEADS * HEAD_DIM];
        scale = (float) (1 / Math.sqrt(HEAD_DIM));
        kernels = MatVecBenchmark.open(backend, threads);
    }

    @Benchmark
    public float[] attention() {
        kernels.attention(cache, 0, pos, q, 0, HEADS, KV_HEADS, HEAD_DIM, scale, att, out, 0);
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernels.close();
    }
}
