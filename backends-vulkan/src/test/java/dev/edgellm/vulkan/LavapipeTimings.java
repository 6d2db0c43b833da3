package dev.edgellm.vulkan;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.spi.ScalarKernels;

import java.util.Random;

import static dev.edgellm.RandomTensors.randomFloats;
import static dev.edgellm.RandomTensors.randomTensor;

/**
 * Correctness-only timings on whatever device the probe selects (run by hand:
 * {@code java -cp ... dev.edgellm.vulkan.LavapipeTimings}): backend open, first-use cost per kernel
 * (pipeline compile + weight upload), round-trip latency of a tiny op, and matVec throughput.
 */
public final class LavapipeTimings {
    public static void main(String[] args) {
        VulkanProbe p = VulkanProbe.get();
        if (!p.available()) { System.out.println("unavailable: " + p.reason()); return; }
        Random rnd = new Random(1);
        long t0 = System.nanoTime();
        try (VulkanBackend b = new VulkanBackend(p.selected().orElseThrow(), 0, false)) {
            System.out.printf("open: %.1f ms  (%s)%n", ms(t0), b.description());
            for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K}) {
                TensorData w = randomTensor(type, 256, 64, rnd);
                float[] x = randomFloats(rnd, 256), out = new float[64];
                long t = System.nanoTime();
                b.matVec(w, x, 0, out, 0);
                System.out.printf("first matVec %-5s (pipeline + upload): %.1f ms%n", type, ms(t));
            }
            TensorData tiny = randomTensor(GgmlType.F32, 64, 64, rnd);
            float[] x = randomFloats(rnd, 64), out = new float[64];
            for (int i = 0; i < 50; i++) b.matVec(tiny, x, 0, out, 0);
            long t = System.nanoTime();
            int reps = 500;
            for (int i = 0; i < reps; i++) b.matVec(tiny, x, 0, out, 0);
            System.out.printf("round trip of a 64x64 F32 matVec: %.3f ms%n", ms(t) / reps);
            for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K}) {
                int n = 4096, rows = 4096;
                TensorData w = randomTensor(type, n, rows, rnd);
                float[] xv = randomFloats(rnd, n), o = new float[rows];
                b.matVec(w, xv, 0, o, 0);
                t = System.nanoTime();
                int r = 5;
                for (int i = 0; i < r; i++) b.matVec(w, xv, 0, o, 0);
                double gpu = ms(t) / r;
                t = System.nanoTime();
                ScalarKernels.matVec(w, xv, 0, o, 0);
                double cpu = ms(t);
                System.out.printf("matVec 4096x4096 %-5s: %.1f ms (%.2f GFLOP/s); scalar CPU reference %.1f ms%n",
                        type, gpu, 2.0 * n * rows / gpu / 1e6, cpu);
            }
            System.out.println("device memory: " + b.deviceMemory());
        }
    }

    private static double ms(long t0) { return (System.nanoTime() - t0) / 1e6; }
}
