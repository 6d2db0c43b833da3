package dev.edgellm.mqtt;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgellm.GenerationRequest;
import dev.edgellm.chat.Message;
import dev.edgellm.sampling.SamplerSpec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses request JSON (DESIGN.md §3) strictly: every error names the JSON path, e.g.
 * {@code $.messages[1].content: expected a string}. Unknown fields are rejected (a misspelt
 * {@code temprature} must not silently fall back to the default), as are duplicate keys.
 * Thread-safe.
 */
public final class RequestCodec {
    static final Set<String> FIELDS = Set.of("id", "messages", "prompt", "max_tokens", "temperature", "top_k",
            "top_p", "min_p", "seed", "repeat_penalty", "stop", "stream", "reply_to");

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final JsonFactory FACTORY = new JsonFactory();

    private final int maxPayloadBytes;
    private final int maxTokensCap;
    private final int defaultMaxTokens;

    public RequestCodec(int maxPayloadBytes, int maxTokensCap, int defaultMaxTokens) {
        if (maxPayloadBytes < 2) throw new IllegalArgumentException("max payload must be >= 2 bytes, got " + maxPayloadBytes);
        if (maxTokensCap < 1) throw new IllegalArgumentException("max_tokens cap must be >= 1, got " + maxTokensCap);
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxTokensCap = maxTokensCap;
        this.defaultMaxTokens = Math.min(defaultMaxTokens, maxTokensCap);
    }

    /** A valid request. {@code id} and {@code replyTo} are null when the client sent none. */
    public record Request(String id, GenerationRequest generation, boolean stream, String replyTo) { }

    /** A request that cannot be served; {@code id}/{@code replyTo} are what could be read (maybe null). */
    public static final class RequestException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String code;
        private final String id;
        private final String replyTo;

        RequestException(String code, String message, String id, String replyTo) {
            super(message);
            this.code = code;
            this.id = id;
            this.replyTo = replyTo;
        }

