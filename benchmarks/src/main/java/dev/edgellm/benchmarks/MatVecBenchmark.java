package dev.edgellm.benchmarks;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.spi.Availability;
import dev.edgellm.spi.Backend;
import dev.edgellm.spi.BackendOptions;
import dev.edgellm.spi.BackendProvider;
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

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;

/**
 * One decode-step matrix-vector product {@code out = W x} over a {@code rows x cols} weight matrix stored in
 * {@link #type}, on the backend named by {@link #backend}, found through the Backend SPI as the engine finds
 * it. Weights live in a direct buffer, as mapped GGUF tensors do. Time per op; weight bytes / time is the
 * kernel's effective read bandwidth (2048 x 2048: F32 16 MiB, Q8_0 4.25 MiB, Q6_K 3.28 MiB, Q4_K 2.25 MiB,
 * Q4_0 2.25 MiB, so the quantized matrices sit in a 32 MiB L3: this measures the kernels, not DRAM).
 *
 * <p>The SIMD backend needs {@code --add-modules jdk.incubator.vector} in the forked JVM, set here.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseSerialGC",
        "-XX:PerMethodRecompilationCutoff=10000"})
public class MatVecBenchmark {
    @Param({"Q4_0", "Q8_0", "Q4_K", "Q6_K", "F32"})
    public String type;

    @Param({"scalar", "simd"})
    public String backend;

    @Param({"1"})
    public int threads;

    @Param({"2048"})
    public int rows;

    @Param({"2048"})
    public int cols;

    private Backend kernels;
    private TensorData weights;
    private float[] x;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        GgmlType t = GgmlType.valueOf(type);
        weights = RandomTensors.matrix(t, cols, rows, 42);
        x = RandomTensors.floats(cols, 7);
        out = new float[rows];
        kernels = open(backend, threads);
    }

    @Benchmark
    public float[] matVec() {
        kernels.matVec(weights, x, 0, out, 0);
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernels.close();
    }

    /** The named provider's backend; fails with the provider's own reason when it is unavailable here. */
    static Backend open(String name, int threads) {
        List<String> names = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            names.add(p.name());
            if (!p.name().equals(name)) continue;
            Availability a = p.probe();
            if (!a.isAvailable()) throw new IllegalStateException("backend " + name + " is unavailable: " + a.reason());
            return p.open(new BackendOptions(threads));
        }
        throw new IllegalArgumentException("no backend named '" + name + "' (found: " + names + ")");
    }
}
