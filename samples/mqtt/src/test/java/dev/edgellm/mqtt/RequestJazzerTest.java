package dev.edgellm.mqtt;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of what a node reads from strangers on the network (Jazzer): any payload either
 * parses into a request within the node's limits or fails with {@link RequestCodec.RequestException}
 * carrying a documented code; any other exception, or a hang (Jazzer's per-input timeout), is a bug. The
 * committed inputs (request JSON of DESIGN.md §3 and near misses) run in every {@code mvn test}. Fuzz with
 * {@code JAZZER_FUZZ=1 mvn -pl samples/mqtt test -Dtest=RequestJazzerTest -Djazzer.max_duration=10m}.
 */
class RequestJazzerTest {
    static final int MAX_PAYLOAD = 4096, CAP = 512;
    static final RequestCodec CODEC = new RequestCodec(MAX_PAYLOAD, CAP, 256);

    @FuzzTest(maxDuration = "10m")
    void parseArbitraryPayload(FuzzedDataProvider in) {
        boolean cancel = in.consumeBoolean();
        byte[] payload = in.consumeRemainingAsBytes();
        try {
            if (cancel) {
                String id = RequestCodec.parseCancel(payload);
                if (id == null || id.isEmpty()) throw new IllegalStateException("cancel parsed to an empty id");
                return;
            }
            RequestCodec.Request r = CODEC.parse(payload);
            int max = r.generation().maxTokens();
            if (max < 1 || max > CAP) throw new IllegalStateException("max_tokens " + max + " escaped the cap " + CAP);
        } catch (RequestCodec.RequestException e) {
            String code = e.code();
            if (!code.equals("bad_request") && !code.equals("too_large")) throw new IllegalStateException("undocumented code " + code, e);
            if (e.getMessage() == null || e.getMessage().isEmpty()) throw new IllegalStateException("error without a message", e);
        }
    }
}
