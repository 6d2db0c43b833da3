package dev.edgellm.tests.mqtt;

import dev.edgellm.GenerationRequest;
import dev.edgellm.Model;
import dev.edgellm.Session;
import dev.edgellm.SessionOptions;
import dev.edgellm.mqtt.BrokerOptions;
import dev.edgellm.mqtt.EdgeLlmClient;
import dev.edgellm.mqtt.MqttService;
import dev.edgellm.mqtt.ServiceConfig;
import dev.edgellm.sampling.SamplerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;
import java.util.Arrays;

/**
 * BENCHMARKS.md "MQTT overhead": latency of a {@code max_tokens: 1} request over loopback Mosquitto vs the
 * same generate() in process, one request at a time. Run with
 * {@code mvn -pl tests -am verify -Dtest=MqttOverheadBenchTest -Dedgellm.bench=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "edgellm.bench", matches = "true")
class MqttOverheadBenchTest {
    /**
     * Untimed requests first ({@code -Dedgellm.bench.warmup}): we measure the steady state, and with only 200 the JIT
     * was still compiling Paho, Jackson and our code on the same 2 cores during the timed requests, which alone
     * moved the added p95 from ~0.9 ms to 3.5-4.5 ms on a quiet machine (BENCHMARKS.md, 2026-12-03).
     */
    static final int WARMUP = Integer.getInteger("edgellm.bench.warmup", 3000);
    static final int N = Integer.getInteger("edgellm.bench.n", 2000);

    @Test
    void overheadOfOneTokenRequests() throws Exception {
        try (Mosquitto broker = Mosquitto.start();
             Model model = MqttFixture.loadModel();
             MqttService node = MqttFixture.startService(model, broker.url(), ServiceConfig.builder("bench").build());
             EdgeLlmClient client = EdgeLlmClient.connect(BrokerOptions.of(broker.url()), "edgellm");
             Session session = model.newSession(SessionOptions.defaults())) {
            GenerationRequest req = GenerationRequest.builder().prompt("Once upon a time").maxTokens(1)
                    .sampler(SamplerSpec.greedy()).build();
            double[] local = new double[N];
            for (int i = -WARMUP; i < N; i++) {
                long t0 = System.nanoTime();
                session.generate(req, (d, t) -> { });
                if (i >= 0) local[i] = (System.nanoTime() - t0) / 1e6;
            }
            double[] remote = new double[N];
            double[] added = new double[N];
            for (int i = -WARMUP; i < N; i++) {
                long t0 = System.nanoTime();
                EdgeLlmClient.Reply r = client.send(client.nodeTopic("bench"), MqttFixture.request("Once upon a time", 1, 0f, 1), null)
                        .await(Duration.ofSeconds(10));
                double ms = (System.nanoTime() - t0) / 1e6;
                if (i >= 0) {
                    remote[i] = ms;
                    added[i] = ms - r.terminal().path("timings").path("total_ms").asDouble();
                }
            }
            System.out.printf("MQTT overhead, max_tokens 1, N=%d (after %d warm-up), loopback Mosquitto%n", N, WARMUP);
            System.out.printf("  in-process generate   p50 %.3f ms  p95 %.3f ms%n", pct(local, 50), pct(local, 95));
            System.out.printf("  MQTT round trip       p50 %.3f ms  p95 %.3f ms%n", pct(remote, 50), pct(remote, 95));
            System.out.printf("  added (round trip - node total_ms, per request)  p50 %.3f ms  p95 %.3f ms%n", pct(added, 50), pct(added, 95));
            System.out.printf("  added (difference of percentiles)  p50 %.3f ms  p95 %.3f ms%n",
                    pct(remote, 50) - pct(local, 50), pct(remote, 95) - pct(local, 95));
        }
    }

    static double pct(double[] v, double p) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.max(0, (int) Math.ceil(p / 100 * s.length) - 1)];
    }
}
