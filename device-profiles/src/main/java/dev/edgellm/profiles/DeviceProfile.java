package dev.edgellm.profiles;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * What the planner needs to know about a device: memory the app may use, memory bandwidth, cores, ISA
 * features and the GPU. Loaded from a catalogue {@code .properties} file (units in the key names:
 * {@code .mib}, {@code .gbps} = GB/s) or detected on this machine ({@link LocalDetector}). Every group of
 * fields carries a source note saying where the numbers come from and which are estimates. Immutable.
 */
public final class DeviceProfile {
    private static final long MIB = 1L << 20;

    private final String id;
    private final String name;
    private final long ramTotalBytes;
    private final long ramUsableBytes;
    private final long heapLimitBytes;
    private final double bandwidthPeakGBs;
    private final double bandwidthEffectiveGBs;
    private final int bigCores;
    private final int littleCores;
    private final List<String> isa;
    private final Gpu gpu;
    private final Map<String, String> sources;

    /** GPU facts as far as they are known; {@code null} strings mean unknown. */
    public static final class Gpu {
        public final String name;
        public final String vulkan;
        public final boolean unifiedMemory;
        /** Largest single allocation in bytes, or -1 when unknown. */
        public final long maxAllocationBytes;
        /** Largest storage buffer in bytes, or -1 when unknown. */
        public final long maxStorageBufferBytes;
        public final String fp16, int8, subgroup;
        /** Whether offloading layers beats the CPU on this device, per {@link #offloadEvidence}. */
        public final boolean offloadPays;
        public final String offloadEvidence;

        public Gpu(String name, String vulkan, boolean unifiedMemory, long maxAllocationBytes, long maxStorageBufferBytes,
                   String fp16, String int8, String subgroup, boolean offloadPays, String offloadEvidence) {
            this.name = name;
            this.vulkan = vulkan;
            this.unifiedMemory = unifiedMemory;
            this.maxAllocationBytes = maxAllocationBytes;
            this.maxStorageBufferBytes = maxStorageBufferBytes;
            this.fp16 = fp16;
            this.int8 = int8;
            this.subgroup = subgroup;
            this.offloadPays = offloadPays;
            this.offloadEvidence = offloadEvidence;
        }
    }

    public DeviceProfile(String id, String name, long ramTotalBytes, long ramUsableBytes, long heapLimitBytes,
                         double bandwidthPeakGBs, double bandwidthEffectiveGBs, int bigCores, int littleCores,
                         List<String> isa, Gpu gpu, Map<String, String> sources) {
        this.id = Objects.requireNonNull(id, "id");
        this.name = Objects.requireNonNull(name, "name");
        if (ramTotalBytes <= 0 || ramUsableBytes <= 0 || ramUsableBytes > ramTotalBytes) {
            throw new IllegalArgumentException(id + ": RAM must be > 0 with usable <= total, got usable "
                    + ramUsableBytes + " of " + ramTotalBytes + " bytes");
        }
        if (!(bandwidthEffectiveGBs > 0) || bigCores < 1 || littleCores < 0) {
            throw new IllegalArgumentException(id + ": bandwidth must be > 0 and there must be at least one big core");
        }
        this.ramTotalBytes = ramTotalBytes;
        this.ramUsableBytes = ramUsableBytes;
        this.heapLimitBytes = heapLimitBytes;
        this.bandwidthPeakGBs = bandwidthPeakGBs;
        this.bandwidthEffectiveGBs = bandwidthEffectiveGBs;
        this.bigCores = bigCores;
        this.littleCores = littleCores;
        this.isa = List.copyOf(isa);
        this.gpu = gpu;
        this.sources = Collections.unmodifiableMap(new LinkedHashMap<>(sources));
    }

    public String id() { return id; }

    public String name() { return name; }

    public long ramTotalBytes() { return ramTotalBytes; }

    /** What this app may use: total minus OS, other apps, container or per-app limits. */
    public long ramUsableBytes() { return ramUsableBytes; }

    /** Cap on the managed heap (Android's largeHeap limit), or 0 when the heap may grow to usable RAM. */
    public long heapLimitBytes() { return heapLimitBytes; }

    /** Theoretical DRAM bandwidth, GB/s (10^9 bytes per second); 0 when unknown. */
    public double bandwidthPeakGBs() { return bandwidthPeakGBs; }

    /** Read bandwidth a decode loop can expect, GB/s; what tok/s predictions use. */
    public double bandwidthEffectiveGBs() { return bandwidthEffectiveGBs; }

    /** Performance cores (all cores when the CPU is not big.LITTLE). */
    public int bigCores() { return bigCores; }

