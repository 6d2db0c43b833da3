package dev.edgellm.mqtt;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * A bounded queue that is fair between clients: items are taken round-robin over client keys (FIFO within a
 * client), so one client flooding the node cannot starve the others. {@link #offer} never blocks: a full
 * queue is the caller's cue to answer {@code busy}.
 */
final class FairQueue<T> {
    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    /** Insertion order is the round-robin order; a client whose turn came goes to the back. */
    private final LinkedHashMap<String, ArrayDeque<T>> byClient = new LinkedHashMap<>();
    private int size;

    FairQueue(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("queue capacity must be >= 1, got " + capacity);
        this.capacity = capacity;
    }

    boolean offer(String client, T item) {
        lock.lock();
        try {
            if (size >= capacity) return false;
            byClient.computeIfAbsent(client, k -> new ArrayDeque<>()).addLast(item);
            size++;
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The next item in round-robin order, or null after the timeout. */
    T poll(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lockInterruptibly();
        try {
            while (size == 0) {
                if (nanos <= 0) return null;
                nanos = notEmpty.awaitNanos(nanos);
            }
            Iterator<Map.Entry<String, ArrayDeque<T>>> it = byClient.entrySet().iterator();
            Map.Entry<String, ArrayDeque<T>> first = it.next();
            it.remove();
            T item = first.getValue().pollFirst();
            if (!first.getValue().isEmpty()) byClient.put(first.getKey(), first.getValue());
            size--;
            return item;
        } finally {
            lock.unlock();
        }
    }

    /** Removes and returns every queued item that matches. */
    List<T> removeIf(Predicate<T> p) {
        List<T> out = new ArrayList<>();
        lock.lock();
        try {
            for (Iterator<ArrayDeque<T>> it = byClient.values().iterator(); it.hasNext(); ) {
                ArrayDeque<T> q = it.next();
                for (Iterator<T> i = q.iterator(); i.hasNext(); ) {
                    T t = i.next();
                    if (p.test(t)) {
                        i.remove();
                        out.add(t);
                        size--;
                    }
                }
                if (q.isEmpty()) it.remove();
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }
}
