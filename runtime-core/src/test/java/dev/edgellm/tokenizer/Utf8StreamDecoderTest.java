package dev.edgellm.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Utf8StreamDecoderTest {
    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (byte) v[i];
        return out;
    }

    @Test
    void holdsBackASplitCharacter() {
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        assertEquals("", d.feed(b(0xE2)));
        assertTrue(d.hasPending());
        assertEquals("", d.feed(b(0x82)));
        assertEquals("€", d.feed(b(0xAC)));
        assertFalse(d.hasPending());
        assertEquals("", d.flush());
    }

    @Test
    void emitsTheCompletePartAtOnce() {
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        assertEquals("ab", d.feed(b('a', 'b', 0xF0, 0x9F)));
        assertEquals("", d.feed(b(0x98)));
        assertEquals("😀c", d.feed(b(0x80, 'c')));
        byte[] all = "Grüße, 世界 🦙!".getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder();
        for (byte x : all) sb.append(d.feed(new byte[] {x}));
        assertEquals("Grüße, 世界 🦙!", sb.append(d.flush()).toString());
    }

    @Test
    void invalidBytesBecomeReplacementCharactersAtOnce() {
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        assertEquals("\uFFFD", d.feed(b(0x80)), "a stray continuation byte can never complete");
        assertEquals("\uFFFDx", d.feed(b(0xFF, 'x')));
        String s = d.feed(b(0xE0, 0x80)); // E0 must be followed by A0..BF: not a prefix of any character
        assertFalse(d.hasPending());
        assertTrue(s.startsWith("\uFFFD"), s);
        assertEquals("", d.feed(b(0xF4, 0x8F)), "F4 8F.. is a valid start (up to U+10FFFF)");
        assertTrue(d.hasPending());
        assertEquals("\uFFFDa", d.feed(b('a')), "an interrupted sequence is replaced once the next byte shows it");
    }

    @Test
    void flushEmitsAnUnfinishedSequenceAsReplacement() {
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        assertEquals("ok", d.feed(b('o', 'k', 0xE2, 0x82)));
        assertEquals("\uFFFD", d.flush());
        assertFalse(d.hasPending());
        assertEquals("é", d.feed(b(0xC3, 0xA9)), "usable again after flush");
    }
}
