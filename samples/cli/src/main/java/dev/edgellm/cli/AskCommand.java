package dev.edgellm.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgellm.mqtt.EdgeLlmClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;

/** {@code ask}: one request over MQTT; the answer streams to stdout, statistics to stderr. */
@Command(name = "ask", mixinStandardHelpOptions = true,
        description = "Send one request to an EdgeLLM node over MQTT and stream the answer to stdout.")
final class AskCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin MqttOptions mqtt;

    @Parameters(paramLabel = "TEXT", description = "Prompt text")
    String text;

    @Option(names = "--broker", paramLabel = "URL", description = "Broker URL (default: ${DEFAULT-VALUE})")
    String broker = "tcp://127.0.0.1:1883";

    @Option(names = "--node", paramLabel = "ID", description = "Node to ask (default: this host's name)")
    String node;

    @Option(names = "--pool", paramLabel = "NAME", description = "Ask any node of pool NAME instead of one node")
    String pool;

    @Option(names = "--chat", description = "Send TEXT as a user message (chat template) instead of a raw prompt")
    boolean chat;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", description = "Tokens to generate (default: the node's)")
    Integer maxTokens;

    @Option(names = "--temp", paramLabel = "T", description = "Temperature; 0 = greedy (default: the node's)")
    Float temperature;

    @Option(names = "--seed", paramLabel = "S", description = "Sampling seed")
    Long seed;

    @Option(names = "--timeout", paramLabel = "S", description = "Seconds to wait for the answer (default: ${DEFAULT-VALUE})")
    int timeoutS = 300;

    @Override
    public Integer call() throws Exception {
        if (node != null && pool != null) throw new Main.UsageException("give --node or --pool, not both");
        ObjectNode req = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        if (chat) req.putArray("messages").addObject().put("role", "user").put("content", text);
        else req.put("prompt", text);
        if (maxTokens != null) req.put("max_tokens", maxTokens);
        if (temperature != null) req.put("temperature", temperature);
        if (seed != null) req.put("seed", seed);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (EdgeLlmClient client = EdgeLlmClient.connect(mqtt.broker(broker), mqtt.prefix)) {
            String nodeId = node != null ? node : MqttOptions.defaultNode();
            String topic = pool != null ? client.poolTopic(pool) : client.nodeTopic(nodeId);
            if (pool == null) {
                // a request to an absent node still waits in its broker session, so warn rather than fail
                var st = client.status(nodeId, Duration.ofMillis(500));
                if (st == null) err.println("[ask] warning: node '" + nodeId + "' has never announced itself on this broker");
                else if (!"online".equals(st.path("state").asText())) err.println("[ask] warning: node '" + nodeId + "' is offline; the request waits for it");
            }
            EdgeLlmClient.Call call = client.send(topic, req, d -> {
                out.print(d);
                out.flush();
            });
            EdgeLlmClient.Reply r;
            try {
                r = call.await(Duration.ofSeconds(timeoutS));
            } catch (TimeoutException e) {
                err.println("error: no answer on " + topic + " within " + timeoutS + " s (is the node up?)");
                return Main.EXIT_INTERNAL;
            }
            if (r.chunks() == 0 && !r.text().isEmpty()) out.print(r.text());
            out.println();
            out.flush();
            if (r.missingChunks() > 0) err.println("warning: " + r.missingChunks() + " chunk(s) of the reply never arrived; the text above stops at the first gap");
            if (r.errorCode() != null) {
                err.println("error: " + r.errorCode() + ": " + r.errorMessage());
                return r.errorCode().equals("bad_request") || r.errorCode().equals("too_large") ? Main.EXIT_USAGE : Main.EXIT_INTERNAL;
            }
            var t = r.terminal().path("timings");
            var u = r.terminal().path("usage");
            err.printf("[stats] node %s | prompt %d tok | generated %d tok | queue %.1f ms | TTFT %.1f ms | decode %.1f tok/s | total %.1f ms | finish %s%n",
                    r.node(), u.path("prompt_tokens").asInt(), u.path("completion_tokens").asInt(), t.path("queue_ms").asDouble(),
                    t.path("ttft_ms").asDouble(), t.path("decode_tok_s").asDouble(), t.path("total_ms").asDouble(), r.finishReason());
            return Main.EXIT_OK;
        }
    }
}
