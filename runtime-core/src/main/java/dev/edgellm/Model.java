package dev.edgellm;

import dev.edgellm.chat.ChatTemplate;
import dev.edgellm.chat.Message;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.model.LlamaWeights;
import dev.edgellm.model.ModelConfig;
import dev.edgellm.spi.Backend;
import dev.edgellm.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * A loaded model: header, mapped weights, tokenizer, chat template and the backend that runs it.
 * Thread-safe: sessions made from one model may run on different threads at the same time (each has its
 * own KV cache and scratch; weights are read-only). Closing the model closes its backend; close its
 * sessions first.
 */
public final class Model implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("dev.edgellm");

    private final GgufFile gguf;
    private final ModelConfig config;
    private final LlamaWeights weights;
    private final Tokenizer tokenizer;
    private final ChatTemplate chatTemplate;
    private final Backend backend;
    /** Runs the first {@link #gpuLayers} blocks of each session; null when none; may be {@link #backend}. */
    private final Backend offloadBackend;
    private final int gpuLayers;
    private final double loadMs;

    private Model(GgufFile gguf, ModelConfig config, LlamaWeights weights, Tokenizer tokenizer,
                  ChatTemplate chatTemplate, Backend backend, Backend offloadBackend, int gpuLayers, double loadMs) {
        this.gguf = gguf;
        this.config = config;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
        this.backend = backend;
        this.offloadBackend = offloadBackend;
        this.gpuLayers = gpuLayers;
        this.loadMs = loadMs;
    }

    static Model load(GgufFile gguf, Engine engine) throws IOException {
        long t0 = System.nanoTime();
        Path path = gguf.path();
        ModelConfig config = ModelConfig.from(gguf);
        Tokenizer tokenizer;
        try {
            tokenizer = Tokenizer.fromGguf(gguf);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(path, -1, "tokenizer.ggml", e.getMessage(), e);
        }
        if (tokenizer.vocabulary().size() > config.vocabSize) {
            throw new ModelFormatException(path, -1, "tokenizer.ggml.tokens", "vocabulary has " + tokenizer.vocabulary().size()
                    + " tokens but the model's output has " + config.vocabSize);
        }
        LlamaWeights weights = LlamaWeights.load(gguf, config);
        ChatTemplate template;
        try {
            template = ChatTemplate.from(gguf);
        } catch (RuntimeException e) {
            // a broken template must not make the model unusable for plain prompts
            LOG.warning(path + ": chat template does not parse (" + e.getMessage() + "); using chatml");
            template = ChatTemplate.builtin("chatml");
        }
        Backend backend = engine.openBackend();
        Backend offload;
        try {
            offload = engine.openOffloadBackend(backend);
        } catch (RuntimeException | Error e) {
            backend.close();
            throw e;
        }
        int gpuLayers = engine.gpuLayers() < 0 ? config.layers : Math.min(engine.gpuLayers(), config.layers);
        double ms = (System.nanoTime() - t0) / 1e6;
        LOG.fine(() -> "loaded " + path + ": " + config);
        return new Model(gguf, config, weights, tokenizer, template, backend, offload, offload == null ? 0 : gpuLayers, ms);
    }

    public GgufFile gguf() { return gguf; }

    public ModelConfig config() { return config; }

    public Tokenizer tokenizer() { return tokenizer; }

    public ChatTemplate chatTemplate() { return chatTemplate; }

    /** Name of the backend running this model, e.g. {@code scalar}. */
    public String backendName() { return backend.name(); }

    public String backendDescription() { return backend.description(); }

    /** Name of the backend holding GPU layers, or null when none were asked for. */
    public String gpuBackendName() { return offloadBackend == null ? null : offloadBackend.name(); }

    /**
     * Device memory of the GPU backend now, in bytes per kind ({@code weights}, {@code norm_weights},
     * {@code kv_cache}, {@code scratch}, {@code activations}, ...), summed over this model's sessions; empty when
     * no GPU layers were asked for.
     */
    public java.util.Map<String, Long> gpuMemory() {
        return offloadBackend == null ? java.util.Map.of() : offloadBackend.deviceMemory();
    }

    /** Wall time of {@link Engine#load}: header, mapping, tokenizer, template. */
    public double loadMillis() { return loadMs; }

    LlamaWeights weights() { return weights; }

    Backend backend() { return backend; }

    /** The backend holding GPU layers, or null. */
    Backend offloadBackend() { return offloadBackend; }

    /** Blocks each new session asks its {@link #offloadBackend} to run (the session may get fewer). */
    int gpuLayers() { return gpuLayers; }

    /** Renders messages with the model's chat template, ending with the assistant prompt. */
    public String renderChat(List<Message> messages) {
        String bos = tokenizer.vocabulary().bosId() >= 0 ? tokenizer.vocabulary().token(tokenizer.vocabulary().bosId()) : "";
        String eos = tokenizer.vocabulary().eosId() >= 0 ? tokenizer.vocabulary().token(tokenizer.vocabulary().eosId()) : "";
        return chatTemplate.render(messages, true, bos, eos);
    }

    public Session newSession(SessionOptions options) {
        return new Session(this, options);
    }

    @Override
    public void close() {
        if (offloadBackend != null && offloadBackend != backend) offloadBackend.close();
        backend.close();
    }
}
