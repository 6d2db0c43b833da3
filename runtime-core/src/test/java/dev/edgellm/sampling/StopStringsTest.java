package dev.edgellm.sampling;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopStringsTest {

    /** Streams the chunks and returns everything a client would have been shown, flush included. */
    private static String stream(StopStrings s, String... chunks) {
        StringBuilder shown = new StringBuilder();
        for (String c : chunks) {
            s.append(c);
            shown.append(s.takeEmittable());
        }
        return shown.append(s.flush()).toString();
    }

    @Test
    void emptyListNeverStopsOrHoldsBack() {
        StopStrings s = new StopStrings(List.of());
        assertFalse(s.append("hello </s>"));
        assertEquals(0, s.heldBack());
        assertEquals(-1, s.cutIndex());
        assertEquals("hello </s>", s.takeEmittable());
        assertNull(s.matchedStop());
    }

    @Test
    void stopSplitAcrossChunksIsFoundAndNeverShown() {
        StopStrings s = new StopStrings(List.of("</s>"));
        assertFalse(s.append("Hello <"));
        assertEquals(1, s.heldBack());
        assertEquals("Hello ", s.takeEmittable());
        assertFalse(s.append("/"));
        assertEquals(2, s.heldBack());
        assertEquals("", s.takeEmittable());
        assertTrue(s.append("s> world"));
        assertEquals(6, s.cutIndex());
        assertEquals("</s>", s.matchedStop());
        assertEquals(0, s.heldBack());
        assertEquals("", s.takeEmittable());
        assertEquals("Hello ", s.visibleText());
        assertEquals("Hello </s> world", s.text());
    }

    @Test
    void heldBackTextIsReleasedWhenItStopsMatching() {
        StopStrings s = new StopStrings(List.of("</s>"));
        s.append("a <");
        assertEquals("a ", s.takeEmittable());
        s.append("b>");
        assertEquals(0, s.heldBack());
        assertEquals("<b>", s.takeEmittable());
        assertFalse(s.stopped());
    }

    @Test
    void heldBackIsTheLongestSuffixThatStartsAStop() {
        StopStrings s = new StopStrings(List.of("aab"));
        s.append("aa");
        assertEquals(2, s.heldBack());
        s.append("a");
        assertEquals(2, s.heldBack(), "only the last two a's can still become aab");
        assertEquals("a", s.takeEmittable());
        assertTrue(s.append("b"));
        assertEquals(1, s.cutIndex());
        assertEquals("a", s.visibleText());
    }

    @Test
    void unfinishedPrefixIsFlushedAtTheEnd() {
        StopStrings s = new StopStrings(List.of("\nUser:"));
        assertEquals("Answer: 42\nUs", stream(s, "Answer", ": 42", "\nUs"));
        assertFalse(s.stopped());
    }

    @Test
    void earliestOfSeveralStopsWins() {
        StopStrings s = new StopStrings(List.of("STOP", "\n\n", "User:"));
        assertTrue(s.append("foo User: bar\n\nSTOP"));
        assertEquals(4, s.cutIndex());
        assertEquals("User:", s.matchedStop());
        assertEquals("foo ", s.visibleText());
    }

    @Test
    void atTheSamePositionTheFirstListedWins() {
        StopStrings s = new StopStrings(List.of("ab", "abc"));
        s.append("xabc");
        assertEquals(1, s.cutIndex());
        assertEquals("ab", s.matchedStop());
    }

    @Test
    void overlappingStopsAcrossChunks() {
        StopStrings s = new StopStrings(List.of("abcd", "bce"));
        assertFalse(s.append("xabc"));
        assertEquals(3, s.heldBack(), "abc may become abcd");
        assertEquals("x", s.takeEmittable());
        assertTrue(s.append("e"));
        assertEquals("bce", s.matchedStop());
        assertEquals(2, s.cutIndex());
        assertEquals("a", s.takeEmittable());
    }

    @Test
    void oneCharAtATimeMatchesFeedingAllAtOnce() {
        String text = "The answer is <|im_end|> and more";
        StopStrings whole = new StopStrings(List.of("<|im_end|>", "<|endoftext|>"));
        whole.append(text);
        StopStrings chars = new StopStrings(List.of("<|im_end|>", "<|endoftext|>"));
        String[] chunks = text.split("");
        assertEquals("The answer is ", stream(chars, chunks));
        assertEquals(whole.cutIndex(), chars.cutIndex());
        assertEquals("<|im_end|>", chars.matchedStop());
    }

    @Test
    void stopAtTheVeryStartAndChunksAfterAStopAreIgnored() {
        StopStrings s = new StopStrings(Arrays.asList("###"));
        assertTrue(s.append("###"));
        assertEquals(0, s.cutIndex());
        assertTrue(s.append("more"));
        assertEquals("###", s.text());
        assertEquals("", s.flush());
    }

    @Test
    void rejectsEmptyAndNullStops() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new StopStrings(List.of("ok", "")));
        assertEquals("stop strings must be non-empty, got \"\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new StopStrings(Arrays.asList("ok", null)));
        assertEquals("stop strings must be non-empty, got null", e.getMessage());
    }
}
