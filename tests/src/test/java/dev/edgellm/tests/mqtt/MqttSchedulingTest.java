package dev.edgellm.tests.mqtt;

import dev.edgellm.Model;
import dev.edgellm.mqtt.BrokerOptions;
import dev.edgellm.mqtt.EdgeLlmClient;
import dev.edgellm.mqtt.MqttService;
import dev.edgellm.mqtt.ServiceConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Queue limits, timeouts, cancelling a queued request, and requests sent while the node was away. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MqttSchedulingTest {
    static final String PROMPT = "Once upon a time"; // greedy: no end-of-text within 500 tokens
    static Mosquitto broker;
    static Model model;
    static EdgeLlmClient client;

    @BeforeAll
    static void start() throws Exception {
        broker = Mosquitto.start();
        model = MqttFixture.loadModel();
        client = EdgeLlmClient.connect(BrokerOptions.of(broker.url()), "edgellm");
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) client.close();
        if (model != null) model.close();
        if (broker != null) broker.close();
    }

    @Test
    void fullQueueAnswersBusyAtOnceAndEveryRequestGetsOneTerminal() throws Exception {
        try (MqttService node = MqttFixture.startService(model, broker.url(), ServiceConfig.builder("q1").queueCapacity(1).build())) {
            List<EdgeLlmClient.Call> calls = new ArrayList<>();
            for (int i = 0; i < 6; i++) calls.add(client.send(client.nodeTopic("q1"), MqttFixture.request(PROMPT, 200, 0f, 1), null));
            int busy = 0;
            int served = 0;
            for (EdgeLlmClient.Call c : calls) {
                EdgeLlmClient.Reply r = c.await(Duration.ofSeconds(60));
                if ("busy".equals(r.errorCode())) {
                    busy++;
                    assertTrue(r.errorMessage().contains("queue is full"), r.toString());
                } else {
                    assertNull(r.errorCode(), r.toString());
                    assertEquals("length", r.finishReason());
                    served++;
                }
            }
            // one running + one queued at most; the rest were turned away
            assertTrue(busy >= 4, "busy=" + busy + " served=" + served);
            assertTrue(served >= 1 && served <= 2, "served=" + served);
            assertEquals(busy, node.stats().busy.get());
            Thread.sleep(200);
            assertEquals(0, client.strayTerminals());
        }
    }

    @Test
    void requestOverItsTimeoutEndsWithTimeout() throws Exception {
        try (MqttService node = MqttFixture.startService(model, broker.url(),
                ServiceConfig.builder("t1").requestTimeout(Duration.ofMillis(150)).build())) {
            EdgeLlmClient.Reply r = client.send(client.nodeTopic("t1"), MqttFixture.request(PROMPT, 500, 0f, 1), null)
                    .await(Duration.ofSeconds(30));
            assertEquals("timeout", r.finishReason(), r.toString());
            assertTrue(r.terminal().path("usage").path("completion_tokens").asInt() < 500, r.toString());
            assertNull(r.errorCode());
        }
    }

    @Test
    void cancellingAQueuedRequestAnswersCancelledWithoutRunningIt() throws Exception {
        try (MqttService node = MqttFixture.startService(model, broker.url(), ServiceConfig.builder("c1").build())) {
            EdgeLlmClient.Call first = client.send(client.nodeTopic("c1"), MqttFixture.request(PROMPT, 500, 0f, 1), null);
            EdgeLlmClient.Call second = client.send(client.nodeTopic("c1"), MqttFixture.request(PROMPT, 500, 0f, 1), null);
            Thread.sleep(50);
            second.cancel();
            EdgeLlmClient.Reply r2 = second.await(Duration.ofSeconds(30));
            assertEquals("cancelled", r2.finishReason(), r2.toString());
            assertEquals(0, r2.terminal().path("usage").path("completion_tokens").asInt(), r2.toString());
            first.cancel();
            assertEquals("cancelled", first.await(Duration.ofSeconds(30)).finishReason());
        }
    }

    @Test
    void lastWillMarksTheNodeOfflineAndItComesBackOnline() throws Exception {
        try (TcpProxy proxy = new TcpProxy(java.net.URI.create(broker.url()).getPort());
             MqttService node = MqttFixture.startService(model, proxy.url(), ServiceConfig.builder("w1").build())) {
            java.util.concurrent.BlockingQueue<String> states = new java.util.concurrent.LinkedBlockingQueue<>();
            org.eclipse.paho.client.mqttv3.MqttClient watcher = new org.eclipse.paho.client.mqttv3.MqttClient(broker.url(),
                    "watch-" + System.nanoTime(), new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
            watcher.connect();
            try {
                watcher.subscribe("edgellm/w1/status", 1, (t, m) -> states.add(new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(m.getPayload()).path("state").asText()));
                assertEquals("online", states.poll(10, TimeUnit.SECONDS));
                // the network fails: the broker sees the connection die without a DISCONNECT and publishes the Will
                proxy.cutAll();
                String next;
                do {
                    next = states.poll(10, TimeUnit.SECONDS);
                } while ("online".equals(next));
                assertEquals("offline", next, "Last Will");
                // the node reconnects on its own and announces itself again
                do {
                    next = states.poll(15, TimeUnit.SECONDS);
                } while ("offline".equals(next));
                assertEquals("online", next);
                assertEquals(MqttFixture.expected(model, PROMPT, 4, 0f, 1),
                        client.send(client.nodeTopic("w1"), MqttFixture.request(PROMPT, 4, 0f, 1), null).await(Duration.ofSeconds(30)).text());
            } finally {
                watcher.disconnect();
                watcher.close();
            }
        }
    }

    @Test
    void requestsPublishedWhileTheNodeWasAwayAreAnsweredWhenItReturns() throws Exception {
        ServiceConfig cfg = ServiceConfig.builder("o1").build();
        MqttFixture.startService(model, broker.url(), cfg).close(); // registers the persistent session
        List<EdgeLlmClient.Call> calls = new ArrayList<>();
        for (int i = 0; i < 3; i++) calls.add(client.send(client.nodeTopic("o1"), MqttFixture.request(PROMPT, 8, 0f, 1), null));
        Thread.sleep(200);
        String expected = MqttFixture.expected(model, PROMPT, 8, 0f, 1);
        try (MqttService node = MqttFixture.startService(model, broker.url(), cfg)) {
            for (EdgeLlmClient.Call c : calls) assertEquals(expected, c.await(Duration.ofSeconds(30)).text());
        }
    }
}
