package dev.edgellm.cli;

import dev.edgellm.Engine;
import dev.edgellm.Model;
import dev.edgellm.SessionOptions;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.planner.Plan;
import dev.edgellm.mqtt.MqttService;
import dev.edgellm.mqtt.ServiceConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code serve}: the MQTT service (DESIGN.md §3); without --broker, with an embedded broker. Logs only. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over MQTT v5 (no --broker: embedded broker on 127.0.0.1:1883).")
final class ServeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ModelOptions modelOptions;
    @Mixin MqttOptions mqtt;

    @Option(names = "--broker", paramLabel = "URL", description = "tcp://host:1883 or ssl://host:8883 (default: start an embedded broker)")
    String broker;

    @Option(names = "--port", paramLabel = "N", description = "Port of the embedded broker (default: ${DEFAULT-VALUE})")
    int port = 1883;

    @Option(names = "--node", paramLabel = "ID", description = "Node id (default: the host name)")
    String node;

    @Option(names = "--pool", paramLabel = "NAME", description = "Also take requests from the shared pool NAME")
    String pool;

    @Option(names = "--queue", paramLabel = "N", description = "Requests that may wait; more are answered busy (default: ${DEFAULT-VALUE})")
    int queue = 64;

    @Option(names = "--max-tokens-cap", paramLabel = "N", description = "Largest max_tokens a request may ask (default: ${DEFAULT-VALUE})")
    int maxTokensCap = 512;

    @Option(names = "--max-payload", paramLabel = "BYTES", description = "Largest request payload (default: ${DEFAULT-VALUE})")
    int maxPayload = 64 * 1024;

    @Option(names = "--timeout", paramLabel = "S", description = "Per-request timeout in seconds, queue included (default: ${DEFAULT-VALUE})")
    int timeoutS = 120;

    @Option(names = "--ctx", paramLabel = "N", description = "Context length in tokens (default: min(model's, 4096), or the largest that fits the profile)")
    int ctx = 0;

    @Option(names = "--profile", paramLabel = "P", description = "Device profile the plan must fit (see `edgellm profiles`; default: ${DEFAULT-VALUE})")
    String profile = "local";

    @Option(names = "--kv-type", paramLabel = "T", description = "KV cache type: auto, f32, f16, q8_0 or q4_0 (default: ${DEFAULT-VALUE}: the planner picks f16 unless a smaller type is needed to fit)")
    String kvType = "auto";

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Threads (default: all cores)")
    Integer threads;

    @Option(names = "--gpu-layers", paramLabel = "N", description = "Transformer blocks resident on the GPU (Vulkan): a count, all, or auto (the plan decides from the profile; default: ${DEFAULT-VALUE})")
    String gpuLayers = "0";

    @Override
    public Integer call() throws Exception {
        if (ctx < 0) throw new Main.UsageException("--ctx must be > 0, got " + ctx);
        if (broker != null && (port != 1883)) throw new Main.UsageException("--port is for the embedded broker; put the port in --broker");
        Engine.Builder eb = Engine.builder();
        if (threads != null) {
            if (threads < 1) throw new Main.UsageException("-t must be >= 1, got " + threads);
            eb.threads(threads);
        }
        var path = modelOptions.resolve();
        GgufFile gguf = GgufFile.open(path); // read once: planned, then loaded
        Plan plan = GenerationPlan.require(gguf, profile, ctx, kvType, SessionOptions.DEFAULT_BATCH_SIZE, gpuLayers, "auto",
                spec.commandLine().getErr());
        eb.gpuLayers(plan.gpuLayers);
        ServiceConfig cfg;
        try {
            cfg = ServiceConfig.builder(node != null ? node : MqttOptions.defaultNode()).prefix(mqtt.prefix).pool(pool)
                    .queueCapacity(queue).maxTokensCap(maxTokensCap).maxPayloadBytes(maxPayload)
                    .requestTimeout(Duration.ofSeconds(timeoutS)).contextLength(plan.ctx).kvType(plan.kvType)
                    .plannedFor(plan.profile, plan.predictedPeakBytes).build();
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        }
        EmbeddedBroker embedded = null;
        CountDownLatch stopped = new CountDownLatch(1);
        try (Model model = eb.build().load(gguf)) {
            String url = broker;
            if (url == null) {
                try {
                    embedded = EmbeddedBroker.start(port);
                } catch (java.io.IOException e) {
                    // not a model problem: exit 1, not 3
                    throw new IllegalStateException(e.getMessage(), e);
                }
                url = embedded.url();
                spec.commandLine().getErr().println("[serve] embedded MQTT v5 broker on " + url);
            }
            MqttService service = new MqttService(model, path.getFileName().toString(), mqtt.broker(url), cfg);
            EmbeddedBroker b = embedded;
            // ctrl-C / SIGTERM: finish with terminal messages, retained offline status, then stop the broker
            Thread hook = new Thread(() -> {
                service.close();
                if (b != null) b.close();
                stopped.countDown();
            }, "edgellm-serve-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            service.start();
            stopped.await();
            return Main.EXIT_OK;
        } catch (Exception e) {
            if (embedded != null) embedded.close();
            throw e;
        }
    }
}
