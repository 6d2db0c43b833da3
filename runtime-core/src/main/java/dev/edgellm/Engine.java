package dev.edgellm;

import dev.edgellm.gguf.GgufFile;
import dev.edgellm.spi.Availability;
import dev.edgellm.spi.Backend;
import dev.edgellm.spi.BackendOptions;
import dev.edgellm.spi.BackendProvider;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.logging.Logger;

/**
 * Entry point for applications: picks a compute backend and loads models.
 *
 * <pre>{@code
 * Engine engine = Engine.builder().backend("auto").threads(4).build();
 * try (Model model = engine.load(Path.of("model.gguf"));
 *      Session session = model.newSession(SessionOptions.builder().contextLength(2048).build())) {
 *     GenerationResult r = session.generate(
 *             GenerationRequest.builder().prompt("Once upon a time").maxTokens(64).build(),
 *             (delta, id) -> System.out.print(delta));
 * }
 * }</pre>
 *
 * <p>Backends are discovered with {@link ServiceLoader}; {@code auto} takes the available one with the
 * highest score, a name forces that one. Either way one log line says which backend runs and why.
 * Thread-safe and immutable; it holds no resources itself (each {@link Model} owns its backend).
 */
public final class Engine {
    private static final Logger LOG = Logger.getLogger("dev.edgellm");

    private final String backend;
    private final int threads;
    private final int gpuLayers;

    private Engine(Builder b) {
        this.backend = b.backend;
        this.threads = b.threads;
        this.gpuLayers = b.gpuLayers;
    }

    /** Blocks each session runs on the GPU: 0 none (default), -1 all. */
    public int gpuLayers() { return gpuLayers; }

    public static Builder builder() { return new Builder(); }

    /** Every backend provider on the class path with what it says about this machine, in discovery order. */
    public static Map<String, Availability> backends() {
        Map<String, Availability> out = new LinkedHashMap<>();
        for (BackendProvider p : providers()) out.put(p.name(), safeProbe(p));
        return out;
    }

    /** Loads a GGUF model: reads the header, maps the weights, builds tokenizer and template. */
    public Model load(Path path) throws IOException {
        return Model.load(GgufFile.open(path), this);
    }

    /**
     * Loads a model from a header already read (e.g. for planning), so a large vocabulary is parsed once;
     * the load time then excludes the header parse.
     */
    public Model load(GgufFile gguf) throws IOException {
        return Model.load(gguf, this);
    }

    Backend openBackend() {
        Choice c = choose();
        Backend b = c.provider.open(new BackendOptions(threads));
        LOG.info("backend=" + c.provider.name() + " (" + c.availability.reason() + ")" + (backend.equals("auto") ? ", auto" : ", forced")
                + c.others);
        return b;
    }

    /**
     * The name of the backend {@link #load} would open (probing as it does, opening nothing): what the memory
     * planner needs to count the right allocations before a model is loaded.
     *
     * @throws IllegalArgumentException for an unknown backend name; IllegalStateException if it is unavailable
     */
    public String backendName() {
        return choose().provider.name();
    }

    /** The provider to open, what its probe said, and the log line's note on the others (a class: Android has no records). */
    private static final class Choice {
        final BackendProvider provider;
        final Availability availability;
        final String others;

        Choice(BackendProvider provider, Availability availability, String others) {
            this.provider = provider;
            this.availability = availability;
            this.others = others;
        }
    }

