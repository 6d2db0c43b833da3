package dev.edgellm.tests.mqtt;

import dev.edgellm.Model;
import dev.edgellm.mqtt.BrokerOptions;
import dev.edgellm.mqtt.EdgeLlmClient;
import dev.edgellm.mqtt.MqttService;
import dev.edgellm.mqtt.ServiceConfig;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The broker goes down mid-stream and comes back (persistent Mosquitto): the node reconnects on its own, the
 * in-flight request ends with exactly one terminal message, and requests sent after the restart are served.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MqttBrokerRestartTest {
    static final String PROMPT = "Once upon a time";

    @Test
    void inFlightRequestEndsOnceAndTheNodeServesAfterTheRestart() throws Exception {
        try (Mosquitto broker = Mosquitto.start(true);
             Model model = MqttFixture.loadModel();
             MqttService node = MqttFixture.startService(model, broker.url(), ServiceConfig.builder("r1").build());
             EdgeLlmClient client = EdgeLlmClient.connect(BrokerOptions.of(broker.url()), "edgellm")) {
            String expected = MqttFixture.expected(model, PROMPT, 500, 0f, 1);
            BlockingQueue<String> deltas = new LinkedBlockingQueue<>();
            EdgeLlmClient.Call inFlight = client.send(client.nodeTopic("r1"), MqttFixture.request(PROMPT, 500, 0f, 1), deltas::add);
            assertNotNull(deltas.poll(30, TimeUnit.SECONDS), "streaming started");
            broker.restart(300);
            EdgeLlmClient.Reply r = inFlight.await(Duration.ofSeconds(60));
            assertNull(r.errorCode(), r.toString());
            assertEquals("length", r.finishReason());
            assertEquals(0, r.missingChunks(), "chunks lost in the restart, " + r.chunks() + " arrived in order: " + r);
            assertEquals(expected, r.text(), "every chunk arrived, in order");
            // a new request once the client is back (it reconnects on its own, like the node)
            EdgeLlmClient.Call after = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (after == null) {
                try {
                    after = client.send(client.nodeTopic("r1"), MqttFixture.request(PROMPT, 8, 0f, 1), null);
                } catch (MqttException notYetReconnected) {
                    if (System.nanoTime() > deadline) throw notYetReconnected;
                    Thread.sleep(100);
                }
            }
            assertEquals(MqttFixture.expected(model, PROMPT, 8, 0f, 1), after.await(Duration.ofSeconds(30)).text());
            Thread.sleep(300);
            assertEquals(0, client.strayTerminals(), "a request was answered twice");
        }
    }
}
