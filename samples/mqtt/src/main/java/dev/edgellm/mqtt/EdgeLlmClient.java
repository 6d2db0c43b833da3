package dev.edgellm.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * A small MQTT v5 client for apps: sends requests to a node or a pool and streams the replies.
 * One reply topic per client ({@code {prefix}/client/{clientId}/reply}); calls are told apart by
 * Correlation Data. Thread-safe.
 *
 * <pre>{@code
 * try (EdgeLlmClient c = EdgeLlmClient.connect(BrokerOptions.of("tcp://127.0.0.1:1883"), "edgellm")) {
 *     ObjectNode req = EdgeLlmClient.prompt("Once upon a time", 64);
 *     EdgeLlmClient.Reply r = c.send(c.nodeTopic("pi5"), req, System.out::print).await(Duration.ofMinutes(1));
 * }
 * }</pre>
 */
public final class EdgeLlmClient implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("dev.edgellm.mqtt");
    /** How long a terminal message waits for chunks it counts that have not arrived yet. */
    static final Duration GAP_GRACE = Duration.ofSeconds(5);

    private final MqttAsyncClient client;
    private final String prefix;
    private final String replyTopic;
    private final Map<String, Call> calls = new ConcurrentHashMap<>();
    private final AtomicLong stray = new AtomicLong();
    private final AtomicLong redelivered = new AtomicLong();
    private final Map<String, CompletableFuture<JsonNode>> statusWaiters = new ConcurrentHashMap<>();
    /** Correlations of finished calls (bounded): a QoS 1 redelivery of their terminal is not "stray". */
    private final Map<String, Boolean> finished = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(64, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> e) {
            return size() > 10_000;
        }
    });

    private EdgeLlmClient(MqttAsyncClient client, String prefix, String replyTopic) {
        this.client = client;
        this.prefix = prefix;
        this.replyTopic = replyTopic;
    }

    public static EdgeLlmClient connect(BrokerOptions broker, String prefix)
            throws MqttException, IOException, GeneralSecurityException {
        String clientId = "edgellm-client-" + UUID.randomUUID().toString().substring(0, 12);
        MqttAsyncClient c = new MqttAsyncClient(broker.url(), clientId, new MemoryPersistence());
        EdgeLlmClient ec = new EdgeLlmClient(c, prefix, prefix + "/client/" + clientId + "/reply");
        c.setCallback(ec.new Callback());
        MqttConnectionOptions o = broker.toPaho();
        // a fresh id with a session that outlives a broker restart, so replies are not lost while reconnecting;
        // close() ends the session
        o.setCleanStart(false);
        o.setSessionExpiryInterval(300L);
        o.setAutomaticReconnect(true);
        o.setAutomaticReconnectDelay(1, 10);
        c.connect(o).waitForCompletion(30_000);
        c.subscribe(ec.replyTopic, 1).waitForCompletion(30_000);
        return ec;
    }

    public String nodeTopic(String node) { return prefix + "/" + node + "/request"; }

    public String poolTopic(String pool) { return prefix + "/pool/" + pool + "/request"; }

    /**
     * The node's retained status message ({@code {"state":"online",...}}), or null when none arrives within
     * {@code timeout} (the node never ran on this broker, or uses another prefix).
     */
    public JsonNode status(String node, Duration timeout) throws MqttException, InterruptedException {
        String topic = prefix + "/" + node + "/status";
        CompletableFuture<JsonNode> got = new CompletableFuture<>();
        statusWaiters.put(topic, got);
        try {
            client.subscribe(topic, 1).waitForCompletion(timeout.toMillis());
            return got.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            statusWaiters.remove(topic);
            client.unsubscribe(topic);
        }
    }

    /** A request with a raw prompt (no chat template). */
    public static ObjectNode prompt(String text, int maxTokens) {
        ObjectNode o = Replies.JSON.createObjectNode();
        o.put("prompt", text);
        o.put("max_tokens", maxTokens);
        return o;
    }

    /** Terminal messages that matched no call of this client: a node answering a request twice shows up here. */
    public long strayTerminals() { return stray.get(); }

    /** Terminal messages that repeated one already received (QoS 1 at-least-once redelivery after a reconnect). */
    public long redeliveredTerminals() { return redelivered.get(); }

    /**
     * Publishes {@code request} (QoS 1) to {@code topic}; {@code onDelta} gets the streamed text in order,
     * on Paho's callback thread. An {@code id} is added when the request has none.
     */
    public Call send(String topic, ObjectNode request, Consumer<String> onDelta) throws MqttException {
        ObjectNode req = request.deepCopy();
        if (!req.has("id")) req.put("id", UUID.randomUUID().toString());
        String corr = UUID.randomUUID().toString();
        Call call = new Call(req.get("id").asText(), topic, onDelta);
        calls.put(corr, call);
        MqttMessage m = new MqttMessage(Replies.bytes(req));
        m.setQos(1);
        MqttProperties p = new MqttProperties();
        p.setResponseTopic(replyTopic);
        p.setCorrelationData(corr.getBytes(StandardCharsets.UTF_8));
        m.setProperties(p);
        try {
            client.publish(topic, m);
        } catch (MqttException e) {
            calls.remove(corr);
            throw e;
        }
        return call;
    }

    /** One request in flight. */
    public final class Call {
        private final String id;
        private final String topic;
        private final Consumer<String> onDelta;
        private final CompletableFuture<Reply> done = new CompletableFuture<>();
        private final TreeMap<Integer, String> pending = new TreeMap<>(); // chunks that arrived early
        private final StringBuilder text = new StringBuilder();
        private int nextSeq;
        private JsonNode terminal;

        Call(String id, String topic, Consumer<String> onDelta) {
            this.id = id;
            this.topic = topic;
            this.onDelta = onDelta;
        }

        public String id() { return id; }

        public CompletableFuture<Reply> future() { return done; }

        public Reply await(Duration timeout) throws InterruptedException, TimeoutException {
            try {
                return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }

        /** Asks {@code node} to stop this request; the terminal message then says {@code cancelled}. */
        public void cancel(String node) throws MqttException {
            ObjectNode o = Replies.JSON.createObjectNode();
            o.put("id", id);
            client.publish(prefix + "/" + node + "/cancel", Replies.bytes(o), 1, false);
        }

        /** Cancels a request sent to a node topic ({@code {prefix}/{node}/request}). */
        public void cancel() throws MqttException {
            String[] parts = topic.split("/");
            if (parts.length != 3 || !parts[2].equals("request") || parts[1].equals("pool")) {
                throw new IllegalStateException("request went to " + topic + "; use cancel(node) with the node from the reply");
            }
            cancel(parts[1]);
        }

        synchronized void onChunk(int seq, String delta) {
            if (seq < nextSeq || done.isDone()) return; // a QoS 1 redelivery of a chunk already passed on
            pending.put(seq, delta);
            while (!pending.isEmpty() && pending.firstKey() == nextSeq) {
                String d = pending.pollFirstEntry().getValue();
                nextSeq++;
                text.append(d);
                if (onDelta != null) onDelta.accept(d);
            }
            if (terminal != null && nextSeq >= terminal.path("seq").asInt()) complete();
        }

        /**
         * The terminal's {@code seq} counts the chunks sent before it. Across a reconnect a resent chunk can
         * arrive after the terminal, so a call with gaps waits up to {@link #GAP_GRACE} for them before it
         * completes with what it has ({@link Reply#missingChunks()} then says how many never came).
         * Returns false when a terminal was already received (a redelivery).
         */
        synchronized boolean onTerminal(JsonNode t) {
            if (terminal != null) return false;
            terminal = t;
            if (nextSeq >= t.path("seq").asInt()) complete();
            else CompletableFuture.delayedExecutor(GAP_GRACE.toMillis(), TimeUnit.MILLISECONDS).execute(this::completeWithGaps);
            return true;
        }

        private synchronized void completeWithGaps() {
            if (done.isDone()) return;
            LOG.warning("request " + id + ": " + (terminal.path("seq").asInt() - nextSeq) + " chunk(s) never arrived");
            complete();
        }

        private void complete() {
            int missing = Math.max(0, terminal.path("seq").asInt() - nextSeq);
            done.complete(new Reply(terminal, terminal.has("text") ? terminal.get("text").asText() : text.toString(), nextSeq, missing));
        }
    }

    /** The terminal message and the text streamed before it. */
    public static final class Reply {
        private final JsonNode terminal;
        private final String text;
        private final int chunks;
        private final int missingChunks;

        Reply(JsonNode terminal, String text, int chunks, int missingChunks) {
            this.terminal = terminal;
            this.text = text;
            this.chunks = chunks;
            this.missingChunks = missingChunks;
        }

        public JsonNode terminal() { return terminal; }
        public String text() { return text; }
        /** Chunks passed on in order. */
        public int chunks() { return chunks; }
        /** Chunks the terminal counted that never arrived (0 unless replies were lost); {@link #text()} stops before the first. */
        public int missingChunks() { return missingChunks; }
        public String finishReason() { return terminal.path("finish_reason").asText(); }
        public String node() { return terminal.path("node").asText(); }
        /** Error code ({@code bad_request}, {@code busy}, ...) or null. */
        public String errorCode() { return terminal.has("error") ? terminal.path("error").path("code").asText() : null; }
        public String errorMessage() { return terminal.has("error") ? terminal.path("error").path("message").asText() : null; }

        @Override
        public String toString() { return terminal.toString(); }
    }

    private final class Callback implements MqttCallback {
        @Override
        public void messageArrived(String topic, MqttMessage message) {
            MqttProperties p = message.getProperties();
            byte[] corr = p == null ? null : p.getCorrelationData();
            Call call = corr == null ? null : calls.get(new String(corr, StandardCharsets.UTF_8));
            JsonNode n;
            try {
                n = Replies.JSON.readTree(message.getPayload());
            } catch (IOException e) {
                LOG.warning("unparseable reply on " + topic + ": " + e.getMessage());
                return;
            }
            CompletableFuture<JsonNode> waiter = statusWaiters.get(topic);
            if (waiter != null) {
                waiter.complete(n);
                return;
            }
            boolean terminal = n.path("done").asBoolean(false);
            if (call == null) {
                if (terminal && corr != null && finished.containsKey(new String(corr, StandardCharsets.UTF_8))) redelivered.incrementAndGet();
                else if (terminal) stray.incrementAndGet();
                return;
            }
            if (terminal) {
                String key = new String(corr, StandardCharsets.UTF_8);
                finished.put(key, Boolean.TRUE);
                if (!call.onTerminal(n)) redelivered.incrementAndGet();
                call.done.whenComplete((r, e) -> calls.remove(key));
            } else {
                call.onChunk(n.path("seq").asInt(), n.path("delta").asText());
            }
        }

        @Override public void disconnected(MqttDisconnectResponse r) { }
        @Override public void mqttErrorOccurred(MqttException e) { }
        @Override public void deliveryComplete(IMqttToken token) { }
        @Override public void connectComplete(boolean reconnect, String serverUri) { }
        @Override public void authPacketArrived(int reasonCode, MqttProperties properties) { }
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                MqttProperties p = new MqttProperties();
                p.setSessionExpiryInterval(0L); // nothing to keep for a client that is gone
                client.disconnect(2_000, null, null, 0, p).waitForCompletion(2_000);
            }
        } catch (MqttException e) {
            LOG.fine(() -> "disconnect: " + e);
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            LOG.fine(() -> "close: " + e);
        }
    }
}
