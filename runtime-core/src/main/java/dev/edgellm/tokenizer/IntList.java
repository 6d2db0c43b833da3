package dev.edgellm.tokenizer;

import java.util.Arrays;

/** A growable int array; avoids boxing on the tokenizer's hot paths. Not thread-safe. */
final class IntList {
    private int[] a;
    private int n;

    IntList(int capacity) { a = new int[Math.max(4, capacity)]; }

    void add(int v) {
        if (n == a.length) a = Arrays.copyOf(a, a.length * 2);
        a[n++] = v;
    }

    int get(int i) { return a[i]; }

    int size() { return n; }

    /** Drops the elements from {@code size} on. */
    void truncate(int size) { n = Math.min(n, size); }

    int[] toArray() { return Arrays.copyOf(a, n); }
}
