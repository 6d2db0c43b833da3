package dev.edgellm.mqtt;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/** Aggregate counters of an {@link MqttService}; the status message carries them. Thread-safe. */
public final class ServiceStats {
    /** Requests that got a non-error terminal message (stop, length, cancelled, timeout). */
    public final AtomicLong served = new AtomicLong();
    /** Error terminal messages sent (bad_request, too_large, internal); busy is counted apart. */
    public final AtomicLong errors = new AtomicLong();
    public final AtomicLong busy = new AtomicLong();
    /** Malformed requests (or cancels) with no address to answer: logged and counted, nothing else. */
    public final AtomicLong malformedNoReply = new AtomicLong();
    /** QoS 1 redeliveries of an id already accepted, not run again. */
    public final AtomicLong duplicates = new AtomicLong();
    public final AtomicLong publishFailures = new AtomicLong();

    private final double[] recent = new double[1024]; // total_ms of the last requests, a ring
    private long recorded;

    synchronized void recordLatency(double ms) {
        recent[(int) (recorded++ % recent.length)] = ms;
    }

    /** Latency percentile (0..100) over the last 1024 served requests, 0 when none. */
    public synchronized double latencyPercentile(double p) {
        int n = (int) Math.min(recorded, recent.length);
        if (n == 0) return 0;
        double[] s = Arrays.copyOf(recent, n);
        Arrays.sort(s);
        return s[Math.min(n - 1, (int) Math.ceil(p / 100.0 * n) - 1 < 0 ? 0 : (int) Math.ceil(p / 100.0 * n) - 1)];
    }

    void writeTo(ObjectNode o) {
        o.put("served", served.get());
        o.put("errors", errors.get());
        o.put("busy", busy.get());
        o.put("malformed_no_reply", malformedNoReply.get());
        o.put("duplicates", duplicates.get());
        o.put("p50_ms", Replies.round(latencyPercentile(50)));
        o.put("p95_ms", Replies.round(latencyPercentile(95)));
    }
}