    public int littleCores() { return littleCores; }

    /** ISA features in lower case: neon, fp16, dotprod, i8mm, sve, avx2, avx512f, ... */
    public List<String> isa() { return isa; }

    public boolean hasIsa(String feature) { return isa.contains(feature.toLowerCase(Locale.ROOT)); }

    /** This profile with the given ISA features added (those it lacks; e.g. to plan for a CPU with AVX-512). */
    public DeviceProfile withIsa(java.util.Collection<String> features) {
        List<String> more = new java.util.ArrayList<>(isa);
        for (String f : features) {
            if (!hasIsa(f)) more.add(f.toLowerCase(Locale.ROOT));
        }
        return new DeviceProfile(id, name, ramTotalBytes, ramUsableBytes, heapLimitBytes, bandwidthPeakGBs,
                bandwidthEffectiveGBs, bigCores, littleCores, more, gpu, sources);
    }

    /** The GPU, or null when there is none or it is unknown. */
    public Gpu gpu() { return gpu; }

    /** Source notes by field group (ram, heap, cpu, bandwidth, gpu). */
    public Map<String, String> sources() { return sources; }

    /**
     * Reads a catalogue entry. Sizes are MiB ({@code *.mib}), bandwidths GB/s ({@code *.gbps}); "unknown" is
     * allowed for GPU limits and feature flags. Errors name the profile and the key.
     */
    public static DeviceProfile fromProperties(String id, Properties p) {
        Reader r = new Reader(id, p);
        Map<String, String> sources = new LinkedHashMap<>();
        for (String group : new String[] {"ram", "heap", "cpu", "bandwidth", "gpu"}) {
            String s = p.getProperty(group + ".source");
            if (s != null) sources.put(group, s.trim());
        }
        for (String required : new String[] {"ram", "cpu", "bandwidth"}) {
            if (!sources.containsKey(required)) throw r.bad(required + ".source", "missing source note");
        }
        Gpu gpu = null;
        if (p.getProperty("gpu.name") != null) {
            gpu = new Gpu(r.string("gpu.name"), r.optional("gpu.vulkan"), r.bool("gpu.unified.memory"),
                    r.mibOrUnknown("gpu.max.allocation.mib"), r.mibOrUnknown("gpu.max.storage.buffer.mib"),
                    r.optional("gpu.fp16"), r.optional("gpu.int8"), r.optional("gpu.subgroup"),
                    r.bool("gpu.offload.pays"), r.string("gpu.offload.evidence"));
        }
        List<String> isa = new java.util.ArrayList<>();
        for (String f : r.string("cpu.isa").split(",")) {
            if (!f.trim().isEmpty()) isa.add(f.trim().toLowerCase(Locale.ROOT));
        }
        return new DeviceProfile(id, r.string("name"), r.mib("ram.total.mib"), r.mib("ram.usable.mib"),
                p.getProperty("heap.limit.mib") == null ? 0 : r.mib("heap.limit.mib"),
                r.number("bandwidth.peak.gbps"), r.number("bandwidth.effective.gbps"),
                (int) r.number("cpu.big.cores"), (int) r.number("cpu.little.cores"), isa, gpu, sources);
    }

    /** Typed property access with errors that name the profile and key. */
    private static final class Reader {
        final String id;
        final Properties p;

        Reader(String id, Properties p) {
            this.id = id;
            this.p = p;
        }

        IllegalArgumentException bad(String key, String problem) {
            return new IllegalArgumentException("device profile '" + id + "': " + key + ": " + problem);
        }

        String string(String key) {
            String v = p.getProperty(key);
            if (v == null || v.trim().isEmpty()) throw bad(key, "missing");
            return v.trim();
        }

        String optional(String key) {
            String v = p.getProperty(key);
            return v == null || v.trim().isEmpty() || v.trim().equals("unknown") ? null : v.trim();
        }

        double number(String key) {
            String v = string(key);
            try {
                double d = Double.parseDouble(v);
                if (!(d >= 0) || Double.isInfinite(d)) throw bad(key, "must be a number >= 0, got '" + v + "'");
                return d;
            } catch (NumberFormatException e) {
                throw bad(key, "not a number: '" + v + "'");
            }
        }

        long mib(String key) { return Math.round(number(key) * MIB); }

        long mibOrUnknown(String key) { return optional(key) == null ? -1 : mib(key); }

        boolean bool(String key) {
            String v = string(key);
            if (v.equals("true")) return true;
            if (v.equals("false")) return false;
            throw bad(key, "must be true or false, got '" + v + "'");
        }
    }

    @Override
    public String toString() {
        return id + " (" + name + ")";
    }
}
