package dev.edgellm.tests;

import dev.edgellm.Engine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Android-safe modules use no JDK internals (issue 8): no {@code sun.misc.Unsafe} or other {@code sun.*} /
 * {@code jdk.internal.*} class, not even by name as a string for {@code Class.forName}, and no deep reflection
 * at all ({@code setAccessible}, {@code trySetAccessible}, {@code MethodHandles.privateLookupIn}): on Android
 * these are absent or blocked by the hidden-API policy, and on the JDK they need --add-opens. Checked on the
 * class files' constant pools, so it sees what the compiler emitted, whatever the source looks like.
 * The probe tests show the scan detects each pattern.
 */
class NoJdkInternalsTest {

    /** Android-safe modules to scan: one class of each (memory-planner and device-profiles join when they land). */
    /** One class from each Android-safe module: runtime-core, memory-planner, device-profiles. */
    static final List<Class<?>> ANDROID_SAFE_MODULES = List.of(Engine.class,
            dev.edgellm.planner.MemoryPlanner.class, dev.edgellm.profiles.ProfileCatalog.class);

    static final List<String> FORBIDDEN_NAME_PREFIXES = List.of(
            "sun/misc/", "sun/reflect/", "sun/nio/", "sun/security/", "jdk/internal/", "com/sun/",
            "sun.misc.", "sun.reflect.", "sun.nio.", "sun.security.", "jdk.internal.", "com.sun.");
    static final List<String> FORBIDDEN_METHODS = List.of("setAccessible", "trySetAccessible", "privateLookupIn");

    @TempDir
    Path tmp;

    @Test
    void androidSafeModulesUseNoJdkInternals() throws Exception {
        for (Class<?> c : ANDROID_SAFE_MODULES) {
            Path where = Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI());
            Map<String, byte[]> classes = classFiles(where);
            assertTrue(classes.size() >= 3, "expected the module's classes in " + where + ", found " + classes.size());
            List<String> problems = new ArrayList<>();
            classes.forEach((name, bytes) -> problems.addAll(violations(name, bytes)));
            assertEquals(List.of(), problems, "JDK internals used in " + where);
        }
    }

    @Test
    void scanDetectsUnsafe() throws Exception {
        List<String> v = scanProbe("UnsafeProbe", """
                public class UnsafeProbe {
                    static long off() throws Exception {
                        java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                        return f.getModifiers();
                    }
                }
                """);
        assertTrue(v.stream().anyMatch(s -> s.contains("sun/misc/Unsafe")), v.toString());
    }

    @Test
    void scanDetectsInternalClassNamedByString() throws Exception {
        List<String> v = scanProbe("ForNameProbe", """
                public class ForNameProbe {
                    static Class<?> c() throws Exception { return Class.forName("jdk.internal.misc.Unsafe"); }
                }
                """);
        assertTrue(v.stream().anyMatch(s -> s.contains("jdk.internal.misc.Unsafe")), v.toString());
    }

    @Test
    void scanDetectsDeepReflection() throws Exception {
        List<String> v = scanProbe("ReflectProbe", """
                public class ReflectProbe {
                    static Object f(Object s) throws Exception {
                        java.lang.reflect.Field f = String.class.getDeclaredField("value");
                        f.setAccessible(true);
                        return f.get(s);
                    }
                    static Object g() throws Exception {
                        return java.lang.invoke.MethodHandles.privateLookupIn(String.class,
                                java.lang.invoke.MethodHandles.lookup());
                    }
                }
                """);
        assertTrue(v.stream().anyMatch(s -> s.contains("setAccessible")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.contains("privateLookupIn")), v.toString());
    }

    @Test
    void scanPassesPlainCode() throws Exception {
        assertEquals(List.of(), scanProbe("PlainProbe", """
                public class PlainProbe {
                    static int n(Object[] a) { return java.lang.reflect.Array.getLength(a) + "sun".length(); }
                }
                """));
    }

    // ---------------------------------------------------------------------------------------------------

    List<String> scanProbe(String name, String source) throws IOException {
        Path src = tmp.resolve(name + ".java");
        Files.writeString(src, source);
        Path out = tmp.resolve("classes-" + name);
        Files.createDirectories(out);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, err, err,
                "-nowarn", "-XDsuppressNotes", "-d", out.toString(), src.toString());
        assertEquals(0, rc, "probe " + name + " does not compile: " + err);
        Map<String, byte[]> classes = classFiles(out);
        assertFalse(classes.isEmpty());
        List<String> v = new ArrayList<>();
        classes.forEach((n, b) -> v.addAll(violations(n, b)));
        return v;
    }

    static Map<String, byte[]> classFiles(Path where) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        if (Files.isDirectory(where)) {
            try (Stream<Path> s = Files.walk(where)) {
                for (Path p : (Iterable<Path>) s.filter(p -> p.toString().endsWith(".class"))::iterator) {
                    out.put(where.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
        } else {
            try (JarFile jar = new JarFile(where.toFile())) {
                for (JarEntry e : (Iterable<JarEntry>) jar.stream()::iterator) {
                    if (!e.getName().endsWith(".class")) continue;
                    try (InputStream in = jar.getInputStream(e)) {
                        out.put(e.getName(), in.readAllBytes());
                    }
                }
            }
        }
        return out;
    }

    /** Parses the constant pool (JVMS §4.4) and reports forbidden names and method references. */
    static List<String> violations(String file, byte[] classBytes) {
        List<String> v = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(classBytes))) {
            if (in.readInt() != 0xCAFEBABE) throw new IOException("not a class file");
            in.readUnsignedShort();
            in.readUnsignedShort();
            int n = in.readUnsignedShort();
            String[] utf8 = new String[n];
            int[] nameAndTypeName = new int[n];
            List<int[]> methodRefs = new ArrayList<>();   // {nameAndTypeIndex}
            for (int i = 1; i < n; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = in.readUTF();
                    case 3, 4 -> in.readInt();
                    case 5, 6 -> { in.readLong(); i++; }
                    case 7, 8, 16, 19, 20 -> in.readUnsignedShort();
                    case 9, 17, 18 -> { in.readUnsignedShort(); in.readUnsignedShort(); }
                    case 10, 11 -> { in.readUnsignedShort(); methodRefs.add(new int[] {in.readUnsignedShort()}); }
                    case 12 -> { nameAndTypeName[i] = in.readUnsignedShort(); in.readUnsignedShort(); }
                    case 15 -> { in.readUnsignedByte(); in.readUnsignedShort(); }
                    default -> throw new IOException("unknown constant pool tag " + tag + " at " + i);
                }
            }
            for (String s : utf8) {
                if (s == null) continue;
                for (String p : FORBIDDEN_NAME_PREFIXES) {
                    // at the start, or inside a descriptor (Lsun/misc/Unsafe;) / generic signature
                    if (s.startsWith(p) || s.contains("L" + p)) v.add(file + ": references " + s);
                }
            }
            for (int[] ref : methodRefs) {
                String name = utf8[nameAndTypeName[ref[0]]];
                if (FORBIDDEN_METHODS.contains(name)) v.add(file + ": calls " + name);
            }
        } catch (IOException e) {
            v.add(file + ": unreadable class file: " + e);
        }
        return v;
    }
}
