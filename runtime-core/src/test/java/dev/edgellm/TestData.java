package dev.edgellm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Locates the shared test data folder ({@code shared/testdata}: models, references, vocabularies), in this
 * order: the environment variable {@code EDGELLM_TESTDATA} (the testdata folder itself); the system property
 * {@code edgellm.shared} (the {@code shared} folder; surefire sets it to {@code <reactor root>/../shared});
 * otherwise a {@code shared/testdata} next to the working directory or one of its parents.
 */
public final class TestData {
    private TestData() {}

    /** The testdata folder; throws with the places looked at if there is none. */
    public static Path testdata() {
        String env = System.getenv("EDGELLM_TESTDATA");
        if (env != null && !env.isEmpty()) return existing(Paths.get(env), "EDGELLM_TESTDATA");
        String shared = System.getProperty("edgellm.shared");
        if (shared != null && !shared.isEmpty()) {
            return existing(Paths.get(shared).resolve("testdata"), "system property edgellm.shared");
        }
        for (Path p = Paths.get("").toAbsolutePath(); p.getParent() != null; p = p.getParent()) {
            Path candidate = p.getParent().resolve("shared").resolve("testdata");
            if (Files.isDirectory(candidate)) return candidate.normalize();
        }
        throw new IllegalStateException("shared test data not found: set EDGELLM_TESTDATA to the testdata folder, "
                + "or -Dedgellm.shared to the shared folder, or run from inside a checkout next to shared/");
    }

    /** A model file under {@code testdata/models}, which must exist. */
    public static Path model(String file) {
        Path p = testdata().resolve("models").resolve(file);
        if (!Files.isRegularFile(p)) throw new IllegalStateException("test model missing: " + p);
        return p;
    }

    private static Path existing(Path p, String source) {
        Path abs = p.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) throw new IllegalStateException(source + " points at " + abs + ", which is not a folder");
        return abs;
    }
}
