package dev.edgellm.chat;

import java.util.TimeZone;
import java.util.function.LongSupplier;

/**
 * How templates are compiled and rendered: the whitespace settings and the safety limits. Immutable; build
 * with {@link #builder()}. {@link #DEFAULTS} matches what Hugging Face transformers uses for
 * {@code apply_chat_template} ({@code trim_blocks=True}, {@code lstrip_blocks=True}, one trailing newline of
 * the template dropped) with limits far above what any real chat template needs but low enough that a
 * hostile template from a model file fails fast instead of hanging or exhausting memory.
 */
public final class TemplateOptions {
    /** Hugging Face compatible settings with the default limits. */
    public static final TemplateOptions DEFAULTS = builder().build();

    private final boolean trimBlocks;
    private final boolean lstripBlocks;
    private final boolean keepTrailingNewline;
    private final int maxOutputChars;
    private final long maxLoopIterations;
    private final int maxRangeLength;
    private final int maxCallDepth;
    private final int maxNesting;
    private final long maxRenderMillis;
    private final LongSupplier clock;
    private final TimeZone timeZone;

    private TemplateOptions(Builder b) {
        this.trimBlocks = b.trimBlocks;
        this.lstripBlocks = b.lstripBlocks;
        this.keepTrailingNewline = b.keepTrailingNewline;
        this.maxOutputChars = b.maxOutputChars;
        this.maxLoopIterations = b.maxLoopIterations;
        this.maxRangeLength = b.maxRangeLength;
        this.maxCallDepth = b.maxCallDepth;
        this.maxNesting = b.maxNesting;
        this.maxRenderMillis = b.maxRenderMillis;
        this.clock = b.clock;
        this.timeZone = b.timeZone;
    }

    public static Builder builder() { return new Builder(); }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.trimBlocks = trimBlocks;
        b.lstripBlocks = lstripBlocks;
        b.keepTrailingNewline = keepTrailingNewline;
        b.maxOutputChars = maxOutputChars;
        b.maxLoopIterations = maxLoopIterations;
        b.maxRangeLength = maxRangeLength;
        b.maxCallDepth = maxCallDepth;
        b.maxNesting = maxNesting;
        b.maxRenderMillis = maxRenderMillis;
        b.clock = clock;
        b.timeZone = timeZone;
        return b;
    }

    /** Jinja {@code trim_blocks}: drop the first newline after a block or comment tag. */
    public boolean trimBlocks() { return trimBlocks; }

    /** Jinja {@code lstrip_blocks}: drop spaces and tabs from the start of a line up to a block tag. */
    public boolean lstripBlocks() { return lstripBlocks; }

    /** Jinja {@code keep_trailing_newline}. */
    public boolean keepTrailingNewline() { return keepTrailingNewline; }

    /** Most characters one render may produce, and the longest string any expression may build. */
    public int maxOutputChars() { return maxOutputChars; }

    /** Most loop iterations and macro calls (all together) one render may run. */
    public long maxLoopIterations() { return maxLoopIterations; }

    /** Most elements one {@code range()} call may produce. */
    public int maxRangeLength() { return maxRangeLength; }

    /** Deepest macro call nesting (recursion included). */
    public int maxCallDepth() { return maxCallDepth; }

    /** Deepest nesting of blocks, brackets and operators in the source, and of data in tojson/compare. */
    public int maxNesting() { return maxNesting; }

    /**
     * Wall-clock budget of one render, a last line of defence: the counted limits bound the number of steps,
     * this bounds steps that are each expensive (e.g. copying a multi-megabyte string in every iteration).
     */
    public long maxRenderMillis() { return maxRenderMillis; }

    /** Milliseconds since the epoch for {@code strftime_now}. */
    public LongSupplier clock() { return clock; }

    /** Time zone for {@code strftime_now}. */
    public TimeZone timeZone() { return timeZone; }

    /** Builder for {@link TemplateOptions}. */
    public static final class Builder {
        private boolean trimBlocks = true;
        private boolean lstripBlocks = true;
        private boolean keepTrailingNewline = false;
        private int maxOutputChars = 4 << 20;
        private long maxLoopIterations = 1_000_000;
        private int maxRangeLength = 100_000;
        private int maxCallDepth = 32;
        private int maxNesting = 64;
        private long maxRenderMillis = 10_000;
        private LongSupplier clock = System::currentTimeMillis;
        private TimeZone timeZone = TimeZone.getDefault();

        private Builder() {}

        public Builder trimBlocks(boolean v) { trimBlocks = v; return this; }

        public Builder lstripBlocks(boolean v) { lstripBlocks = v; return this; }

        public Builder keepTrailingNewline(boolean v) { keepTrailingNewline = v; return this; }

        public Builder maxOutputChars(int v) { maxOutputChars = positive(v, "maxOutputChars"); return this; }

        public Builder maxLoopIterations(long v) {
            if (v <= 0) throw new IllegalArgumentException("maxLoopIterations must be > 0: " + v);
            maxLoopIterations = v;
            return this;
        }

        public Builder maxRangeLength(int v) { maxRangeLength = positive(v, "maxRangeLength"); return this; }

        public Builder maxCallDepth(int v) { maxCallDepth = positive(v, "maxCallDepth"); return this; }

        public Builder maxNesting(int v) { maxNesting = positive(v, "maxNesting"); return this; }

        public Builder maxRenderMillis(long v) {
            if (v <= 0) throw new IllegalArgumentException("maxRenderMillis must be > 0: " + v);
            maxRenderMillis = v;
            return this;
        }

        /** Clock for {@code strftime_now}; tests pass a fixed one. */
        public Builder clock(LongSupplier v) {
            if (v == null) throw new IllegalArgumentException("clock is null");
            clock = v;
            return this;
        }

        public Builder timeZone(TimeZone v) {
            if (v == null) throw new IllegalArgumentException("timeZone is null");
            timeZone = v;
            return this;
        }

        public TemplateOptions build() { return new TemplateOptions(this); }

        private static int positive(int v, String name) {
            if (v <= 0) throw new IllegalArgumentException(name + " must be > 0: " + v);
            return v;
        }
    }
}
