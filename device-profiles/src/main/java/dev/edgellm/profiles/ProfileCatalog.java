package dev.edgellm.profiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The built-in device profiles ({@code /profiles/index.txt} lists them; each is {@code /profiles/<id>.properties})
 * plus {@code local}, detected on first use. Properties files rather than JSON: the JDK and Android read them
 * with no parser dependency. Thread-safe.
 */
public final class ProfileCatalog {
    public static final String LOCAL = "local";
    private static final String DIR = "/profiles/";

    private final Map<String, DeviceProfile> profiles;
    private volatile DeviceProfile local, localMeasured;

    private ProfileCatalog(Map<String, DeviceProfile> profiles) {
        this.profiles = Collections.unmodifiableMap(profiles);
    }

    /** Loads the built-in catalogue; a malformed entry is a packaging bug and fails loudly. */
    public static ProfileCatalog builtin() {
        Map<String, DeviceProfile> m = new LinkedHashMap<>();
        for (String id : readIndex()) m.put(id, load(id));
        return new ProfileCatalog(m);
    }

    /** Catalogue profiles in catalogue order (without {@code local}). */
    public List<DeviceProfile> all() { return new ArrayList<>(profiles.values()); }

    /** Catalogue ids plus {@code local}. */
    public List<String> names() {
        List<String> n = new ArrayList<>(profiles.keySet());
        n.add(LOCAL);
        return n;
    }

    /** This machine with measured memory bandwidth and its GPU (if a probe is present), detected once. */
    public DeviceProfile local() {
        DeviceProfile l = localMeasured;
        if (l == null) localMeasured = l = LocalDetector.detect(true, true);
        return l;
    }

    /**
     * This machine without the bandwidth measurement: what fits does not depend on bandwidth, and the
     * measurement's 64 MiB of copy buffers would raise the very peak RSS a run is planned against.
     */
    public DeviceProfile localForFit() {
        DeviceProfile l = localMeasured != null ? localMeasured : local;
        if (l == null) local = l = LocalDetector.detect(false);
        return l;
    }

    /**
     * A profile by id, or {@code local} (with measured bandwidth).
     *
     * @throws UnknownProfileException naming the known profiles
     */
    public DeviceProfile get(String id) {
        return get(id, true);
    }

    /**
     * As {@link #get(String)}; {@code local} skips the bandwidth measurement and the GPU probe unless
     * {@code measureBandwidth}.
     */
    public DeviceProfile get(String id, boolean measureBandwidth) {
        return get(id, measureBandwidth, measureBandwidth);
    }

    /**
     * As {@link #get(String)}, choosing what {@code local} detects: the bandwidth measurement (which includes the
     * GPU probe, {@link #local()}), or for a run's fit only the GPU probe (which may load a GPU driver: only when
     * the plan needs the GPU, e.g. {@code --gpu-layers auto}).
     */
    public DeviceProfile get(String id, boolean measureBandwidth, boolean probeGpu) {
        if (LOCAL.equals(id)) {
            if (measureBandwidth) return local();
            return probeGpu ? LocalDetector.withProbedGpu(localForFit()) : localForFit();
        }
        DeviceProfile p = profiles.get(id);
        if (p == null) throw new UnknownProfileException(id, names());
        return p;
    }

    /** Thrown for a profile id that is not in the catalogue; the message lists the valid ones. */
    public static final class UnknownProfileException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UnknownProfileException(String id, List<String> known) {
            super("unknown device profile '" + id + "' (known: " + String.join(", ", known) + ")");
        }
    }

    private static List<String> readIndex() {
        List<String> ids = new ArrayList<>();
        try (InputStream in = open("index.txt");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                line = line.trim();
                if (!line.isEmpty() && !line.startsWith("#")) ids.add(line);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the profile catalogue index: " + e.getMessage(), e);
        }
        return ids;
    }

    private static DeviceProfile load(String id) {
        Properties p = new Properties();
        try (InputStream in = open(id + ".properties")) {
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read device profile '" + id + "': " + e.getMessage(), e);
        }
        return DeviceProfile.fromProperties(id, p);
    }

    private static InputStream open(String name) throws IOException {
        InputStream in = ProfileCatalog.class.getResourceAsStream(DIR + name);
        if (in == null) throw new IOException("resource " + DIR + name + " not found on the class path");
        return in;
    }
}
