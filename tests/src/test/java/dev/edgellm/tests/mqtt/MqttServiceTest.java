package dev.edgellm.tests.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgellm.GenerationRequest;
import dev.edgellm.Model;
import dev.edgellm.Session;
import dev.edgellm.SessionOptions;
import dev.edgellm.chat.Message;
import dev.edgellm.mqtt.BrokerOptions;
import dev.edgellm.mqtt.EdgeLlmClient;
import dev.edgellm.mqtt.MqttService;
import dev.edgellm.mqtt.ServiceConfig;
import dev.edgellm.sampling.SamplerSpec;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DESIGN.md §3 end to end on a real Mosquitto: streaming, v5 and v3.1.1 replies, errors, cancel, busy, load. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MqttServiceTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PROMPT = "Once upon a time";
    static Mosquitto broker;
    static Model model;
    static MqttService node;
    static EdgeLlmClient client;

    @BeforeAll
    static void start() throws Exception {
        broker = Mosquitto.start();
        model = MqttFixture.loadModel();
        node = MqttFixture.startService(model, broker.url(), ServiceConfig.builder("n1").queueCapacity(128)
                .maxTokensCap(512).maxPayloadBytes(4096).build());
        client = EdgeLlmClient.connect(BrokerOptions.of(broker.url()), "edgellm");
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) client.close();
        if (node != null) node.close();
        if (model != null) model.close();
        if (broker != null) broker.close();
    }

    @Test
    void javaClientStreamsTheSameStoryAsGenerate() throws Exception {
        String greedy = MqttFixture.expected(model, PROMPT, 48, 0f, 1);
        StringBuilder streamed = new StringBuilder();
        EdgeLlmClient.Reply r = client.send(client.nodeTopic("n1"), MqttFixture.request(PROMPT, 48, 0f, 1), streamed::append)
                .await(Duration.ofSeconds(60));
        assertEquals("length", r.finishReason(), r.toString());
        assertEquals(greedy, r.text());
        assertEquals(greedy, streamed.toString());
        assertEquals("n1", r.node());
        assertEquals(48, r.terminal().path("usage").path("completion_tokens").asInt());
        assertEquals(5, r.terminal().path("usage").path("prompt_tokens").asInt());
        for (String f : new String[] {"queue_ms", "ttft_ms", "decode_tok_s", "total_ms"}) {
            assertTrue(r.terminal().path("timings").has(f), "timings." + f + " in " + r);
        }
        assertEquals(r.chunks(), r.terminal().path("seq").asInt(), "terminal seq follows the last chunk");
        assertFalse(r.terminal().has("error"));
        // sampled, same seed: same text as the in-process API
        String sampled = MqttFixture.expected(model, PROMPT, 48, 0.8f, 42);
        EdgeLlmClient.Reply s = client.send(client.nodeTopic("n1"), MqttFixture.request(PROMPT, 48, 0.8f, 42), null)
                .await(Duration.ofSeconds(60));
        assertEquals(sampled, s.text());
    }

    @Test
    void chatMessagesUseTheTemplateLikeTheSessionApi() throws Exception {
        List<Message> msgs = List.of(Message.user("Tell a story"));
        String expected;
        try (Session se = model.newSession(SessionOptions.defaults())) {
            expected = se.generate(GenerationRequest.builder().messages(msgs).maxTokens(16)
                    .sampler(SamplerSpec.greedy()).build(), (d, t) -> { }).text();
        }
        ObjectNode req = JSON.createObjectNode();
        req.putArray("messages").addObject().put("role", "user").put("content", "Tell a story");
        req.put("max_tokens", 16).put("temperature", 0);
        req.put("stream", false);
        EdgeLlmClient.Reply r = client.send(client.nodeTopic("n1"), req, null).await(Duration.ofSeconds(60));
        assertEquals(0, r.chunks(), "stream:false sends no chunks");
        assertEquals(expected, r.terminal().path("text").asText());
    }

    @Test
    void rawV5ClientGetsCorrelationDataOnEveryMessage() throws Exception {
        String greedy = MqttFixture.expected(model, PROMPT, 32, 0f, 1);
        try (RawV5 raw = new RawV5(broker.url())) {
            List<JsonNode> msgs = raw.request("edgellm/n1/request", "{\"id\":\"raw-1\",\"prompt\":\"Once upon a time\",\"max_tokens\":32,\"temperature\":0}",
                    "corr-raw-1");
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < msgs.size() - 1; i++) {
                assertEquals(i, msgs.get(i).get("seq").asInt());
                assertEquals("raw-1", msgs.get(i).get("id").asText());
                text.append(msgs.get(i).get("delta").asText());
            }
            JsonNode t = msgs.get(msgs.size() - 1);
            assertTrue(t.get("done").asBoolean());
            assertEquals("raw-1", t.get("id").asText());
            assertEquals(greedy, text.toString());
            assertNull(raw.poll(300), "exactly one terminal message");
        }
    }

    @Test
    void v311ClientIsAnsweredOnReplyTo() throws Exception {
        String greedy = MqttFixture.expected(model, PROMPT, 32, 0f, 1);
        MqttClient c = new MqttClient(broker.url(), "v311-" + System.nanoTime(), new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        c.connect(o);
        BlockingQueue<JsonNode> got = new LinkedBlockingQueue<>();
        try {
            c.subscribe("app/7/answers", 1, (topic, m) -> got.add(JSON.readTree(m.getPayload())));
            c.publish("edgellm/n1/request", ("{\"id\":\"v3-1\",\"prompt\":\"Once upon a time\",\"max_tokens\":32,"
                    + "\"temperature\":0,\"reply_to\":\"app/7/answers\"}").getBytes(StandardCharsets.UTF_8), 1, false);
            StringBuilder text = new StringBuilder();
            JsonNode m;
            while (!(m = got.poll(60, TimeUnit.SECONDS)).path("done").asBoolean()) text.append(m.get("delta").asText());
            assertEquals("stop".equals(m.get("finish_reason").asText()) || "length".equals(m.get("finish_reason").asText()), true, m.toString());
            assertEquals(greedy, text.toString());
            assertNull(got.poll(300, TimeUnit.MILLISECONDS), "exactly one terminal message");
        } finally {
            c.disconnect();
            c.close();
        }
    }

    @Test
    void badInputsAreAnsweredWithTheRightCodeAndTheNodeKeepsServing() throws Exception {
        String[][] cases = {
                {"{\"prompt\": \"x\",", "bad_request", "invalid JSON"},
                {"[1,2]", "bad_request", "$: expected an object"},
                {"{\"prompt\":\"x\",\"max_tokens\":\"5\"}", "bad_request", "$.max_tokens: expected an integer, got a string"},
                {"{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\",\"content\":7}]}", "bad_request", "$.messages[1].content: expected a string"},
                {"{\"messages\":[]}", "bad_request", "$.messages: must not be empty"},
                {"{}", "bad_request", "exactly one of"},
                {"{\"prompt\":\"x\",\"temprature\":0.5}", "bad_request", "$.temprature: unknown field"},
                {"{\"prompt\":\"x\",\"max_tokens\":100000}", "bad_request", "exceeds this node's cap of 512"},
                {"{\"prompt\":\"x\",\"top_p\":2}", "bad_request", "$.top_p: must be in (0, 1]"},
                {"{\"prompt\":\"x\",\"stream\":\"yes\"}", "bad_request", "$.stream: expected a boolean"},
                {"{\"prompt\":\"" + "a".repeat(5000) + "\"}", "too_large", "accepts at most 4096"},
                {"", "bad_request", "empty payload"},
        };
        try (RawV5 raw = new RawV5(broker.url())) {
            int i = 0;
            for (String[] c : cases) {
                List<JsonNode> msgs = raw.request("edgellm/n1/request", c[0], "bad-" + i++);
                assertEquals(1, msgs.size(), c[0]);
                JsonNode t = msgs.get(0);
                assertEquals("error", t.path("finish_reason").asText(), t.toString());
                assertEquals(c[1], t.path("error").path("code").asText(), t.toString());
                assertTrue(t.path("error").path("message").asText().contains(c[2]), t.toString());
            }
            // no reply address at all: logged and counted, nothing to answer
            long before = node.stats().malformedNoReply.get();
            raw.publishNoReply("edgellm/n1/request", "{oops");
            raw.publishNoReply("edgellm/n1/request", "{\"prompt\":\"no address\"}");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (node.stats().malformedNoReply.get() < before + 2 && System.nanoTime() < deadline) Thread.sleep(10);
            assertEquals(before + 2, node.stats().malformedNoReply.get());
            // and the node still serves
            List<JsonNode> ok = raw.request("edgellm/n1/request", "{\"prompt\":\"Once upon a time\",\"max_tokens\":4}", "after-bad");
            assertEquals("length", ok.get(ok.size() - 1).path("finish_reason").asText());
        }
    }

    @Test
    void duplicateDeliveryOfAnIdIsNotRunTwice() throws Exception {
        try (RawV5 raw = new RawV5(broker.url())) {
            long before = node.stats().duplicates.get();
            String body = "{\"id\":\"dup-1\",\"prompt\":\"Once upon a time\",\"max_tokens\":8,\"stream\":false}";
            raw.publish("edgellm/n1/request", body, "dup");
            raw.publish("edgellm/n1/request", body, "dup");
            JsonNode t = raw.poll(30_000);
            assertNotNull(t);
            assertTrue(t.path("done").asBoolean());
            assertNull(raw.poll(500), "the second delivery was run");
            assertEquals(before + 1, node.stats().duplicates.get());
        }
    }

    @Test
    void cancelStopsWithinOneTokenAndAnswersCancelled() throws Exception {
        BlockingQueue<String> deltas = new LinkedBlockingQueue<>();
        EdgeLlmClient.Call call = client.send(client.nodeTopic("n1"), MqttFixture.request(PROMPT, 500, 0f, 1), deltas::add);
        assertNotNull(deltas.poll(30, TimeUnit.SECONDS), "first chunk");
        call.cancel();
        EdgeLlmClient.Reply r = call.await(Duration.ofSeconds(30));
        assertEquals("cancelled", r.finishReason(), r.toString());
        int tokens = r.terminal().path("usage").path("completion_tokens").asInt();
        assertTrue(tokens < 500, "stopped early: " + tokens);
        assertFalse(r.terminal().has("error"));
    }

    @Test
    void twentyClientsTimesFiveRequestsAreEachAnsweredOnce() throws Exception {
        List<EdgeLlmClient> clients = new ArrayList<>();
        List<EdgeLlmClient.Call> calls = new ArrayList<>();
        try {
            for (int c = 0; c < 20; c++) clients.add(EdgeLlmClient.connect(BrokerOptions.of(broker.url()), "edgellm"));
            for (int k = 0; k < 5; k++) {
                for (EdgeLlmClient c : clients) calls.add(c.send(c.nodeTopic("n1"), MqttFixture.request(PROMPT, 8, 0f, 1), null));
            }
            String expected = MqttFixture.expected(model, PROMPT, 8, 0f, 1);
            for (EdgeLlmClient.Call call : calls) {
                EdgeLlmClient.Reply r = call.await(Duration.ofSeconds(90));
                assertNull(r.errorCode(), r.toString());
                assertEquals(expected, r.text());
            }
            Thread.sleep(300);
            for (EdgeLlmClient c : clients) assertEquals(0, c.strayTerminals(), "a request was answered twice");
        } finally {
            for (EdgeLlmClient c : clients) c.close();
        }
    }

    /** A bare Paho v5 client: Response Topic + Correlation Data set by hand, replies collected raw. */
    static final class RawV5 implements AutoCloseable {
        final MqttAsyncClient c;
        final String replyTopic = "raw/" + System.nanoTime() + "/reply";
        final BlockingQueue<JsonNode> got = new LinkedBlockingQueue<>();

        RawV5(String url) throws Exception {
            c = new MqttAsyncClient(url, "raw-" + System.nanoTime(), new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
            c.connect(new MqttConnectionOptions()).waitForCompletion(10_000);
            // a callback, not subscribe(sub, listener): Paho 1.2.5 throws IndexOutOfBounds on that overload
            c.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
                @Override public void messageArrived(String topic, MqttMessage m) {
                    ObjectNode n;
                    try {
                        n = (ObjectNode) JSON.readTree(m.getPayload());
                    } catch (Exception e) {
                        n = JSON.createObjectNode().put("unparseable", new String(m.getPayload(), StandardCharsets.UTF_8));
                    }
                    byte[] corr = m.getProperties().getCorrelationData();
                    n.put("_corr", corr == null ? null : new String(corr, StandardCharsets.UTF_8));
                    got.add(n);
                }
                @Override public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) { }
                @Override public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) { }
                @Override public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken t) { }
                @Override public void connectComplete(boolean reconnect, String uri) { }
                @Override public void authPacketArrived(int rc, MqttProperties p) { }
            });
            c.subscribe(replyTopic, 1).waitForCompletion(10_000);
        }

        void publish(String topic, String body, String corr) throws Exception {
            MqttMessage m = new MqttMessage(body.getBytes(StandardCharsets.UTF_8));
            m.setQos(1);
            MqttProperties p = new MqttProperties();
            p.setResponseTopic(replyTopic);
            p.setCorrelationData(corr.getBytes(StandardCharsets.UTF_8));
            m.setProperties(p);
            c.publish(topic, m).waitForCompletion(10_000);
        }

        void publishNoReply(String topic, String body) throws Exception {
            MqttMessage m = new MqttMessage(body.getBytes(StandardCharsets.UTF_8));
            m.setQos(1);
            c.publish(topic, m).waitForCompletion(10_000);
        }

        /** Publishes and collects replies up to and including the terminal one; checks correlation data. */
        List<JsonNode> request(String topic, String body, String corr) throws Exception {
            publish(topic, body, corr);
            List<JsonNode> out = new ArrayList<>();
            while (true) {
                JsonNode n = poll(60_000);
                assertNotNull(n, "no terminal message for " + body);
                assertEquals(corr, n.path("_corr").asText(), "correlation data copied back");
                out.add(n);
                if (n.path("done").asBoolean()) return out;
            }
        }

        JsonNode poll(long ms) throws InterruptedException {
            return got.poll(ms, TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() throws Exception {
            c.disconnect().waitForCompletion(5_000);
            c.close();
        }
    }
}
