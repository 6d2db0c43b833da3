package dev.edgellm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.gguf.MetadataValue;
import dev.edgellm.gguf.TensorInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.lang.reflect.Array;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code info}: GGUF metadata and tensor table. Reads the header only. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show GGUF metadata and the tensor table.")
final class InfoCommand implements Callable<Integer> {
    /** Arrays longer than this are summarized in JSON (tokens, merges): their length and first items. */
    static final int JSON_ARRAY_LIMIT = 16;

    @Spec CommandSpec spec;
    @Mixin ModelOptions modelOptions;

    @Option(names = "--json", description = "Print JSON instead of a table")
    boolean json;

    @Override
    public Integer call() throws Exception {
        GgufFile g = GgufFile.open(modelOptions.resolve());
        PrintWriter out = spec.commandLine().getOut();
        if (json) printJson(g, out);
        else printTable(g, out);
        out.flush();
        return Main.EXIT_OK;
    }

    private static void printTable(GgufFile g, PrintWriter out) {
        out.printf("file: %s%n", g.path());
        out.printf("GGUF v%d, %d bytes, alignment %d, data offset %d, %d metadata keys, %d tensors%n",
                g.version(), g.fileSize(), g.alignment(), g.dataOffset(), g.metadata().size(), g.tensors().size());
        Map<GgmlType, Integer> types = typeCounts(g);
        StringBuilder sb = new StringBuilder();
        types.forEach((t, n) -> sb.append(sb.length() == 0 ? "" : ", ").append(t).append(" x").append(n));
        out.printf("parameters: %d, tensor bytes: %d (%s)%n", parameters(g), tensorBytes(g), sb);
        out.println();
        out.println("metadata:");
        int w = 0;
        for (String k : g.metadata().keySet()) w = Math.max(w, k.length());
        for (Map.Entry<String, MetadataValue> e : g.metadata().entrySet()) {
            MetadataValue v = e.getValue();
            out.printf("  %-" + w + "s  %-22s %s%n", e.getKey(), v.describe(), v);
        }
        out.println();
        out.println("tensors:");
        int nw = 4;
        for (TensorInfo t : g.tensors()) nw = Math.max(nw, t.name().length());
        out.printf("  %-" + nw + "s  %-6s %-24s %12s %12s%n", "name", "type", "shape", "offset", "bytes");
        for (TensorInfo t : g.tensors()) {
            out.printf("  %-" + nw + "s  %-6s %-24s %12d %12d%n", t.name(), t.type(), java.util.Arrays.toString(t.shape()),
                    t.offset(), t.byteSize());
        }
    }

    private static void printJson(GgufFile g, PrintWriter out) throws Exception {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = om.createObjectNode();
        root.put("file", g.path().toString());
        root.put("version", g.version());
        root.put("file_size", g.fileSize());
        root.put("alignment", g.alignment());
        root.put("data_offset", g.dataOffset());
        root.put("parameters", parameters(g));
        root.put("tensor_bytes", tensorBytes(g));
        ObjectNode md = root.putObject("metadata");
        for (Map.Entry<String, MetadataValue> e : g.metadata().entrySet()) {
            ObjectNode kv = md.putObject(e.getKey());
            kv.put("type", e.getValue().describe());
            putValue(kv, "value", e.getValue());
        }
        ArrayNode ts = root.putArray("tensors");
        for (TensorInfo t : g.tensors()) {
            ObjectNode o = ts.addObject();
            o.put("name", t.name());
            o.put("type", t.type().name());
            ArrayNode shape = o.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            o.put("offset", t.offset());
            o.put("bytes", t.byteSize());
        }
        out.println(om.writeValueAsString(root));
    }

    private static void putValue(ObjectNode parent, String field, MetadataValue v) {
        if (!v.isArray()) {
            Object x = v.value();
            if (x instanceof String) parent.put(field, (String) x);
            else if (x instanceof Boolean) parent.put(field, (Boolean) x);
            else if (x instanceof Float) parent.put(field, (Float) x);
            else if (x instanceof Double) parent.put(field, (Double) x);
            else parent.put(field, ((Number) x).longValue());
            return;
        }
        int n = v.arrayLength();
        ArrayNode a = parent.putArray(field);
        Object arr = v.value();
        for (int i = 0; i < Math.min(n, JSON_ARRAY_LIMIT); i++) {
            Object e = Array.get(arr, i);
            if (e instanceof MetadataValue) {
                ObjectNode holder = a.addObject();
                putValue(holder, "value", (MetadataValue) e);
            } else if (e instanceof String) a.add((String) e);
            else if (e instanceof Boolean) a.add((Boolean) e);
            else if (e instanceof Float) a.add((Float) e);
            else if (e instanceof Double) a.add((Double) e);
            else a.add(((Number) e).longValue());
        }
        if (n > JSON_ARRAY_LIMIT) parent.put(field + "_truncated", true);
        parent.put("length", n);
    }

    private static Map<GgmlType, Integer> typeCounts(GgufFile g) {
        Map<GgmlType, Integer> m = new TreeMap<>();
        for (TensorInfo t : g.tensors()) m.merge(t.type(), 1, Integer::sum);
        return m;
    }

    private static long parameters(GgufFile g) {
        long n = 0;
        for (TensorInfo t : g.tensors()) n += t.elements();
        return n;
    }

    private static long tensorBytes(GgufFile g) {
        long n = 0;
        for (TensorInfo t : g.tensors()) n += t.byteSize();
        return n;
    }
}