        /** {@code bad_request} or {@code too_large}. */
        public String code() { return code; }
        public String id() { return id; }
        public String replyTo() { return replyTo; }
    }

    public Request parse(byte[] payload) throws RequestException {
        if (payload.length > maxPayloadBytes) {
            String[] addr = peekAddress(payload);
            throw new RequestException("too_large", "payload is " + payload.length + " bytes; this node accepts at most "
                    + maxPayloadBytes, addr[0], addr[1]);
        }
        if (payload.length == 0) throw new RequestException("bad_request", "empty payload: expected a JSON object", null, null);
        JsonNode root;
        try {
            root = MAPPER.readTree(payload);
        } catch (JsonProcessingException e) {
            String[] addr = peekAddress(payload);
            String where = e.getLocation() != null
                    ? " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr() : "";
            throw new RequestException("bad_request", "invalid JSON" + where + ": " + e.getOriginalMessage(), addr[0], addr[1]);
        } catch (IOException e) {
            throw new RequestException("bad_request", "invalid JSON: " + e.getMessage(), null, null);
        }
        if (root == null || root.isMissingNode()) throw new RequestException("bad_request", "empty payload: expected a JSON object", null, null);
        if (!root.isObject()) throw new RequestException("bad_request", "$: expected an object, got " + kind(root), null, null);
        // read the reply address first so that every later error can be answered
        String id = null;
        String replyTo = null;
        JsonNode idNode = root.get("id");
        if (idNode != null && idNode.isTextual() && !idNode.asText().isEmpty()) id = idNode.asText();
        JsonNode rt = root.get("reply_to");
        if (rt != null && rt.isTextual() && validTopic(rt.asText())) replyTo = rt.asText();
        try {
            return parseObject((ObjectNode) root, id, replyTo);
        } catch (Invalid e) {
            throw new RequestException("bad_request", e.getMessage(), id, replyTo);
        }
    }

    private Request parseObject(ObjectNode o, String id, String replyTo) throws Invalid {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) throw new Invalid("$." + f + ": unknown field (known: " + String.join(", ", new java.util.TreeSet<>(FIELDS)) + ")");
        }
        if (o.has("id")) {
            JsonNode n = o.get("id");
            if (!n.isTextual()) throw new Invalid("$.id: expected a string, got " + kind(n));
            if (n.asText().isEmpty()) throw new Invalid("$.id: must not be empty");
        }
        if (o.has("reply_to")) {
            JsonNode n = o.get("reply_to");
            if (!n.isTextual()) throw new Invalid("$.reply_to: expected a string, got " + kind(n));
            if (!validTopic(n.asText())) throw new Invalid("$.reply_to: not a topic one can publish to (empty, or has + # or NUL)");
        }
        GenerationRequest.Builder g = GenerationRequest.builder();
        boolean hasPrompt = o.has("prompt");
        boolean hasMessages = o.has("messages");
        if (hasPrompt == hasMessages) throw new Invalid("$: give exactly one of \"messages\" and \"prompt\"");
        if (hasPrompt) {
            g.prompt(string(o.get("prompt"), "$.prompt"));
        } else {
            JsonNode m = o.get("messages");
            if (!m.isArray()) throw new Invalid("$.messages: expected an array, got " + kind(m));
            if (m.isEmpty()) throw new Invalid("$.messages: must not be empty");
            List<Message> messages = new ArrayList<>();
            for (int i = 0; i < m.size(); i++) {
                String p = "$.messages[" + i + "]";
                JsonNode e = m.get(i);
                if (!e.isObject()) throw new Invalid(p + ": expected an object, got " + kind(e));
                for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                    String f = it.next().getKey();
                    if (!f.equals("role") && !f.equals("content")) throw new Invalid(p + "." + f + ": unknown field (known: content, role)");
                }
                if (!e.has("role")) throw new Invalid(p + ".role: missing");
                if (!e.has("content")) throw new Invalid(p + ".content: missing");
                String role = string(e.get("role"), p + ".role");
                if (role.isEmpty()) throw new Invalid(p + ".role: must not be empty");
                messages.add(new Message(role, string(e.get("content"), p + ".content")));
            }
            g.messages(messages);
        }
        int maxTokens = defaultMaxTokens;
        if (o.has("max_tokens")) {
            long v = integer(o.get("max_tokens"), "$.max_tokens");
            if (v < 1) throw new Invalid("$.max_tokens: must be >= 1, got " + v);
            if (v > maxTokensCap) throw new Invalid("$.max_tokens: " + v + " exceeds this node's cap of " + maxTokensCap);
            maxTokens = (int) v;
        }
        g.maxTokens(maxTokens);
        SamplerSpec.Builder s = SamplerSpec.builder();
        if (o.has("temperature")) {
            double t = number(o.get("temperature"), "$.temperature");
            if (t < 0) throw new Invalid("$.temperature: must be >= 0, got " + t);
            s.temperature((float) t);
        }
        if (o.has("top_k")) {
            long k = integer(o.get("top_k"), "$.top_k");
            if (k < 0 || k > Integer.MAX_VALUE) throw new Invalid("$.top_k: must be >= 0, got " + k);
            s.topK((int) k);
        }
        if (o.has("top_p")) s.topP((float) number(o.get("top_p"), "$.top_p"));
        if (o.has("min_p")) s.minP((float) number(o.get("min_p"), "$.min_p"));
        if (o.has("repeat_penalty")) s.repeatPenalty((float) number(o.get("repeat_penalty"), "$.repeat_penalty"));
        if (o.has("seed")) s.seed(integer(o.get("seed"), "$.seed"));
        try {
            g.sampler(s.build());
        } catch (IllegalArgumentException e) {
            // SamplerSpec names the field in its wire spelling (top_p, min_p, ...)
            throw new Invalid(e.getMessage().replaceFirst("^(\\w+) ", "\\$.$1: "));
        }
        if (o.has("stop")) {
            JsonNode st = o.get("stop");
            List<String> stops = new ArrayList<>();
            if (st.isTextual()) {
                stops.add(st.asText());
            } else if (st.isArray()) {
                for (int i = 0; i < st.size(); i++) stops.add(string(st.get(i), "$.stop[" + i + "]"));
            } else {
                throw new Invalid("$.stop: expected a string or an array of strings, got " + kind(st));
            }
            for (int i = 0; i < stops.size(); i++) {
                if (stops.get(i).isEmpty()) throw new Invalid("$.stop" + (st.isArray() ? "[" + i + "]" : "") + ": must not be empty");
            }
            g.stop(stops);
        }
        boolean stream = true;
        if (o.has("stream")) {
            JsonNode n = o.get("stream");
            if (!n.isBoolean()) throw new Invalid("$.stream: expected a boolean, got " + kind(n));
            stream = n.asBoolean();
        }
        return new Request(id, g.build(), stream, replyTo);
    }

    /** Parses a cancel message {@code {"id":"..."}}; returns the id. */
    public static String parseCancel(byte[] payload) throws RequestException {
        try {
            JsonNode n = MAPPER.readTree(payload);
            if (n == null || !n.isObject()) throw new RequestException("bad_request", "$: expected an object", null, null);
            JsonNode id = n.get("id");
            if (id == null || !id.isTextual() || id.asText().isEmpty()) {
                throw new RequestException("bad_request", "$.id: expected a non-empty string", null, null);
            }
            return id.asText();
        } catch (IOException e) {
            throw new RequestException("bad_request", "invalid JSON: " + e.getMessage(), null, null);
        }
    }

    /**
     * Best effort: top-level string {@code id} and {@code reply_to} read with a streaming parser (no tree is
     * built, so oversized payloads cost no memory) up to the first syntax error. Returns {id, reply_to}.
     */
    static String[] peekAddress(byte[] payload) {
        String[] out = new String[2];
        try (JsonParser p = FACTORY.createParser(payload)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return out;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.VALUE_STRING && name.equals("id") && !p.getText().isEmpty()) out[0] = p.getText();
                else if (v == JsonToken.VALUE_STRING && name.equals("reply_to") && validTopic(p.getText())) out[1] = p.getText();
                else p.skipChildren();
            }
        } catch (IOException | RuntimeException ignored) {
            // what was read before the error is all we can use
        }
        return out;
    }

    static boolean validTopic(String t) {
        return !t.isEmpty() && t.indexOf('+') < 0 && t.indexOf('#') < 0 && t.indexOf('\0') < 0;
    }

    private static String string(JsonNode n, String path) throws Invalid {
        if (!n.isTextual()) throw new Invalid(path + ": expected a string, got " + kind(n));
        return n.asText();
    }

    private static long integer(JsonNode n, String path) throws Invalid {
        if (!n.isIntegralNumber()) throw new Invalid(path + ": expected an integer, got " + kind(n));
        if (!n.canConvertToLong()) throw new Invalid(path + ": out of range");
        return n.asLong();
    }

    private static double number(JsonNode n, String path) throws Invalid {
        if (!n.isNumber()) throw new Invalid(path + ": expected a number, got " + kind(n));
        return n.asDouble();
    }

    private static String kind(JsonNode n) {
        switch (n.getNodeType()) {
            case STRING: return "a string";
            case NUMBER: return n.isIntegralNumber() ? "an integer" : "a number";
            case BOOLEAN: return "a boolean";
            case NULL: return "null";
            case ARRAY: return "an array";
            case OBJECT: return "an object";
            default: return n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }
}
