package dev.edgellm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where the shared test data lives (DESIGN.md §4). Order: the system property {@code edgellm.shared} (surefire
 * sets it to {@code ../shared}) + {@code /testdata}; else the environment variable {@code EDGELLM_TESTDATA},
 * which names the testdata folder itself; else {@code ../shared/testdata} relative to the working directory
 * or to its parent (a module directory).
 */
public final class TestData {
    private TestData() {}

    public static Path testdata() {
        String shared = System.getProperty("edgellm.shared");
        if (shared != null && !shared.isEmpty()) return Paths.get(shared, "testdata");
        String env = System.getenv("EDGELLM_TESTDATA");
        if (env != null && !env.isEmpty()) return Paths.get(env);
        Path cwd = Paths.get("").toAbsolutePath();
        Path here = cwd.resolve("../shared/testdata").normalize();
        if (Files.isDirectory(here) || cwd.getParent() == null) return here;
        return cwd.getParent().resolve("../shared/testdata").normalize();
    }

    /** {@code testdata/models/fileName}. */
    public static Path model(String fileName) {
        return testdata().resolve("models").resolve(fileName);
    }
}
