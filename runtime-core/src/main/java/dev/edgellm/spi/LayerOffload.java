package dev.edgellm.spi;

/**
 * The first {@link #layers()} transformer blocks of one session, resident on an accelerator: weights,
 * KV cache and scratch stay on the device, and a batch costs one activation copy each way. The model code
 * hands the residual stream over after the embeddings and runs the remaining blocks, the final norm and the
 * output projection on its CPU backend (ggml-backend's split between a GPU and the CPU, at a layer boundary).
 * Made by {@link Backend#offloadLayers}; owned by one session, called from one thread at a time.
 */
public interface LayerOffload extends AutoCloseable {
    /** Blocks {@code [0, layers())} run on the device. */
    int layers();

    /**
     * Runs the offloaded blocks for {@code n} consecutive tokens at positions {@code startPos ..}: {@code x}
     * holds their residual vectors ({@code n × dim}, token i at {@code i × dim}) on entry and the output of the
     * last offloaded block on return. Keys and values are stored in the device cache.
     */
    void forward(float[] x, int n, int startPos);

    /**
     * Whether {@link #forward} also runs the final norm and the output projection of each batch's last token on
     * the device (it holds every block and has a kernel for the output matrix); the caller then reads the logits
     * with {@link #logits} instead of computing them.
     */
    default boolean computesLogits() {
        return false;
    }

    /** Copies the logits of the last token of the last {@link #forward} batch into {@code out} (vocabulary size). */
    default void logits(float[] out) {
        throw new UnsupportedOperationException("this offload does not compute logits");
    }

    /** The context shift of {@code ForwardPass#shiftCache} on the device cache of the offloaded blocks. */
    void shiftCache(int keep, int discard, int cached);

    /** Device memory this session holds: its KV cache and scratch (the shared weights are the backend's). */
    long deviceBytes();

    /** One line for logs: device, blocks, KV type. */
    String description();

    /** Releases the device cache and scratch. Idempotent. */
    @Override
    void close();
}
