package dev.edgellm.tests.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgellm.Model;
import dev.edgellm.cli.EmbeddedBroker;
import dev.edgellm.cli.Main;
import dev.edgellm.mqtt.MqttService;
import dev.edgellm.mqtt.ServiceConfig;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded HiveMQ CE broker of {@code serve}, the {@code ask} CLI, and the retained status. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MqttEmbeddedBrokerTest {
    static EmbeddedBroker broker;
    static Model model;
    static MqttService node;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(Mosquitto.freePort());
        model = MqttFixture.loadModel();
        node = MqttFixture.startService(model, broker.url(), ServiceConfig.builder("e1").plannedFor("rpi5-8gb", 123_456_789L).build());
    }

    @AfterAll
    static void stop() {
        if (node != null) node.close();
        if (model != null) model.close();
        if (broker != null) broker.close();
    }

    static String[] run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void askStreamsTheSameStoryAsGenerate() {
        String expected = MqttFixture.expected(model, "Once upon a time", 40, 0f, 1);
        String[] r = run("ask", "--broker", broker.url(), "--node", "e1", "--temp", "0", "-n", "40", "Once upon a time");
        assertEquals("0", r[0], r[2]);
        assertEquals(expected + System.lineSeparator(), r[1]);
        assertTrue(r[2].contains("node e1"), r[2]);
    }

    @Test
    void clientReadsTheRetainedStatus() throws Exception {
        try (dev.edgellm.mqtt.EdgeLlmClient c = dev.edgellm.mqtt.EdgeLlmClient.connect(dev.edgellm.mqtt.BrokerOptions.of(broker.url()), "edgellm")) {
            assertEquals("online", c.status("e1", java.time.Duration.ofSeconds(5)).path("state").asText());
            org.junit.jupiter.api.Assertions.assertNull(c.status("nobody", java.time.Duration.ofMillis(300)));
        }
        String[] r = run("ask", "--broker", broker.url(), "--node", "nobody", "--timeout", "1", "hi");
        assertEquals("1", r[0], r[2]);
        assertTrue(r[2].contains("never announced itself") && r[2].contains("no answer"), r[2]);
    }

    @Test
    void askReportsErrorsWithExitCodes() {
        String[] bad = run("ask", "--broker", broker.url(), "--node", "e1", "-n", "100000", "hi");
        assertEquals("2", bad[0], bad[2]);
        assertTrue(bad[2].contains("bad_request") && bad[2].contains("cap"), bad[2]);
        assertEquals("2", run("ask", "--node", "a", "--pool", "b", "hi")[0]);
        assertEquals("2", run("ask", "--broker", "http://x", "hi")[0]);
    }

    @Test
    void aPromptBeyondThePlannedContextIsAnsweredDoesNotFit() throws Exception {
        try (dev.edgellm.mqtt.EdgeLlmClient c = dev.edgellm.mqtt.EdgeLlmClient.connect(dev.edgellm.mqtt.BrokerOptions.of(broker.url()), "edgellm")) {
            var req = dev.edgellm.mqtt.EdgeLlmClient.prompt("Once upon a time ".repeat(700), 4);
            var r = c.send(c.nodeTopic("e1"), req, null).await(java.time.Duration.ofSeconds(60));
            assertEquals("does_not_fit", r.errorCode(), r.toString());
            assertTrue(r.errorMessage().contains("context holds 2048"), r.toString());
            // the node goes on serving
            assertEquals("length", c.send(c.nodeTopic("e1"), dev.edgellm.mqtt.EdgeLlmClient.prompt("Once", 2), null)
                    .await(java.time.Duration.ofSeconds(30)).finishReason());
        }
    }

    @Test
    void statusIsRetainedWithQueueAndCounters() throws Exception {
        MqttClient c = new MqttClient(broker.url(), "status-" + System.nanoTime(), new MemoryPersistence());
        c.connect();
        BlockingQueue<JsonNode> got = new LinkedBlockingQueue<>();
        try {
            c.subscribe("edgellm/e1/status", 1, (t, m) -> got.add(new ObjectMapper().readTree(m.getPayload())));
            JsonNode s = got.poll(10, TimeUnit.SECONDS);
            assertNotNull(s, "retained status");
            assertEquals("online", s.get("state").asText());
            assertEquals("stories260K-q8_0.gguf", s.get("model").asText());
            for (String f : new String[] {"queue", "plan", "profile", "served", "errors", "p50_ms", "p95_ms"}) assertTrue(s.has(f), f + " in " + s);
            assertEquals("rpi5-8gb", s.get("profile").asText());
            assertEquals(123_456_789L, s.get("plan").get("predicted_peak_bytes").asLong());
            assertEquals("f16", s.get("plan").get("kv_type").asText());
            assertEquals(2048, s.get("plan").get("ctx").asInt());
        } finally {
            c.disconnect();
            c.close();
        }
    }
}
