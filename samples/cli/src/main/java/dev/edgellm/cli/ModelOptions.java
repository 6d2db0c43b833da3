package dev.edgellm.cli;

import picocli.CommandLine.Option;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** The {@code -m FILE} option shared by commands; without it, the bundled sample model. */
final class ModelOptions {
    static final String BUNDLED = "models/stories260K-q8_0.gguf";

    @Option(names = {"-m", "--model"}, paramLabel = "FILE", description = "GGUF model file (default: the bundled stories260K Q8_0)")
    Path model;

    /** The model to use: -m, or the bundled sample found next to the installation. */
    Path resolve() {
        if (model != null) return model;
        return bundledModel();
    }

    static Path bundledModel() {
        String home = System.getProperty("edgellm.home");
        if (home != null) return Paths.get(home).resolve(BUNDLED);
        // running from samples/cli/target/edgellm-cli.jar (or target/classes) inside the repository
        try {
            Path p = Paths.get(ModelOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path d = p; d != null; d = d.getParent()) {
                Path candidate = d.resolve(BUNDLED);
                if (Files.isRegularFile(candidate)) return candidate;
            }
        } catch (URISyntaxException | SecurityException | NullPointerException ignored) {
            // fall through
        }
        return Paths.get(BUNDLED);
    }
}
