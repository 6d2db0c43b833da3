package dev.edgellm.tests;

import dev.edgellm.Engine;
import org.codehaus.mojo.animal_sniffer.ClassListBuilder;
import org.codehaus.mojo.animal_sniffer.SignatureChecker;
import org.codehaus.mojo.animal_sniffer.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that the Android API gate (animal-sniffer with the gummy-bears API signature, bound to
 * {@code process-classes} in runtime-core; see runtime-core/pom.xml) bites: small probe classes are compiled
 * here and run through the very checker and signature file the build uses. Probes that use
 * {@code java.lang.foreign}, {@code jdk.incubator.vector}, {@code java.lang.management} or the covariant
 * {@code ByteBuffer.flip()} must be reported; a probe that uses what the core relies on (java.nio.file,
 * FileChannel.map, MappedByteBuffer) and the real runtime-core classes must pass.
 */
class AndroidApiGateTest {

    @TempDir
    Path tmp;

    @Test
    void foreignMemoryApiIsRejected() throws Exception {
        List<String> errors = check(compile("ForeignProbe", """
                import java.lang.foreign.Arena;
                import java.lang.foreign.MemorySegment;
                public class ForeignProbe {
                    public static long size() {
                        try (Arena arena = Arena.ofConfined()) {
                            MemorySegment s = arena.allocate(64);
                            return s.byteSize();
                        }
                    }
                }
                """));
        assertTrue(errors.stream().anyMatch(e -> e.contains("java.lang.foreign")), "gate did not bite: " + errors);
    }

    @Test
    void vectorApiIsRejected() throws Exception {
        List<String> errors = check(compile("VectorProbe", """
                import jdk.incubator.vector.FloatVector;
                public class VectorProbe {
                    public static int lanes() {
                        return FloatVector.SPECIES_PREFERRED.length();
                    }
                }
                """, "--add-modules", "jdk.incubator.vector"));
        assertTrue(errors.stream().anyMatch(e -> e.contains("jdk.incubator.vector")), "gate did not bite: " + errors);
    }

    @Test
    void javaLangManagementIsRejected() throws Exception {
        List<String> errors = check(compile("ManagementProbe", """
                public class ManagementProbe {
                    public static long pid() {
                        return java.lang.management.ManagementFactory.getRuntimeMXBean().getPid();
                    }
                }
                """));
        assertTrue(errors.stream().anyMatch(e -> e.contains("java.lang.management")), "gate did not bite: " + errors);
    }

    /** TOOLCHAIN.md's gotcha: with --release 9+, bb.flip() binds to ByteBuffer.flip(), absent on Android. */
    @Test
    void covariantByteBufferFlipIsRejectedButBufferCastPasses() throws Exception {
        List<String> errors = check(compile("FlipProbe", """
                import java.nio.ByteBuffer;
                public class FlipProbe {
                    public static ByteBuffer f(ByteBuffer bb) { return bb.flip(); }
                }
                """, "--release", "17"));
        assertTrue(errors.stream().anyMatch(e -> e.contains("java.nio.ByteBuffer") && e.contains("flip")),
                "gate did not bite: " + errors);
        assertEquals(List.of(), check(compile("CastFlipProbe", """
                import java.nio.Buffer;
                import java.nio.ByteBuffer;
                public class CastFlipProbe {
                    public static ByteBuffer f(ByteBuffer bb) { ((Buffer) bb).flip(); return bb; }
                }
                """, "--release", "17")));
    }

    @Test
    void whatTheCoreNeedsPasses() throws Exception {
        assertEquals(List.of(), check(compile("CleanProbe", """
                import java.io.IOException;
                import java.nio.ByteOrder;
                import java.nio.MappedByteBuffer;
                import java.nio.channels.FileChannel;
                import java.nio.file.Files;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;
                import java.util.stream.IntStream;
                public class CleanProbe {
                    public static int first(Path p) throws IOException {
                        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(ch.size(), 16));
                            m.order(ByteOrder.LITTLE_ENDIAN);
                            return m.getInt(0) + IntStream.range(0, 3).sum() + (int) Files.size(p);
                        }
                    }
                }
                """, "--release", "17")));
    }

    /** The real module passes the same check (the build's process-classes gate already enforces this). */
    @Test
    void runtimeCoreClassesPass() throws Exception {
        Path core = codeSource(Engine.class);
        assertEquals(List.of(), check(core));
    }

    // ---------------------------------------------------------------------------------------------------

    static Path signature() {
        String s = System.getProperty("edgellm.androidSignature");
        assertTrue(s != null && !s.isEmpty() && !s.startsWith("$") && Files.isRegularFile(Paths.get(s)),
                "system property edgellm.androidSignature must name the gummy-bears signature file (set by tests/pom.xml), got " + s);
        return Paths.get(s);
    }

    static Path codeSource(Class<?> c) throws URISyntaxException {
        return Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** Compiles one class with the running JDK's javac into its own folder and returns the folder. */
    Path compile(String name, String source, String... options) throws IOException {
        Path src = tmp.resolve("src-" + name).resolve(name + ".java");
        Path out = tmp.resolve("classes-" + name);
        Files.createDirectories(src.getParent());
        Files.createDirectories(out);
        Files.writeString(src, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of(options));
        args.addAll(List.of("-nowarn", "-XDsuppressNotes", "-d", out.toString(), src.toString()));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = javac.run(null, err, err, args.toArray(new String[0]));
        assertEquals(0, rc, "probe " + name + " does not compile: " + err);
        return out;
    }

    /** Runs the build's checker over a class folder or jar; returns the reported violations. */
    static List<String> check(Path classes) throws IOException {
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        Logger log = new Logger() {
            public void info(String m) { }
            public void info(String m, Throwable t) { }
            public void debug(String m) { }
            public void debug(String m, Throwable t) { }
            public void warn(String m) { }
            public void warn(String m, Throwable t) { }
            public void error(String m) { errors.add(m); }
            public void error(String m, Throwable t) { errors.add(m + ": " + t); }
        };
        // The module's own classes are not in the signature: ignore references to them, as the plugin does.
        ClassListBuilder own = new ClassListBuilder(log);
        own.process(classes.toFile());
        Set<String> ignored = own.getPackages();
        SignatureChecker checker;
        try (InputStream in = Files.newInputStream(signature())) {
            checker = new SignatureChecker(in, ignored, log);
        }
        checker.setCheckJars(true);
        checker.setSourcePath(new ArrayList<>());      // as the plugin does: no @IgnoreJRERequirement sources
        checker.setAnnotationTypes(new ArrayList<>());
        checker.process(new File[] {classes.toFile()});
        assertEquals(!errors.isEmpty(), checker.isSignatureBroken(), "checker state vs. reported errors: " + errors);
        return errors;
    }
}
