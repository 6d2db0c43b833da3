package dev.edgellm;

import java.util.Locale;

/** Why a generation ended. The lower-case names are the wire values of DESIGN.md §3. */
public enum FinishReason {
    /** End-of-generation token or a stop string. */
    STOP,
    /** max tokens reached, or the context is full. */
    LENGTH,
    /** {@link Session#cancel()} was called. */
    CANCELLED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
