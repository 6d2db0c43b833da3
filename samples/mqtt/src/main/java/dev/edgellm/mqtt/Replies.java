package dev.edgellm.mqtt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON payloads the node sends (DESIGN.md §3): chunks and terminal messages. */
final class Replies {
    static final ObjectMapper JSON = new ObjectMapper();

    private Replies() {
    }

    static byte[] chunk(String id, int seq, String delta) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("seq", seq);
        o.put("delta", delta);
        return bytes(o);
    }

    /** A terminal message without usage or timings, for requests that never ran. */
    static ObjectNode terminal(String id, int seq, String node, String finishReason) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("seq", seq);
        o.put("done", true);
        o.put("node", node);
        o.put("finish_reason", finishReason);
        return o;
    }

    static ObjectNode error(String id, int seq, String node, String code, String message) {
        ObjectNode o = terminal(id, seq, node, "error");
        ObjectNode e = o.putObject("error");
        e.put("code", code);
        e.put("message", message);
        return o;
    }

    static ObjectNode usage(ObjectNode o, int promptTokens, int completionTokens) {
        ObjectNode u = o.putObject("usage");
        u.put("prompt_tokens", promptTokens);
        u.put("completion_tokens", completionTokens);
        return o;
    }

    static ObjectNode timings(ObjectNode o, double queueMs, double ttftMs, double decodeTokS, double totalMs) {
        ObjectNode t = o.putObject("timings");
        t.put("queue_ms", round(queueMs));
        t.put("ttft_ms", round(ttftMs));
        t.put("decode_tok_s", round(decodeTokS));
        t.put("total_ms", round(totalMs));
        return o;
    }

    /** The retained status message; offline ({@code online} false) carries only state and node. */
    static ObjectNode status(boolean online, ServiceConfig cfg, String modelName, String backend, dev.edgellm.Session session,
                             int ctx, int queued, boolean running, ServiceStats stats) {
        ObjectNode o = JSON.createObjectNode();
        o.put("state", online ? "online" : "offline");
        o.put("node", cfg.nodeId);
        if (!online) return o;
        o.put("model", modelName);
        o.put("backend", backend);
        if (cfg.profile != null) o.put("profile", cfg.profile);
        else o.putNull("profile"); // not planned (embedded use without the planner)
        ObjectNode plan = o.putObject("plan");
        plan.put("ctx", ctx);
        if (cfg.profile != null) plan.put("predicted_peak_bytes", cfg.predictedPeakBytes);
        plan.put("kv_type", session.kvCache().type().toString().toLowerCase(java.util.Locale.ROOT));
        plan.put("max_tokens_cap", cfg.maxTokensCap);
        plan.put("queue_capacity", cfg.queueCapacity);
        if (cfg.pool != null) o.put("pool", cfg.pool);
        o.put("queue", queued);
        o.put("running", running);
        stats.writeTo(o);
        return o;
    }

    static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    static byte[] bytes(ObjectNode o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a reply", e); // never for ObjectNode trees
        }
    }
}
