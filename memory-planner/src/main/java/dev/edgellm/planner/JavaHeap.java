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
     * RSS of the JVM running `edgellm generate` besides the model's planned bytes: code cache, metaspace,
     * class data sharing, GC tables, thread stacks, the CLI's classes (picocli, Jackson) and the 16 MiB young
     * generation the wrapper fixes with -Xmn16m (touched by load-time garbage), and since generate plans
     * first, the planner's and profile catalogue's classes. Calibrated on JDK 25, x86-64 Linux,
     * -XX:+UseSerialGC: measured VmHWM minus planned bytes of stories260K (a 0.5 MB model) was 71-81 MiB
     * over ctx 512-16384 x f32/f16/q8_0/q4_0, 76 MiB taken (2026-11-23, BENCHMARKS.md). ART differs.
     */
    static final long JVM_BASELINE_BYTES = 76L << 20;

    /**
     * Heap the tokenizer builds on top of the metadata strings it shares (token index, scores, attributes,
     * BPE merge table), relative to this class's estimate of the metadata's heap: 0.74 (llama-1b, llama-bpe
     * vocabulary, 128256 tokens) and 0.77 (qwen2-0.5b, 151936 tokens), from the live heap after System.gc()
     * around Engine.load (2026-11-23).
     */
    static final double TOKENIZER_PER_METADATA = 0.75;

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
