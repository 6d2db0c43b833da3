package dev.edgellm.tokenizer;

import java.util.Arrays;

/**
 * A binary min-heap of (long key, int value) pairs without boxing: the work queue of the merge loops.
 * Keys pack the priority in the high 32 bits and the left symbol's index in the low 32, so that equal
 * priorities pop leftmost first, as llama.cpp's comparators order them. Not thread-safe.
 */
final class MergeQueue {
    private long[] keys = new long[64];
    private int[] values = new int[64];
    private int size;

    /** A key for a priority (smaller pops first) and the left symbol's index. */
    static long key(int priority, int left) {
        return ((long) priority << 32) | (left & 0xFFFFFFFFL);
    }

    /** Priority for a score where higher scores pop first (SentencePiece). */
    static int descending(float score) {
        int bits = score == 0f ? 0 : Float.floatToIntBits(score); // -0 ties with +0, as in C++
        int ascending = bits >= 0 ? bits : bits ^ 0x7FFFFFFF; // orders like the float values
        return ~ascending;
    }

    static int left(long key) { return (int) key; }

    void clear() { size = 0; }

    boolean isEmpty() { return size == 0; }

    void push(long key, int value) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        int i = size++;
        while (i > 0) { // sift up
            int parent = (i - 1) >>> 1;
            if (keys[parent] <= key) break;
            keys[i] = keys[parent];
            values[i] = values[parent];
            i = parent;
        }
        keys[i] = key;
        values[i] = value;
    }

    long peekKey() { return keys[0]; }

    int peekValue() { return values[0]; }

    void pop() {
        long key = keys[--size];
        int value = values[size];
        int i = 0;
        while (true) { // sift down
            int child = 2 * i + 1;
            if (child >= size) break;
            if (child + 1 < size && keys[child + 1] < keys[child]) child++;
            if (keys[child] >= key) break;
            keys[i] = keys[child];
            values[i] = values[child];
            i = child;
        }
        keys[i] = key;
        values[i] = value;
    }
}
