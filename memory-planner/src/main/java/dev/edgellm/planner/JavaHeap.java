package dev.edgellm.planner;

/**
 * Sizes of Java objects as 64-bit HotSpot lays them out with compressed oops and class pointers (the
 * default below 32 GB heaps): 16-byte array header, 8-byte alignment. ART's layout is within a few bytes
 * per object, which does not matter next to multi-megabyte arrays.
 */
final class JavaHeap {
    static final int ARRAY_HEADER = 16;
    static final int REFERENCE = 4;
    /** A java.lang.String object without its byte[] (header, hash, coder, value reference). */
    static final int STRING_OBJECT = 24;

    /**
     * RSS of a JVM running the CLI before a model is loaded: `edgellm info` on stories260K (a 1 MB model)
     * peaks at 63 MiB VmHWM (61 MiB for `--version`) with -XX:+UseSerialGC on JDK 25, x86-64 Linux
     * (2026-11-23, this repository's CI machine): code cache, metaspace, class data sharing, GC tables,
     * thread stacks and the CLI's own classes (picocli, Jackson).
     */
    static final long JVM_BASELINE_BYTES = 64L << 20;

    /**
     * Heap the tokenizer builds on top of the metadata strings it shares (token index, scores, attributes,
     * BPE merge table), relative to the metadata's own heap: measured 0.92× (llama-1b, llama-bpe vocab,
     * 128256 tokens, 280147 merges) and 1.02× (qwen2-0.5b, 151936 tokens) with a GC'd heap probe.
     */
    static final double TOKENIZER_PER_METADATA = 1.0;

    private JavaHeap() {
    }

    static long align8(long n) { return (n + 7) & ~7L; }

    /** A primitive array of {@code n} elements of {@code elementBytes} each. */
    static long array(long n, int elementBytes) { return align8(ARRAY_HEADER + n * elementBytes); }

    /** A String of the given text: compact Latin-1 storage when possible, else UTF-16. */
    static long string(String s) {
        boolean latin1 = true;
        for (int i = 0; i < s.length() && latin1; i++) latin1 = s.charAt(i) < 256;
        return STRING_OBJECT + array(s.length(), latin1 ? 1 : 2);
    }
}
