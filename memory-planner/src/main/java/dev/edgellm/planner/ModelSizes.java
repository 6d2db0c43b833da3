package dev.edgellm.planner;

import dev.edgellm.ModelFormatException;
import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.gguf.MetadataValue;
import dev.edgellm.gguf.TensorInfo;
import dev.edgellm.model.ModelConfig;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Byte counts of a model taken from its GGUF header only: weights per tensor and per layer (exact:
 * {@link TensorInfo#byteSize()}), what stays resident once decode has touched it, what one decode step
 * streams, and the model's own heap (metadata strings, tokenizer tables, 1-D vectors copied to float[]).
 */
public final class ModelSizes {
    public final ModelConfig config;
    /** Sum of all tensor bytes in the file. */
    public final long weightsBytes;
    /** Bytes of the tensors of block {@code i} ({@code blk.i.*}). */
    public final long[] layerBytes;
    /** Tensors outside the blocks: token embedding, output, output norm, RoPE factors. */
    public final long nonLayerBytes;
    /** Mapped bytes a generation touches: all but an untied token embedding, of which only used rows load. */
    public final long residentWeightBytes;
    /** Weight bytes read per decoded token: every matrix, plus the embedding table when it is also the output. */
    public final long streamedBytesPerToken;
    /** Heap the loaded model holds besides sessions: metadata, tokenizer, dequantized 1-D vectors. */
    public final long modelHeapBytes;
    /** Bytes of the 2-D weights if they were Q4_0 (18 bytes per 32), the rest unchanged: the "smaller quant" hint. */
    public final long q4WeightsBytes;
    public final boolean tiedOutput;
    /** The output projection: {@code output.weight}, or {@code token_embd.weight} when tied. */
    public final GgmlType outputType;
    public final long outputBytes;
    /** Bytes of the 2-D tensors (matrices, the token embedding among them) by type: what a backend repacks. */
    public final Map<GgmlType, Long> matrixBytes;

    private ModelSizes(ModelConfig config, long weightsBytes, long[] layerBytes, long nonLayerBytes, long residentWeightBytes,
                       long streamedBytesPerToken, long modelHeapBytes, long q4WeightsBytes, boolean tiedOutput,
                       GgmlType outputType, long outputBytes, Map<GgmlType, Long> matrixBytes) {
        this.config = config;
        this.weightsBytes = weightsBytes;
        this.layerBytes = layerBytes;
        this.nonLayerBytes = nonLayerBytes;
        this.residentWeightBytes = residentWeightBytes;
        this.streamedBytesPerToken = streamedBytesPerToken;
        this.modelHeapBytes = modelHeapBytes;
        this.q4WeightsBytes = q4WeightsBytes;
        this.tiedOutput = tiedOutput;
        this.outputType = outputType;
        this.outputBytes = outputBytes;
        this.matrixBytes = Collections.unmodifiableMap(matrixBytes);
    }

    /**
     * Reads the sizes from a parsed header.
     *
     * @throws ModelFormatException for metadata the runtime would reject (named key), or a missing embedding
     */
    public static ModelSizes of(GgufFile g) throws ModelFormatException {
        ModelConfig c = ModelConfig.from(g);
        TensorInfo embd = g.tensor("token_embd.weight");
        if (embd == null) throw new ModelFormatException(g.path(), -1, "token_embd.weight", "required tensor is missing");
        boolean tied = g.tensor("output.weight") == null;
        long[] layers = new long[c.layers];
        long total = 0, nonLayer = 0, matrices = 0, vectorsHeap = 0, q4 = 0;
        Map<GgmlType, Long> byType = new EnumMap<>(GgmlType.class);
        for (TensorInfo t : g.tensors()) {
            long b = t.byteSize();
            total += b;
            int layer = layerOf(t.name());
            if (layer >= 0 && layer < c.layers) layers[layer] += b;
            else nonLayer += b;
            if (t.dims() >= 2 && t.dim(1) > 1) {
                matrices += b;
                byType.merge(t.type(), b, Long::sum);
                q4 += t.rowLength() % 32 == 0 ? t.elements() / 32 * 18 : b;
            } else {
                vectorsHeap += JavaHeap.array(t.elements(), 4); // LlamaWeights copies 1-D tensors to float[]
                q4 += b;
            }
        }
        long embdBytes = embd.byteSize();
        long resident = tied ? total : total - embdBytes;
        // matrices include token_embd; decode reads all of it only when it doubles as the output projection
        long streamed = tied ? matrices : matrices - embdBytes + embd.rowBytes();
        long metadataHeap = metadataHeap(g.metadata().values());
        long heap = Math.round(metadataHeap * (1 + JavaHeap.TOKENIZER_PER_METADATA)) + vectorsHeap;
        TensorInfo out = tied ? embd : g.tensor("output.weight");
        return new ModelSizes(c, total, layers, nonLayer, resident, streamed, heap, q4, tied, out.type(), out.byteSize(), byType);
    }

    /** Heap of the parsed metadata: strings (token texts, merges, templates) and primitive arrays (scores, types). */
    static long metadataHeap(Iterable<MetadataValue> values) {
        long sum = 0;
        for (MetadataValue v : values) sum += heapOf(v.value());
        return sum;
    }

    private static long heapOf(Object v) {
        if (v instanceof String) return JavaHeap.string((String) v);
        if (v instanceof String[]) {
            String[] a = (String[]) v;
            long s = JavaHeap.array(a.length, JavaHeap.REFERENCE);
            for (String x : a) s += JavaHeap.string(x);
            return s;
        }
        if (v instanceof MetadataValue[]) {
            long s = JavaHeap.array(((MetadataValue[]) v).length, JavaHeap.REFERENCE);
            for (MetadataValue x : (MetadataValue[]) v) s += heapOf(x.value());
            return s;
        }
        if (v instanceof float[]) return JavaHeap.array(((float[]) v).length, 4);
        if (v instanceof int[]) return JavaHeap.array(((int[]) v).length, 4);
        if (v instanceof long[]) return JavaHeap.array(((long[]) v).length, 8);
        if (v instanceof double[]) return JavaHeap.array(((double[]) v).length, 8);
        if (v instanceof short[]) return JavaHeap.array(((short[]) v).length, 2);
        if (v instanceof byte[]) return JavaHeap.array(((byte[]) v).length, 1);
        if (v instanceof boolean[]) return JavaHeap.array(((boolean[]) v).length, 1);
        return 16; // a boxed scalar
    }

    /** {@code blk.N.} prefix → N, else -1. */
    static int layerOf(String name) {
        if (!name.startsWith("blk.")) return -1;
        int dot = name.indexOf('.', 4);
        if (dot < 0) return -1;
        try {
            return Integer.parseInt(name.substring(4, dot));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
