package dev.edgellm.tests.mqtt;

import dev.edgellm.Model;
import dev.edgellm.mqtt.BrokerOptions;
import dev.edgellm.mqtt.EdgeLlmClient;
import dev.edgellm.mqtt.MqttService;
import dev.edgellm.mqtt.ServiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two nodes in one shared-subscription pool on Mosquitto share the requests; each is answered once. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MqttPoolTest {
    @Test
    void twentyPoolRequestsAreEachAnsweredOnceByBothNodesBetweenThem() throws Exception {
        try (Mosquitto broker = Mosquitto.start();
             Model model = MqttFixture.loadModel();
             MqttService a = MqttFixture.startService(model, broker.url(), ServiceConfig.builder("p1").pool("kitchen").build());
             MqttService b = MqttFixture.startService(model, broker.url(), ServiceConfig.builder("p2").pool("kitchen").build());
             EdgeLlmClient client = EdgeLlmClient.connect(BrokerOptions.of(broker.url()), "edgellm")) {
            String expected = MqttFixture.expected(model, "Once upon a time", 16, 0f, 1);
            List<EdgeLlmClient.Call> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) calls.add(client.send(client.poolTopic("kitchen"), MqttFixture.request("Once upon a time", 16, 0f, 1), null));
            Map<String, Integer> byNode = new HashMap<>();
            for (EdgeLlmClient.Call c : calls) {
                EdgeLlmClient.Reply r = c.await(Duration.ofSeconds(60));
                assertNull(r.errorCode(), r.toString());
                assertEquals(expected, r.text());
                byNode.merge(r.node(), 1, Integer::sum);
            }
            Thread.sleep(300);
            assertEquals(0, client.strayTerminals(), "a pool request was answered twice");
            assertEquals(2, byNode.size(), "both nodes served: " + byNode);
            assertEquals(20, a.stats().served.get() + b.stats().served.get());
            assertTrue(byNode.get("p1") > 0 && byNode.get("p2") > 0, byNode.toString());
        }
    }
}
