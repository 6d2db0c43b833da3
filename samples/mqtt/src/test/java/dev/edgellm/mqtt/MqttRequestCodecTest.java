package dev.edgellm.mqtt;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Strict request parsing (paths in every message) and the fair queue, without a broker. */
class MqttRequestCodecTest {
    final RequestCodec codec = new RequestCodec(1024, 512, 256);

    RequestCodec.Request ok(String json) throws Exception {
        return codec.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    RequestCodec.RequestException bad(String json) {
        return assertThrows(RequestCodec.RequestException.class, () -> ok(json));
    }

    @Test
    void fullRequestParses() throws Exception {
        RequestCodec.Request r = ok("{\"id\":\"r-17\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell a story\"}],"
                + "\"max_tokens\":128,\"temperature\":0.7,\"top_k\":40,\"top_p\":0.95,\"min_p\":0.05,\"seed\":1,"
                + "\"repeat_penalty\":1.1,\"stop\":[\"\\n\\n\"],\"stream\":true,\"reply_to\":\"app/7/answers\"}");
        assertEquals("r-17", r.id());
        assertEquals("app/7/answers", r.replyTo());
        assertEquals(128, r.generation().maxTokens());
        assertEquals(List.of("\n\n"), r.generation().stop());
        assertEquals(1, r.generation().sampler().seed());
        assertTrue(r.stream());
        assertEquals(256, ok("{\"prompt\":\"x\"}").generation().maxTokens(), "default max_tokens");
        assertNull(ok("{\"prompt\":\"x\"}").id());
    }

    @Test
    void errorsNameTheJsonPathAndKeepTheReplyAddress() {
        RequestCodec.RequestException e = bad("{\"id\":\"a\",\"reply_to\":\"r/1\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"user\",\"content\":[]}]}");
        assertEquals("$.messages[1].content: expected a string, got an array", e.getMessage());
        assertEquals("a", e.id());
        assertEquals("r/1", e.replyTo());
        assertEquals("$.top_k: expected an integer, got a number", bad("{\"prompt\":\"x\",\"top_k\":1.5}").getMessage());
        assertEquals("$.max_tokens: 513 exceeds this node's cap of 512", bad("{\"prompt\":\"x\",\"max_tokens\":513}").getMessage());
        assertEquals("$.stop[0]: must not be empty", bad("{\"prompt\":\"x\",\"stop\":[\"\"]}").getMessage());
        assertTrue(bad("{\"prompt\":\"x\",\"prompt\":\"y\"}").getMessage().startsWith("invalid JSON"), "duplicate keys");
        assertTrue(bad("{\"prompt\":\"x\",\"extra\":1}").getMessage().startsWith("$.extra: unknown field"));
        assertEquals("$.reply_to: not a topic one can publish to (empty, or has + # or NUL)",
                bad("{\"prompt\":\"x\",\"reply_to\":\"a/#\"}").getMessage());
        assertEquals("$.temperature: must be >= 0, got -1.0", bad("{\"prompt\":\"x\",\"temperature\":-1}").getMessage());
    }

    @Test
    void oversizedPayloadIsNotParsedButItsAddressIsRead() {
        String big = "{\"id\":\"big\",\"reply_to\":\"r/2\",\"prompt\":\"" + "a".repeat(2000) + "\"}";
        RequestCodec.RequestException e = bad(big);
        assertEquals("too_large", e.code());
        assertEquals("big", e.id());
        assertEquals("r/2", e.replyTo());
        // truncated JSON: what came before the error is still usable
        RequestCodec.RequestException t = bad("{\"reply_to\":\"r/3\",\"prompt\":");
        assertEquals("r/3", t.replyTo());
        assertEquals("bad_request", t.code());
    }

    @Test
    void fairQueueTakesClientsRoundRobinAndRefusesWhenFull() throws Exception {
        FairQueue<String> q = new FairQueue<>(5);
        assertTrue(q.offer("a", "a1"));
        assertTrue(q.offer("a", "a2"));
        assertTrue(q.offer("a", "a3"));
        assertTrue(q.offer("b", "b1"));
        assertTrue(q.offer("c", "c1"));
        assertFalse(q.offer("d", "d1"), "full");
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 5; i++) order.append(q.poll(1, TimeUnit.SECONDS)).append(' ');
        assertEquals("a1 b1 c1 a2 a3 ", order.toString());
        assertNull(q.poll(10, TimeUnit.MILLISECONDS));
    }
}
