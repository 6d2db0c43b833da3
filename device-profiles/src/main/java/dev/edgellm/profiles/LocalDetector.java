package dev.edgellm.profiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Detects the {@code local} profile from Linux/Android pseudo-files: /proc/meminfo (MemTotal, MemAvailable),
 * the cgroup v2 {@code memory.max} or v1 {@code memory.limit_in_bytes} of this process (containers),
 * /proc/cpuinfo feature flags, per-core {@code cpu_capacity} (big.LITTLE) and a short copy loop for
 * bandwidth, and on request the GPU through a {@link GpuProbe} found with {@link java.util.ServiceLoader}
 * (the Vulkan backend's device properties). Files that are missing (macOS, Windows) fall back to what the JVM
 * knows; nothing here throws for an unusual system.
 */
public final class LocalDetector {
    /** cgroup "no limit" values are 2^63 rounded down to a page; anything this large is no limit. */
    private static final long UNLIMITED = 1L << 60;
    private static final String[] ARM_FLAGS = {"asimd", "neon", "asimdhp", "asimddp", "i8mm", "bf16", "sve", "sve2"};
    private static final String[] X86_FLAGS = {"sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw",
            "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile"};

    private LocalDetector() {
    }

    /** Detects this machine; {@code measureBandwidth} adds a ~0.1 s copy over 64 MiB of heap. No GPU probe. */
    public static DeviceProfile detect(boolean measureBandwidth) {
        return detect(measureBandwidth, false);
    }

    /** As {@link #detect(boolean)}; {@code probeGpu} also asks the {@link GpuProbe} providers (may load a driver). */
    public static DeviceProfile detect(boolean measureBandwidth, boolean probeGpu) {
        DeviceProfile p = detect(Paths.get("/"), Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory(), measureBandwidth);
        return probeGpu ? withProbedGpu(p) : p;
    }

    /** {@code p} with the GPU the {@link GpuProbe} providers on the class path report (may load a driver). */
    static DeviceProfile withProbedGpu(DeviceProfile p) {
        return withGpu(p, java.util.ServiceLoader.load(GpuProbe.class, LocalDetector.class.getClassLoader()));
    }

    /**
     * {@code p} with the first GPU a probe reports, and a source note saying which probe answered (or that none
     * did). A probe that throws or fails to load counts as no GPU.
     */
    static DeviceProfile withGpu(DeviceProfile p, Iterable<GpuProbe> probes) {
        DeviceProfile.Gpu gpu = null;
        String note = "no GPU probe on the class path (the Vulkan backend provides one)";
        try {
            for (GpuProbe probe : probes) {
                note = probe.getClass().getSimpleName() + ": no usable GPU";
                gpu = probe.detect();
                if (gpu != null) {
                    note = probe.getClass().getSimpleName() + ": " + gpu.name + ", Vulkan " + gpu.vulkan
                            + (gpu.unifiedMemory ? ", unified memory" : ", own memory");
                    break;
                }
            }
        } catch (RuntimeException | LinkageError e) { // ServiceConfigurationError, a broken driver binding
            note = "GPU probe failed: " + e;
            gpu = null;
        }
        Map<String, String> sources = new LinkedHashMap<>(p.sources());
        sources.put("gpu", note);
        return new DeviceProfile(p.id(), p.name(), p.ramTotalBytes(), p.ramUsableBytes(), p.heapLimitBytes(),
                p.bandwidthPeakGBs(), p.bandwidthEffectiveGBs(), p.bigCores(), p.littleCores(), p.isa(), gpu, sources);
    }

    /**
     * Detects from the pseudo-files under {@code root} (tests pass a fake tree).
     *
     * @param cpus    processors this process may use
     * @param maxHeap the JVM's heap limit (-Xmx), reported as the heap cap
     * @param measure whether to measure copy bandwidth (else a conservative 5 GB/s is assumed)
     */
    public static DeviceProfile detect(Path root, int cpus, long maxHeap, boolean measure) {
        Map<String, String> sources = new LinkedHashMap<>();
        Map<String, Long> mem = meminfo(root);
        long total = mem.getOrDefault("MemTotal", 0L);
        long available = mem.getOrDefault("MemAvailable", 0L);
        String ramSource;
        if (total > 0) {
            ramSource = "/proc/meminfo: MemTotal " + mib(total) + " MiB, MemAvailable " + mib(available) + " MiB";
        } else {
            total = Math.max(maxHeap, 1L << 30);
            available = total;
            ramSource = "no /proc/meminfo: assumed the JVM heap limit (" + mib(total) + " MiB)";
        }
        long usable = available > 0 ? available : total;
        long limit = cgroupLimit(root);
        if (limit > 0 && limit < usable) {
            usable = limit;
            ramSource += "; cgroup memory limit " + mib(limit) + " MiB applies";
        } else if (limit > 0) {
            ramSource += "; cgroup memory limit " + mib(limit) + " MiB (not binding)";
        }
        usable = Math.min(usable, total);
        sources.put("ram", ramSource + "; usable = MemAvailable capped by the cgroup limit");
        sources.put("heap", "JVM max heap (-Xmx) " + mib(maxHeap) + " MiB");

        String cpuinfo = read(root.resolve("proc/cpuinfo"));
        List<String> isa = isaFlags(cpuinfo);
        int[] bigLittle = bigLittle(root, cpus);
        sources.put("cpu", cpus + " processors available to the JVM; " + (bigLittle[1] > 0
                ? bigLittle[0] + " big + " + bigLittle[1] + " little by /sys/devices/system/cpu/cpu*/cpu_capacity"
                : "all treated as big cores") + "; ISA from /proc/cpuinfo flags");

        double bw = 5.0;
        if (measure) {
            bw = measureCopyGBs();
            sources.put("bandwidth", String.format(Locale.ROOT, "measured: single-thread System.arraycopy of 32 MiB, "
                    + "best of 5, counting read + write = %.1f GB/s (a lower bound for multi-core decode)", bw));
        } else {
            sources.put("bandwidth", "not measured: assumed 5 GB/s");
        }
        String name = "this machine (" + cpus + " cpus, " + mib(total) + " MiB" + (isa.isEmpty() ? "" : ", " + String.join(" ", isa)) + ")";
        // the JVM's own heap limit binds the KV cache and scratch, which live on the heap today
        long heapCap = maxHeap > 0 && maxHeap < usable ? maxHeap : 0;
        return new DeviceProfile(ProfileCatalog.LOCAL, name, total, Math.max(1, usable), heapCap, 0, bw,
                Math.max(1, bigLittle[0]), bigLittle[1], isa, null, sources);
    }

    static Map<String, Long> meminfo(Path root) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : read(root.resolve("proc/meminfo")).split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String[] v = line.substring(colon + 1).trim().split("\\s+");
            try {
                long n = Long.parseLong(v[0]);
                boolean kb = v.length > 1 && v[1].equalsIgnoreCase("kB");
                m.put(line.substring(0, colon).trim(), kb ? n * 1024 : n);
            } catch (NumberFormatException ignored) {
                // not a number line; skip it
            }
        }
        return m;
    }

    /** This process's cgroup memory limit in bytes (v2 memory.max, else v1 limit_in_bytes), or 0 for none. */
    static long cgroupLimit(Path root) {
        String v2Path = null, v1Path = null;
        for (String line : read(root.resolve("proc/self/cgroup")).split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length < 3) continue;
            if (f[0].equals("0") && f[1].isEmpty()) v2Path = f[2];
            for (String c : f[1].split(",")) if (c.equals("memory")) v1Path = f[2];
        }
        List<Path> candidates = new ArrayList<>();
        if (v2Path != null) candidates.add(root.resolve("sys/fs/cgroup" + v2Path).resolve("memory.max"));
        candidates.add(root.resolve("sys/fs/cgroup/memory.max"));
        if (v1Path != null) candidates.add(root.resolve("sys/fs/cgroup/memory" + v1Path).resolve("memory.limit_in_bytes"));
        candidates.add(root.resolve("sys/fs/cgroup/memory/memory.limit_in_bytes"));
        for (Path p : candidates) {
            String s = read(p).trim();
            if (s.isEmpty()) continue;
            if (s.equals("max")) return 0;
            try {
                long n = Long.parseLong(s);
                return n >= UNLIMITED ? 0 : n;
            } catch (NumberFormatException ignored) {
                // unreadable limit; try the next candidate
            }
        }
        return 0;
    }

    /** Relevant ISA features from the x86 "flags" or ARM "Features" line, in catalogue names. */
    static List<String> isaFlags(String cpuinfo) {
        List<String> out = new ArrayList<>();
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String key = line.substring(0, colon).trim();
            if (!key.equals("flags") && !key.equals("Features")) continue;
            List<String> have = List.of(line.substring(colon + 1).trim().toLowerCase(Locale.ROOT).split("\\s+"));
            for (String f : key.equals("flags") ? X86_FLAGS : ARM_FLAGS) {
                if (!have.contains(f)) continue;
                String name = f.equals("asimd") ? "neon" : f.equals("asimdhp") ? "fp16" : f.equals("asimddp") ? "dotprod"
                        : f.equals("sse4_2") ? "sse4.2" : f;
                if (!out.contains(name)) out.add(name);
            }
            break; // every core lists the same flags on the systems we target
        }
        return out;
    }

    /** {big, little}: cores at the highest cpu_capacity are big; without capacities all are big. */
    static int[] bigLittle(Path root, int cpus) {
        List<Long> caps = new ArrayList<>();
        for (int i = 0; i < cpus; i++) {
            String s = read(root.resolve("sys/devices/system/cpu/cpu" + i + "/cpu_capacity")).trim();
            if (s.isEmpty()) return new int[] {cpus, 0};
            try {
                caps.add(Long.parseLong(s));
            } catch (NumberFormatException e) {
                return new int[] {cpus, 0};
            }
        }
        long max = 0;
        for (long c : caps) max = Math.max(max, c);
        int big = 0;
        // mid cores (e.g. A720 next to an X4) are within ~25% of the prime core; count them as big
        for (long c : caps) if (c * 4 >= max * 3) big++;
        return new int[] {big, cpus - big};
    }

    /** Copies 32 MiB five times and returns the best (read + write) rate in GB/s. */
    static double measureCopyGBs() {
        long[] a = new long[4 << 20], b = new long[4 << 20];
        java.util.Arrays.fill(a, 1);
        long bytes = (long) a.length * 8 * 2;
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            System.arraycopy(a, 0, b, 0, a.length);
            best = Math.min(best, System.nanoTime() - t0);
        }
        return bytes / (double) Math.max(1, best);
    }

    private static String read(Path p) {
        try {
            return Files.isReadable(p) ? new String(Files.readAllBytes(p), StandardCharsets.UTF_8) : "";
        } catch (IOException | SecurityException e) {
            return "";
        }
    }

    private static long mib(long bytes) { return bytes >> 20; }
}
