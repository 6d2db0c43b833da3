package dev.edgellm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns token bytes, fed one token at a time, into text without ever emitting half a character: an
 * incomplete UTF-8 sequence at the end of what was fed is held back until the bytes that complete it arrive
 * (a character split across {@code <0xXX>} byte tokens, or across BPE tokens). Bytes that can never form a
 * valid character are emitted as U+FFFD at once; {@link #flush()} emits whatever is still held, an
 * unfinished sequence as U+FFFD. What counts as the start of a character is the Unicode Standard's table of
 * well-formed UTF-8 byte sequences (§3.9, Table 3-7). One decoder per stream; not thread-safe.
 */
public final class Utf8StreamDecoder {
    private byte[] buf = new byte[16];
    private int len;

    /** Appends bytes; returns the text that is now complete (possibly empty). */
    public String feed(byte[] bytes) {
        return feed(bytes, 0, bytes.length);
    }

    public String feed(byte[] bytes, int off, int n) {
        if (len + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        System.arraycopy(bytes, off, buf, len, n);
        len += n;
        int complete = len - incompleteTail();
        if (complete == 0) return "";
        String text = new String(buf, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(buf, complete, buf, 0, len - complete);
        len -= complete;
        return text;
    }

    /** The bytes of token {@code id} (as {@link Tokenizer#tokenBytes(int)} gives them), decoded so far. */
    public String feed(Tokenizer tokenizer, int id) {
        return feed(tokenizer.tokenBytes(id));
    }

    /** Ends the stream: returns the held-back bytes decoded (an incomplete sequence as U+FFFD) and resets. */
    public String flush() {
        String text = len == 0 ? "" : new String(buf, 0, len, StandardCharsets.UTF_8);
        len = 0;
        return text;
    }

    /** Whether bytes are held back waiting for the rest of a character. */
    public boolean hasPending() {
        return len > 0;
    }

    /** How many bytes at the end are the valid beginning of a character whose remaining bytes are still to come. */
    private int incompleteTail() {
        int lead = len - 1;
        while (lead >= 0 && lead > len - 4 && (buf[lead] & 0xC0) == 0x80) lead--;
        if (lead < 0) return 0;
        int b0 = buf[lead] & 0xFF;
        int need = b0 >= 0xC2 && b0 <= 0xDF ? 2 : b0 >= 0xE0 && b0 <= 0xEF ? 3 : b0 >= 0xF0 && b0 <= 0xF4 ? 4 : 0;
        int have = len - lead;
        if (need == 0 || have >= need) return 0;
        if (have >= 2) { // the second byte's range depends on the lead (no overlongs, surrogates, > U+10FFFF)
            int b1 = buf[lead + 1] & 0xFF;
            int lo = b0 == 0xE0 ? 0xA0 : b0 == 0xF0 ? 0x90 : 0x80;
            int hi = b0 == 0xED ? 0x9F : b0 == 0xF4 ? 0x8F : 0xBF;
            if (b1 < lo || b1 > hi) return 0;
        }
        return have;
    }
}
