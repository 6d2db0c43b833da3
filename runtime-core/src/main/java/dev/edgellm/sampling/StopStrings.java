package dev.edgellm.sampling;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * Watches streamed text for stop strings. Feed each decoded chunk to {@link #append}; then
 * <ul>
 *   <li>{@link #stopped()} / {@link #matchedStop()} say whether a stop string occurred (the earliest one wins;
 *       at equal positions, the one listed first),</li>
 *   <li>{@link #cutIndex()} is where the visible text ends (the stop string and anything after it are dropped),
 *   </li>
 *   <li>{@link #heldBack()} is how many trailing chars are not yet safe to show because they are the start of
 *       some stop string, and</li>
 *   <li>{@link #takeEmittable()} returns the newly safe text, so a stream never shows text that later turns
 *       out to belong to a stop string. Call {@link #flush()} when generation ends without a stop.</li>
 * </ul>
 * Positions are UTF-16 char indices into {@link #text()}. Chunks appended after a stop are ignored.
 * Not thread-safe; one instance per generation.
 */
public final class StopStrings {
    private final List<String> stops;
    private final int maxLen;
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private int cut = -1;
    private String matched;
    private int held;

    /** @param stops stop strings, each non-empty; an empty collection never stops */
    public StopStrings(Collection<String> stops) {
        List<String> copy = new ArrayList<>(stops.size());
        int max = 0;
        for (String s : stops) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must be non-empty, got "
                        + (s == null ? "null" : "\"\""));
            }
            copy.add(s);
            max = Math.max(max, s.length());
        }
        this.stops = Collections.unmodifiableList(copy);
        this.maxLen = max;
    }

    public List<String> stops() {
        return stops;
    }

    /** Appends generated text; returns {@link #stopped()}. */
    public boolean append(CharSequence chunk) {
        if (chunk == null) {
            throw new NullPointerException("chunk");
        }
        if (cut >= 0) {
            return true;
        }
        int oldLen = text.length();
        text.append(chunk);
        // no match existed before, so a new one must end inside the chunk: start maxLen-1 chars back
        int from = Math.max(0, oldLen - maxLen + 1);
        for (String s : stops) {
            int at = text.indexOf(s, from);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
                matched = s;
            }
        }
        held = cut >= 0 ? 0 : partialSuffix();
        return cut >= 0;
    }

    /** Length of the longest suffix of the text that is a proper prefix of some stop string. */
    private int partialSuffix() {
        int len = text.length();
        int best = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, len); k > best; k--) {
                if (endsWith(s, k, len)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    private boolean endsWith(String s, int k, int len) {
        for (int j = 0; j < k; j++) {
            if (text.charAt(len - k + j) != s.charAt(j)) {
                return false;
            }
        }
        return true;
    }

    public boolean stopped() {
        return cut >= 0;
    }

    /** The stop string found, or null. */
    public String matchedStop() {
        return matched;
    }

    /** Index in {@link #text()} where the visible text ends, or -1 when no stop string occurred. */
    public int cutIndex() {
        return cut;
    }

    /** Trailing chars withheld because they may begin a stop string; 0 once stopped. */
    public int heldBack() {
        return held;
    }

    /** How much of {@link #text()} may be shown now. */
    public int safeLength() {
        return cut >= 0 ? cut : text.length() - held;
    }

    /** Everything appended up to and including the chunk that stopped (the stop string and beyond included). */
    public String text() {
        return text.toString();
    }

    /** The text that may be shown now: {@code text()[0, safeLength())}. */
    public String visibleText() {
        return text.substring(0, safeLength());
    }

    /** Text that became safe since the previous call (possibly empty). */
    public String takeEmittable() {
        int end = safeLength();
        String out = text.substring(emitted, end);
        emitted = end;
        return out;
    }

    /**
     * Generation ended: releases held-back text too (a partial stop string that never completed is real
     * output). Returns the not yet emitted remainder of the visible text.
     */
    public String flush() {
        held = 0;
        return takeEmittable();
    }
}
