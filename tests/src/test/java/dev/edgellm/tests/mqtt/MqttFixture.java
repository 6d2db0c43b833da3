package dev.edgellm.tests.mqtt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgellm.Engine;
import dev.edgellm.GenerationRequest;
import dev.edgellm.Model;
import dev.edgellm.Session;
import dev.edgellm.SessionOptions;
import dev.edgellm.mqtt.BrokerOptions;
import dev.edgellm.mqtt.EdgeLlmClient;
import dev.edgellm.mqtt.MqttService;
import dev.edgellm.mqtt.ServiceConfig;
import dev.edgellm.sampling.SamplerSpec;

import java.io.IOException;
import java.nio.file.Path;

/** Shared pieces of the MQTT end-to-end tests. */
final class MqttFixture {
    static final String MODEL_NAME = "stories260K-q8_0.gguf";

    private MqttFixture() {
    }

    static Model loadModel() throws IOException {
        Path p = Path.of(System.getProperty("edgellm.home", ".")).resolve("models").resolve(MODEL_NAME);
        return Engine.builder().threads(1).build().load(p);
    }

    static MqttService startService(Model model, String url, ServiceConfig cfg) throws Exception {
        MqttService s = new MqttService(model, MODEL_NAME, BrokerOptions.of(url), cfg);
        s.start();
        return s;
    }

    /** What the in-process API generates for a raw prompt with these settings: the reference text. */
    static String expected(Model model, String prompt, int maxTokens, float temperature, long seed) {
        try (Session s = model.newSession(SessionOptions.defaults())) {
            return s.generate(GenerationRequest.builder().prompt(prompt).maxTokens(maxTokens)
                    .sampler(SamplerSpec.builder().temperature(temperature).seed(seed).build()).build(), (d, t) -> { }).text();
        }
    }

    static ObjectNode request(String prompt, int maxTokens, float temperature, long seed) {
        ObjectNode o = EdgeLlmClient.prompt(prompt, maxTokens);
        o.put("temperature", temperature);
        o.put("seed", seed);
        return o;
    }
}