    private Choice choose() {
        List<BackendProvider> all = providers();
        StringBuilder others = new StringBuilder();
        BackendProvider chosen = null;
        Availability chosenAv = null;
        for (BackendProvider p : all) {
            if (backend.equals("auto") ? !p.autoSelectable() : !p.name().equals(backend)) {
                // probing may load a driver: the Vulkan loader with a software device costs ~70 MB of RSS
                others.append("; ").append(p.name()).append(backend.equals("auto") ? " on request only" : "").append(" (not probed)");
                continue;
            }
            Availability a = safeProbe(p);
            boolean wanted = backend.equals("auto") ? a.autoSelectable() && (chosenAv == null || a.score() > chosenAv.score())
                    : p.name().equals(backend);
            if (wanted) {
                if (chosen != null) others.append("; ").append(chosen.name()).append(' ').append(chosenAv.isAvailable() ? "lower score" : "unavailable");
                chosen = p;
                chosenAv = a;
            } else {
                others.append("; ").append(p.name()).append(' ').append(!a.isAvailable() ? "unavailable: " + a.reason()
                        : a.autoSelectable() ? "available, not chosen" : "on request only: " + a.reason());
            }
        }
        if (chosen == null) {
            List<String> names = new ArrayList<>();
            for (BackendProvider p : all) names.add(p.name());
            throw new IllegalArgumentException("unknown backend '" + backend + "' (available: auto, " + String.join(", ", names) + ")");
        }
        if (!chosenAv.isAvailable()) {
            throw new IllegalStateException("backend '" + chosen.name() + "' is unavailable: " + chosenAv.reason());
        }
        return new Choice(chosen, chosenAv, others.toString());
    }

    /**
     * The backend that keeps the first {@link #gpuLayers} blocks on a device, or null when none are asked
     * for: {@code main} itself when it can, else the first available provider that
     * {@linkplain BackendProvider#offloadsLayers offloads layers}. Asking for GPU layers with no such backend
     * available is an error that says why each candidate is unusable (never a silent CPU run).
     */
    Backend openOffloadBackend(Backend main) {
        if (gpuLayers == 0) return null;
        StringBuilder why = new StringBuilder();
        for (BackendProvider p : providers()) {
            if (!p.offloadsLayers()) continue;
            if (p.name().equals(main.name())) return main;
            Availability a = safeProbe(p);
            if (!a.isAvailable()) {
                why.append("; ").append(p.name()).append(" unavailable: ").append(a.reason());
                continue;
            }
            Backend b = p.open(new BackendOptions(threads));
            LOG.info("gpu layers " + (gpuLayers < 0 ? "all" : gpuLayers) + " on " + p.name() + " (" + a.reason() + ")");
            return b;
        }
        throw new IllegalStateException("GPU layers requested (" + (gpuLayers < 0 ? "all" : gpuLayers)
                + ") but no GPU backend is available" + (why.length() == 0 ? " (none on the class path)" : why.toString()));
    }

    /**
     * Every provider that loads. One that cannot (e.g. the Java 25 SIMD jar on a Java 17 VM: its classes have
     * a newer class-file version) is skipped with a log line instead of breaking backend selection.
     */
    private static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        Iterator<BackendProvider> it = ServiceLoader.load(BackendProvider.class, Engine.class.getClassLoader()).iterator();
        for (int failures = 0; failures < 16; ) { // bounded: a broken iterator must not spin forever
            try {
                if (!it.hasNext()) break;
                list.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                failures++;
                LOG.fine("a backend provider could not be loaded, skipped: " + e);
            }
        }
        return list;
    }

    private static Availability safeProbe(BackendProvider p) {
        try {
            return p.probe();
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("probe failed: " + e);
        }
    }

    public static final class Builder {
        private String backend = "auto";
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private int gpuLayers;

        /** {@code auto} (default) or a provider name such as {@code scalar}. */
        public Builder backend(String name) {
            this.backend = name.toLowerCase(Locale.ROOT);
            return this;
        }

        /**
         * Transformer blocks to run on the GPU (llama.cpp's {@code --n-gpu-layers}): 0 (default) none, -1 all;
         * the rest run on the CPU backend. Needs a backend that offloads layers (vulkan) to be available.
         */
        public Builder gpuLayers(int n) {
            if (n < -1) throw new IllegalArgumentException("gpu layers must be >= 0 (or -1 for all), got " + n);
            this.gpuLayers = n;
            return this;
        }

        public Builder threads(int threads) {
            if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            this.threads = threads;
            return this;
        }

        public Engine build() { return new Engine(this); }
    }
}
