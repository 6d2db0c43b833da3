package dev.edgellm.profiles;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProfilesTest {
    @TempDir Path root;

    @Test
    void catalogueHasTheIssueDevicesWithSourcesAndGpuEvidence() {
        ProfileCatalog cat = ProfileCatalog.builtin();
        assertEquals(List.of("rpi4-4gb", "rpi4-8gb", "rpi5-4gb", "rpi5-8gb", "rpi5-16gb", "jetson-orin-nano-8gb",
                "rk3588-16gb", "android-flagship-12gb", "android-midrange-6gb", "x86-laptop-16gb", "local"), cat.names());
        for (DeviceProfile p : cat.all()) {
            assertTrue(p.ramUsableBytes() <= p.ramTotalBytes(), p.id());
            assertTrue(p.bandwidthEffectiveGBs() <= p.bandwidthPeakGBs(), p.id());
            for (String s : new String[] {"ram", "cpu", "bandwidth", "gpu"}) assertNotNull(p.sources().get(s), p.id() + " " + s);
            assertNotNull(p.gpu(), p.id());
            assertTrue(p.gpu().offloadEvidence.length() > 20, p.id());
        }
        DeviceProfile phone = cat.get("android-flagship-12gb");
        assertEquals(512L << 20, phone.heapLimitBytes());
        assertEquals(6, phone.bigCores());
        assertEquals(2, phone.littleCores());
        assertTrue(phone.hasIsa("i8mm") && !phone.hasIsa("sve"));
        DeviceProfile withSve = phone.withIsa(java.util.List.of("SVE", "i8mm"));
        assertTrue(withSve.hasIsa("sve") && withSve.hasIsa("i8mm") && !phone.hasIsa("sve"));
        assertEquals(phone.isa().size() + 1, withSve.isa().size(), "only the missing feature is added");
        assertEquals(phone.heapLimitBytes(), withSve.heapLimitBytes());
        assertEquals(phone.gpu(), withSve.gpu());
        assertEquals(8192L << 20, cat.get("rpi5-8gb").ramTotalBytes());
        assertTrue(cat.get("rk3588-16gb").gpu().offloadEvidence.contains("17783"));
    }

    @Test
    void unknownProfileListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProfileCatalog.builtin().get("pi9"));
        assertEquals("unknown device profile 'pi9' (known: rpi4-4gb, rpi4-8gb, rpi5-4gb, rpi5-8gb, rpi5-16gb, "
                + "jetson-orin-nano-8gb, rk3588-16gb, android-flagship-12gb, android-midrange-6gb, x86-laptop-16gb, local)", e.getMessage());
    }

    @Test
    void malformedEntryNamesProfileAndKey() {
        Properties p = new Properties();
        p.setProperty("name", "x");
        p.setProperty("ram.total.mib", "lots");
        p.setProperty("cpu.isa", "neon");
        p.setProperty("ram.source", "s");
        p.setProperty("cpu.source", "s");
        p.setProperty("bandwidth.source", "s");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceProfile.fromProperties("bad", p));
        assertEquals("device profile 'bad': ram.total.mib: not a number: 'lots'", e.getMessage());
        p.remove("cpu.source");
        e = assertThrows(IllegalArgumentException.class, () -> DeviceProfile.fromProperties("bad", p));
        assertEquals("device profile 'bad': cpu.source: missing source note", e.getMessage());
    }

    @Test
    void detectsArmBigLittleBoardInACgroupV2Container() throws Exception {
        write("proc/meminfo", "MemTotal:        8062056 kB\nMemFree:         100000 kB\nMemAvailable:    6000000 kB\n");
        write("proc/self/cgroup", "0::/app.slice/llm\n");
        write("sys/fs/cgroup/app.slice/llm/memory.max", "2147483648\n");
        write("proc/cpuinfo", "processor\t: 0\nFeatures\t: fp asimd evtstrm aes crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\n");
        int[] caps = {414, 414, 414, 414, 1024, 1024, 1024, 1024};
        for (int i = 0; i < caps.length; i++) write("sys/devices/system/cpu/cpu" + i + "/cpu_capacity", caps[i] + "\n");
        DeviceProfile p = LocalDetector.detect(root, 8, 4L << 30, false);
        assertEquals("local", p.id());
        assertEquals(8062056L * 1024, p.ramTotalBytes());
        assertEquals(2L << 30, p.ramUsableBytes(), "the cgroup limit binds below MemAvailable");
        assertEquals(List.of("neon", "fp16", "dotprod"), p.isa());
        assertEquals(4, p.bigCores());
        assertEquals(4, p.littleCores());
        assertTrue(p.sources().get("ram").contains("cgroup memory limit 2048 MiB applies"), p.sources().get("ram"));
    }

    @Test
    void detectsX86WithCgroupV1AndNoLimit() throws Exception {
        write("proc/meminfo", "MemTotal:       16000000 kB\nMemAvailable:   12000000 kB\n");
        write("proc/self/cgroup", "4:memory:/docker/abc\n0::/\n");
        write("sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "9223372036854771712\n");
        write("proc/cpuinfo", "flags\t\t: fpu sse4_2 avx avx2 fma f16c avx512f\n");
        DeviceProfile p = LocalDetector.detect(root, 4, 1L << 40, false);
        assertEquals(12000000L * 1024, p.ramUsableBytes());
        assertEquals(List.of("sse4.2", "avx", "avx2", "fma", "f16c", "avx512f"), p.isa());
        assertEquals(4, p.bigCores());
        assertEquals(0, p.littleCores());
        assertEquals(0, p.heapLimitBytes(), "a heap limit above usable RAM does not bind");
    }

    @Test
    void detectionSurvivesAnEmptySystem() {
        DeviceProfile p = LocalDetector.detect(root, 2, 1L << 30, false);
        assertEquals(1L << 30, p.ramTotalBytes());
        assertEquals(2, p.bigCores());
    }

    /** The GPU comes from the first probe that reports one; none, a null answer or a failing probe: no GPU. */
    @Test
    void gpuComesFromAProbe() {
        DeviceProfile base = LocalDetector.detect(root, 2, 1L << 30, false);
        DeviceProfile.Gpu orin = new DeviceProfile.Gpu("Orin (nvgpu)", "1.3.260", true, 1L << 32, 1L << 32, "yes", "yes",
                "32 wide", true, "test evidence");
        GpuProbe none = () -> null, some = () -> orin;
        GpuProbe broken = () -> { throw new IllegalStateException("driver exploded"); };

        DeviceProfile p = LocalDetector.withGpu(base, List.of(none, some));
        assertEquals("Orin (nvgpu)", p.gpu().name);
        assertTrue(p.gpu().offloadPays);
        assertTrue(p.sources().get("gpu").contains("Orin (nvgpu), Vulkan 1.3.260, unified memory"), p.sources().get("gpu"));
        assertEquals(base.ramUsableBytes(), p.ramUsableBytes(), "everything else unchanged");

        DeviceProfile empty = LocalDetector.withGpu(base, List.of());
        assertEquals(null, empty.gpu());
        assertTrue(empty.sources().get("gpu").startsWith("no GPU probe"), empty.sources().get("gpu"));
        assertEquals(null, LocalDetector.withGpu(base, List.of(none)).gpu());
        DeviceProfile failed = LocalDetector.withGpu(base, List.of(broken, some));
        assertEquals(null, failed.gpu());
        assertTrue(failed.sources().get("gpu").contains("driver exploded"), failed.sources().get("gpu"));
    }

    @Test
    void detectsThisMachine() {
        DeviceProfile p = ProfileCatalog.builtin().local();
        assertTrue(p.ramUsableBytes() > 0 && p.bandwidthEffectiveGBs() > 0, p.sources().toString());
    }

    private void write(String rel, String text) throws Exception {
        Path f = root.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }
}
