package dev.edgellm.mqtt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgellm.FinishReason;
import dev.edgellm.GenerationResult;
import dev.edgellm.Model;
import dev.edgellm.Session;
import dev.edgellm.SessionOptions;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves one model over MQTT v5 (DESIGN.md §3). Requests arrive on {@code {prefix}/{node}/request} (and the
 * pool's shared subscription), wait in a bounded {@link FairQueue} and run one at a time on one
 * {@link Session}; replies go to the request's Response Topic with its Correlation Data, or to
 * {@code reply_to} for v3.1.1 clients. Every accepted request gets exactly one terminal message.
 *
 * <p>The broker session survives outages (clean start off, session expiry), so QoS 1 requests published
 * while the node is away are delivered when it returns. Replies go out through a {@link PublishWindow}: while
 * the connection is down the worker waits there (generation pauses) and goes on after {@link #reconnect},
 * which resends the replies the lost connection left unacknowledged.
 */
public final class MqttService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("dev.edgellm.mqtt");

    private final Model model;
    private final String modelName;
    private final BrokerOptions broker;
    private final ServiceConfig cfg;
    private final RequestCodec codec;
    private final Session session;
    private final FairQueue<Job> queue;
    private final ServiceStats stats = new ServiceStats();
    private final String requestTopic;
    private final String cancelTopic;
    private final String statusTopic;
    private final String poolTopic;
    private final ScheduledExecutorService timer;
    /**
     * Publishes replies decided on Paho's callback thread (errors, busy, cancelled while queued). That thread
     * must never block: while it waits, Paho stops reading the socket, PUBACKs go unread and publishing stalls.
     */
    private final java.util.concurrent.ExecutorService replier;
    private final Thread worker;
    private final Object runLock = new Object();
    /** Every reply (chunks, terminal messages) is published through it, on the current {@link #client}. */
    private final PublishWindow window;
    /** Client-given ids already accepted (bounded): a QoS 1 redelivery is not run twice. */
    private final Map<String, Boolean> seen = new LinkedHashMap<>(256, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> e) {
            return size() > 10_000;
        }
    };
    private volatile MqttAsyncClient client;
    private MqttConnectionOptions options;
    private final Object reconnectLock = new Object();
    private Job running; // guarded by runLock
    /**
     * Cancelled ids with the time the cancel arrived (guarded by runLock, kept 10 s): covers a cancel that
     * lands after the worker took the job from the queue but before it became {@link #running}.
     */
    private final Map<String, Long> recentCancels = new java.util.HashMap<>();
    private volatile boolean closed;
    private volatile boolean statusDirty;

    /** One accepted request. */
    private static final class Job {
        final String id;
        final String replyTopic;
        final byte[] correlation;
        final String clientKey;
        final RequestCodec.Request request;
        final long acceptedNanos = System.nanoTime();
        final long deadlineNanos;
        volatile boolean cancelRequested;
        volatile boolean timedOut;
        volatile boolean shutdown;
        int seq;

        Job(String id, String replyTopic, byte[] correlation, RequestCodec.Request request, long timeoutNanos) {
            this.id = id;
            this.replyTopic = replyTopic;
            this.correlation = correlation;
            this.clientKey = replyTopic;
            this.request = request;
            this.deadlineNanos = acceptedNanos + timeoutNanos;
        }
    }

    /** {@code modelName} is what the status message reports (e.g. the file name). */
    public MqttService(Model model, String modelName, BrokerOptions broker, ServiceConfig cfg) {
        this.model = model;
        this.modelName = modelName;
        this.broker = broker;
        this.cfg = cfg;
        this.codec = new RequestCodec(cfg.maxPayloadBytes, cfg.maxTokensCap, cfg.defaultMaxTokens);
        this.session = model.newSession(SessionOptions.builder().contextLength(cfg.contextLength).kvType(cfg.kvType).build());
        this.queue = new FairQueue<>(cfg.queueCapacity);
        String base = cfg.prefix + "/" + cfg.nodeId + "/";
        this.requestTopic = base + "request";
        this.cancelTopic = base + "cancel";
        this.statusTopic = base + "status";
        this.poolTopic = cfg.pool == null ? null : "$share/" + cfg.pool + "/" + cfg.prefix + "/pool/" + cfg.pool + "/request";
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "edgellm-mqtt-timer"));
        this.replier = Executors.newSingleThreadExecutor(r -> daemon(r, "edgellm-mqtt-replier"));
        this.worker = daemon(this::workLoop, "edgellm-mqtt-worker");
        this.window = new PublishWindow(() -> client, () -> closed, stats);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Connects, subscribes and publishes the online status; returns once requests can be served. */
    public void start() throws MqttException, IOException, GeneralSecurityException {
        MqttConnectionOptions o = broker.toPaho();
        o.setCleanStart(false);
        o.setSessionExpiryInterval(cfg.sessionExpirySeconds);
        // Our own reconnect (see reconnect()): Paho 1.2.5's automatic one resends in-flight v5 publishes in
        // a form Mosquitto rejects as a protocol error, looping forever.
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(30);
        MqttMessage will = new MqttMessage(Replies.bytes(offlineStatus()));
        will.setQos(1);
        will.setRetained(true);
        o.setWill(statusTopic, will);
        options = o;
        connectNew();
        publishStatus();
        worker.start();
        timer.scheduleWithFixedDelay(() -> {
            if (statusDirty) publishStatus();
        }, 500, 500, TimeUnit.MILLISECONDS);
        LOG.info("serving " + modelName + " on " + broker.url() + " as node '" + cfg.nodeId + "': " + requestTopic
                + (poolTopic != null ? ", " + poolTopic : ""));
    }

    /** A fresh Paho client on the node's persistent session: subscribes, resends unacknowledged replies. */
    private void connectNew() throws MqttException {
        // a stable client id is what lets the broker keep this node's session across restarts
        MqttAsyncClient c = new MqttAsyncClient(broker.url(), "edgellm-" + cfg.nodeId, new MemoryPersistence());
        c.setCallback(new Callback(c));
        try {
            c.connect(options).waitForCompletion(30_000);
            client = c;
            subscribe().waitForCompletion(30_000);
        } catch (MqttException e) {
            try {
                c.close(true);
            } catch (MqttException ignored) {
                // already broken
            }
            throw e;
        }
        window.resendOn(c);
    }

    /** Reconnects with backoff (0.5 s doubling to 30 s) until connected or closed. */
    private void reconnect(MqttAsyncClient lost) {
        synchronized (reconnectLock) {
            if (closed || client != lost) return; // another reconnect already replaced it
            try {
                lost.close(true);
            } catch (MqttException ignored) {
                // it is gone either way
            }
            long delayMs = 500;
            while (!closed) {
                try {
                    connectNew();
                    LOG.info("reconnected to " + broker.url());
                    statusDirty = true;
                    return;
                } catch (MqttException e) {
                    LOG.fine(() -> "reconnect failed: " + e);
                }
                try {
                    Thread.sleep(delayMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                delayMs = Math.min(30_000, delayMs * 2);
            }
        }
    }

    private IMqttToken subscribe() throws MqttException {
        MqttSubscription req = new MqttSubscription(requestTopic, 1);
        MqttSubscription cancel = new MqttSubscription(cancelTopic, 1);
        MqttSubscription[] subs = poolTopic == null ? new MqttSubscription[] {req, cancel}
                : new MqttSubscription[] {req, cancel, new MqttSubscription(poolTopic, 1)};
        return client.subscribe(subs);
    }

    public ServiceStats stats() { return stats; }

    public String requestTopic() { return requestTopic; }

    public String statusTopic() { return statusTopic; }

    private final class Callback implements MqttCallback {
        private final MqttAsyncClient owner;

        Callback(MqttAsyncClient owner) {
            this.owner = owner;
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            try {
                if (topic.equals(cancelTopic)) onCancel(message);
                else onRequest(message);
            } catch (RuntimeException e) {
                // never let one message take the connection down
                stats.errors.incrementAndGet();
                LOG.log(Level.WARNING, "unexpected error handling a message on " + topic, e);
            }
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
        }

        @Override
        public void disconnected(MqttDisconnectResponse r) {
            if (closed || owner != client) return;
            LOG.warning("disconnected from broker (" + r + "); reconnecting");
            Thread t = new Thread(() -> reconnect(owner), "edgellm-mqtt-reconnect");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void mqttErrorOccurred(MqttException e) {
            LOG.warning("MQTT error: " + e);
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }

    private void onRequest(MqttMessage message) {
        MqttProperties props = message.getProperties();
        String responseTopic = props == null ? null : props.getResponseTopic();
        byte[] corr = props == null ? null : props.getCorrelationData();
        RequestCodec.Request req;
        try {
            req = codec.parse(message.getPayload());
        } catch (RequestCodec.RequestException e) {
            String to = responseTopic != null ? responseTopic : e.replyTo();
            String id = e.id() != null ? e.id() : newId();
            if (to == null) {
                stats.malformedNoReply.incrementAndGet();
                LOG.warning("dropped a malformed request with no reply address (" + e.code() + "): " + e.getMessage());
                return;
            }
            stats.errors.incrementAndGet();
            LOG.fine(() -> "rejected request " + id + ": " + e.getMessage());
            byte[] reply = Replies.bytes(Replies.error(id, 0, cfg.nodeId, e.code(), e.getMessage()));
            offReplierThread(() -> window.publish(to, corr, reply, true));
            return;
        }
        String to = responseTopic != null ? responseTopic : req.replyTo();
        String id = req.id() != null ? req.id() : newId();
        if (to == null) {
            stats.malformedNoReply.incrementAndGet();
            LOG.warning("dropped request " + id + ": no Response Topic and no reply_to");
            return;
        }
        if (req.id() != null) {
            synchronized (seen) {
                if (seen.put(to + '\u0000' + id, Boolean.TRUE) != null) {
                    stats.duplicates.incrementAndGet();
                    LOG.fine(() -> "ignored a second delivery of request " + id);
                    return;
                }
            }
        }
        Job job = new Job(id, to, corr, req, cfg.requestTimeout.toNanos());
        if (closed || !queue.offer(job.clientKey, job)) {
            stats.busy.incrementAndGet();
            String why = closed ? "node is shutting down" : "queue is full (" + cfg.queueCapacity + " waiting); retry later";
            byte[] reply = Replies.bytes(Replies.error(id, 0, cfg.nodeId, "busy", why));
            offReplierThread(() -> window.publish(to, corr, reply, true));
            return;
        }
        statusDirty = true;
    }

    private void onCancel(MqttMessage message) {
        String id;
        try {
            id = RequestCodec.parseCancel(message.getPayload());
        } catch (RequestCodec.RequestException e) {
            stats.malformedNoReply.incrementAndGet();
            LOG.warning("ignored a malformed cancel: " + e.getMessage());
            return;
        }
        List<Job> removed;
        synchronized (runLock) {
            long now = System.nanoTime();
            recentCancels.values().removeIf(t -> now - t > TimeUnit.SECONDS.toNanos(10));
            recentCancels.put(id, now);
            removed = queue.removeIf(j -> j.id.equals(id));
            if (running != null && running.id.equals(id)) {
                running.cancelRequested = true;
                session.cancel();
            }
        }
        for (Job j : removed) offReplierThread(() -> finishNotRun(j, "cancelled"));
        if (!removed.isEmpty()) statusDirty = true;
    }

    private void workLoop() {
        while (!closed) {
            Job j;
            try {
                j = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (j == null) continue;
            statusDirty = true;
            synchronized (runLock) {
                running = j;
                Long cancelledAt = recentCancels.remove(j.id);
                if (cancelledAt != null && cancelledAt - j.acceptedNanos >= 0) j.cancelRequested = true;
            }
            if (j.cancelRequested) {
                finishNotRun(j, "cancelled");
            } else if (System.nanoTime() >= j.deadlineNanos) {
                finishNotRun(j, "timeout");
            } else {
                run(j);
            }
            synchronized (runLock) {
                running = null;
            }
        }
    }

    /** Runs the job; the caller has made it {@link #running}. */
    private void run(Job j) {
        long start = System.nanoTime();
        ScheduledFuture<?> timeout = timer.schedule(() -> {
            j.timedOut = true;
            synchronized (runLock) {
                if (running == j) session.cancel();
            }
        }, j.deadlineNanos - start, TimeUnit.NANOSECONDS);
        boolean stream = j.request.stream();
        try {
            GenerationResult r = session.generate(j.request.generation(), (delta, token) -> {
                // generate() clears the session's cancel flag when it starts, so re-assert ours per token
                if (j.cancelRequested || j.timedOut || j.shutdown) session.cancel();
                if (stream && !delta.isEmpty()) window.publish(j.replyTopic, j.correlation, Replies.chunk(j.id, j.seq++, delta), false);
            });
            long end = System.nanoTime();
            ObjectNode t;
            if (r.finishReason() == FinishReason.CANCELLED && j.shutdown && !j.cancelRequested) {
                t = Replies.error(j.id, j.seq, cfg.nodeId, "internal", "node shut down during the request");
            } else {
                String reason = r.finishReason() != FinishReason.CANCELLED ? r.finishReason().wireName()
                        : j.timedOut && !j.cancelRequested ? "timeout" : "cancelled";
                t = Replies.terminal(j.id, j.seq, cfg.nodeId, reason);
            }
            if (!stream) t.put("text", r.text());
            Replies.usage(t, r.promptTokens(), r.completionTokens());
            double queueMs = (start - j.acceptedNanos) / 1e6;
            double totalMs = (end - j.acceptedNanos) / 1e6;
            Replies.timings(t, queueMs, queueMs + r.timings().ttftMs, r.timings().decodeTokensPerSecond(), totalMs);
            stats.served.incrementAndGet();
            stats.recordLatency(totalMs);
            window.publish(j.replyTopic, j.correlation, Replies.bytes(t), true);
        } catch (IllegalArgumentException e) {
            // the prompt does not fit the node's planned context (or is empty): the request's fault, not the node's
            stats.errors.incrementAndGet();
            String code = e.getMessage() != null && e.getMessage().contains("context") ? "does_not_fit" : "bad_request";
            window.publish(j.replyTopic, j.correlation, Replies.bytes(Replies.error(j.id, j.seq, cfg.nodeId, code, e.getMessage())), true);
        } catch (RuntimeException | Error e) {
            stats.errors.incrementAndGet();
            LOG.log(Level.SEVERE, "request " + j.id + " failed", e);
            window.publish(j.replyTopic, j.correlation, Replies.bytes(Replies.error(j.id, j.seq, cfg.nodeId, "internal",
                    e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : ""))), true);
            if (e instanceof Error && !(e instanceof OutOfMemoryError)) throw (Error) e;
        } finally {
            timeout.cancel(false);
            synchronized (runLock) {
                running = null;
            }
            statusDirty = true;
        }
    }

    /** Terminal message for a job that was accepted but never ran. */
    private void finishNotRun(Job j, String reason) {
        ObjectNode t = j.shutdown ? Replies.error(j.id, 0, cfg.nodeId, "internal", "node shut down before the request ran")
                : Replies.terminal(j.id, 0, cfg.nodeId, reason);
        Replies.usage(t, 0, 0);
        double waited = (System.nanoTime() - j.acceptedNanos) / 1e6;
        Replies.timings(t, waited, 0, 0, waited);
        if (j.shutdown) stats.errors.incrementAndGet();
        else stats.served.incrementAndGet();
        window.publish(j.replyTopic, j.correlation, Replies.bytes(t), true);
    }

    private ObjectNode offlineStatus() {
        return Replies.status(false, cfg, null, null, null, 0, 0, false, null);
    }

    private void publishStatus() {
        statusDirty = false;
        boolean busyNow;
        synchronized (runLock) {
            busyNow = running != null;
        }
        ObjectNode o = Replies.status(!closed, cfg, modelName, model.backendName(), session, session.contextLength(),
                queue.size(), busyNow, stats);
        try {
            MqttMessage m = new MqttMessage(Replies.bytes(o));
            m.setQos(1);
            m.setRetained(true);
            client.publish(statusTopic, m);
        } catch (MqttException e) {
            statusDirty = true; // try again on the next tick
            LOG.fine(() -> "status not published: " + e);
        }
    }

    private void offReplierThread(Runnable r) {
        try {
            replier.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.fine("node closed; a reply to a request that arrived during shutdown was not sent");
        }
    }

    private String newId() {
        return cfg.nodeId + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Stops taking requests, ends the running and queued ones with an error terminal message, marks the
     * node offline (retained) and disconnects.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (Job j : queue.removeIf(x -> true)) {
            j.shutdown = true;
            finishNotRun(j, "error");
        }
        synchronized (runLock) {
            if (running != null) {
                running.shutdown = true;
                session.cancel();
            }
        }
        try {
            worker.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timer.shutdownNow();
        replier.shutdown();
        try {
            replier.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (client != null) {
            try {
                if (client.isConnected()) {
                    publishStatus();
                    client.disconnect(5_000).waitForCompletion(5_000);
                }
            } catch (MqttException e) {
                LOG.fine(() -> "disconnect: " + e);
            }
            try {
                client.close(true);
            } catch (MqttException e) {
                LOG.fine(() -> "close: " + e);
            }
        }
        session.close();
    }
}
