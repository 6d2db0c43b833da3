package dev.edgellm.mqtt;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The node's outbound QoS 1 replies (chunks and terminal messages) that the broker has not acknowledged yet,
 * at most {@link #SIZE} of them. It is a class of its own because this in-flight accounting is the one part
 * of the service that must survive a change of connection: Paho refuses more publishes than the broker's
 * Receive Maximum, so a publisher past the window waits for the oldest PUBACK; and since the node uses a fresh
 * Paho client per connection (see {@link MqttService}), whatever the old client never got acknowledged is
 * resent here, by {@link #resendOn}, on the new one. Publishers block while the connection is down (the
 * worker's generation pauses) instead of losing a reply to a broker restart.
 *
 * <p>Thread-safe: the worker and the replier thread publish concurrently; the lock is the deque. Never call
 * {@link #publish} on Paho's callback thread: while it waits, Paho stops reading the socket and the PUBACKs it
 * waits for go unread.
 */
final class PublishWindow {
    private static final Logger LOG = Logger.getLogger("dev.edgellm.mqtt");
    /** QoS 1 publishes in flight before a publisher waits for PUBACKs. */
    static final int SIZE = 16;

    private final Supplier<MqttAsyncClient> client;
    private final BooleanSupplier closed;
    private final ServiceStats stats;
    /** Our QoS 1 publishes not yet acknowledged, oldest first; resent on a new connection after an outage. */
    private final ArrayDeque<Pending> inflight = new ArrayDeque<>();

    private static final class Pending {
        final String topic;
        final MqttMessage message;
        IMqttToken token;

        Pending(String topic, MqttMessage message, IMqttToken token) {
            this.topic = topic;
            this.message = message;
            this.token = token;
        }

        boolean acknowledged() {
            return token.isComplete() && token.getException() == null;
        }
    }

    /**
     * {@code client} is the service's current connection (replaced on reconnect); once {@code closed} is true
     * a publisher gives up instead of waiting for a reconnect that will not come.
     */
    PublishWindow(Supplier<MqttAsyncClient> client, BooleanSupplier closed, ServiceStats stats) {
        this.client = client;
        this.closed = closed;
        this.stats = stats;
    }

    /** After a reconnect: resends on {@code c} every publish the previous connection left unacknowledged. */
    void resendOn(MqttAsyncClient c) throws MqttException {
        synchronized (inflight) {
            for (Pending p : inflight) {
                if (!p.acknowledged()) p.token = c.publish(p.topic, p.message);
            }
            inflight.notifyAll();
        }
    }

    /**
     * Publishes at QoS 1, waiting for the oldest PUBACK past {@link #SIZE}. While disconnected it retries
     * until the reconnect (chunks for up to a minute, terminal messages ({@code essential}) for ten), so no
     * reply is lost to a broker restart; past that the failure is counted and logged, not thrown.
     */
    void publish(String topic, byte[] correlation, byte[] payload, boolean essential) {
        MqttMessage m = new MqttMessage(payload);
        m.setQos(1);
        if (correlation != null) {
            MqttProperties p = new MqttProperties();
            p.setCorrelationData(correlation);
            m.setProperties(p);
        }
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(essential ? 600 : 60);
        synchronized (inflight) {
            while (true) {
                MqttAsyncClient c = client.get();
                try {
                    while (!inflight.isEmpty() && inflight.peekFirst().acknowledged()) inflight.pollFirst();
                    if (inflight.size() >= SIZE) {
                        if (System.nanoTime() > giveUp || (closed.getAsBoolean() && !c.isConnected())) throw new MqttException(MqttClientException.REASON_CODE_CLIENT_TIMEOUT);
                        Pending first = inflight.peekFirst();
                        if (c.isConnected() && first.token.isComplete()) {
                            first.token = c.publish(first.topic, first.message); // failed with a lost connection
                        } else if (c.isConnected()) {
                            inflight.wait(1); // not waitForCompletion: let other publishers have the lock meanwhile
                        } else {
                            inflight.wait(50); // disconnected: resendOn() wakes us
                        }
                        continue;
                    }
                    inflight.addLast(new Pending(topic, m, c.publish(topic, m)));
                    return;
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (MqttException e) {
                    int rc = e.getReasonCode();
                    boolean retry = rc == MqttClientException.REASON_CODE_MAX_INFLIGHT
                            || rc == MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED
                            || rc == MqttClientException.REASON_CODE_DISCONNECTED_BUFFER_FULL
                            || rc == MqttClientException.REASON_CODE_CONNECT_IN_PROGRESS
                            || rc == MqttClientException.REASON_CODE_CLIENT_TIMEOUT;
                    if (!retry || System.nanoTime() > giveUp || (closed.getAsBoolean() && !client.get().isConnected())) {
                        stats.publishFailures.incrementAndGet();
                        LOG.warning("could not publish to " + topic + ": " + e);
                        return;
                    }
                    try {
                        inflight.wait(rc == MqttClientException.REASON_CODE_MAX_INFLIGHT ? 1 : 50);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }
}
