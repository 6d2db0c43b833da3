
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.lwjgl.util.shaderc.Shaderc.*;

/**
 * Build step (exec-maven-plugin, generate-resources): compiles the GLSL compute shaders listed in
 * {@code shaders.list} to SPIR-V with shaderc, so devices load ready SPIR-V and never need a compiler.
 * Each list line is {@code output source [NAME=VALUE ...]}: one source gives several variants (one per
 * tensor type). {@code #include "file"} is expanded here, textually, from the same folder.
 *
 * <p>Usage: {@code java -cp <lwjgl + lwjgl-shaderc + natives> ShaderCompiler.java SRC_DIR OUT_DIR}
 */
public final class ShaderCompiler {
    private static final Pattern INCLUDE = Pattern.compile("^\\s*#include\\s+\"([^\"]+)\"\\s*$", Pattern.MULTILINE);

    public static void main(String[] args) throws IOException {
        if (args.length != 2) throw new IllegalArgumentException("usage: ShaderCompiler SRC_DIR OUT_DIR");
        Path src = Path.of(args[0]), out = Path.of(args[1]);
        Files.createDirectories(out);
        List<String> lines = Files.readAllLines(src.resolve("shaders.list"));
        long compiler = shaderc_compiler_initialize();
        if (compiler == 0) throw new IllegalStateException("shaderc_compiler_initialize failed");
        int failures = 0, compiled = 0;
        try {
            for (String raw : lines) {
                String line = raw.replaceFirst("#.*$", "").trim();
                if (line.isEmpty()) continue;
                String[] f = line.split("\\s+");
                if (f.length < 2) throw new IllegalArgumentException("shaders.list: expected 'output source [DEFS]': " + raw);
                Path source = src.resolve(f[1]);
                Path target = out.resolve(f[0] + ".spv");
                String text = expandIncludes(source, new ArrayList<>());
                long options = shaderc_compile_options_initialize();
                try {
                    // SPIR-V 1.3 / Vulkan 1.1: the oldest API level the backend accepts
                    shaderc_compile_options_set_target_env(options, shaderc_target_env_vulkan, shaderc_env_version_vulkan_1_1);
                    shaderc_compile_options_set_optimization_level(options, shaderc_optimization_level_performance);
                    shaderc_compile_options_set_warnings_as_errors(options);
                    for (int i = 2; i < f.length; i++) {
                        String[] kv = f[i].split("=", 2);
                        shaderc_compile_options_add_macro_definition(options, kv[0], kv.length > 1 ? kv[1] : "1");
                    }
                    long result = shaderc_compile_into_spv(compiler, text, shaderc_compute_shader, source.toString(), "main", options);
                    try {
                        if (shaderc_result_get_compilation_status(result) != shaderc_compilation_status_success) {
                            System.err.println("ShaderCompiler: " + f[0] + " (" + f[1] + "): " + shaderc_result_get_error_message(result));
                            failures++;
                            continue;
                        }
                        ByteBuffer spv = shaderc_result_get_bytes(result);
                        byte[] bytes = new byte[spv.remaining()];
                        spv.get(bytes);
                        Files.write(target, bytes);
                        compiled++;
                    } finally {
                        shaderc_result_release(result);
                    }
                } finally {
                    shaderc_compile_options_release(options);
                }
            }
        } finally {
            shaderc_compiler_release(compiler);
        }
        if (failures > 0) throw new IllegalStateException(failures + " shader(s) failed to compile");
        System.out.println("ShaderCompiler: " + compiled + " SPIR-V modules in " + out);
    }

    /** Inlines {@code #include "x"} (relative to the including file); a cycle is an error. */
    private static String expandIncludes(Path file, List<Path> stack) throws IOException {
        Path abs = file.toAbsolutePath().normalize();
        if (stack.contains(abs)) throw new IllegalArgumentException("include cycle: " + stack + " -> " + abs);
        stack.add(abs);
        String text = Files.readString(abs);
        Matcher m = INCLUDE.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String inc = expandIncludes(abs.getParent().resolve(m.group(1)), stack);
            m.appendReplacement(sb, Matcher.quoteReplacement(inc));
        }
        m.appendTail(sb);
        stack.remove(stack.size() - 1);
        return sb.toString();
    }

}
