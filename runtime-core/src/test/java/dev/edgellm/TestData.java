package dev.edgellm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates the shared test data folder ({@code shared/testdata}, see its README.md). */
public final class TestData {
    private TestData() {}

    /**
     * The testdata folder: system property {@code edgellm.shared} + "/testdata" (set by surefire), else the
     * environment variable {@code EDGELLM_TESTDATA} (the testdata folder itself), else
     * {@code ../shared/testdata} relative to the working directory or its parent.
     */
    public static Path testdata() {
        String shared = System.getProperty("edgellm.shared");
        if (shared != null && !shared.isEmpty()) return Paths.get(shared, "testdata");
        String env = System.getenv("EDGELLM_TESTDATA");
        if (env != null && !env.isEmpty()) return Paths.get(env);
        Path cwd = Paths.get("").toAbsolutePath();
        Path candidate = cwd.resolve("../shared/testdata").normalize();
        if (Files.isDirectory(candidate) || cwd.getParent() == null) return candidate;
        Path fromParent = cwd.getParent().resolve("../shared/testdata").normalize();
        return Files.isDirectory(fromParent) ? fromParent : candidate;
    }

    /** {@code testdata()/models/fileName}. */
    public static Path model(String fileName) {
        return testdata().resolve("models").resolve(fileName);
    }
}
