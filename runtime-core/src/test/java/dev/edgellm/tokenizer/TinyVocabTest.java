package dev.edgellm.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The merge rules on hand-made vocabularies, where the expected result follows from the algorithm alone. */
class TinyVocabTest {
    @TempDir
    Path dir;

    private static final String S = "\u2581";

    private Tokenizer spm(String[] tokens, float[] scores) throws Exception {
        return Tokenizer.fromGguf(TestGguf.spm(tokens, scores).open(dir, "spm"));
    }

    private Tokenizer bpe(String[] tokens, String... merges) throws Exception {
        return Tokenizer.fromGguf(TestGguf.bpe(tokens, merges).open(dir, "bpe"));
    }

    @Test
    void spmMergesTheHighestScoreFirst() throws Exception {
        String[] t = {"<unk>", "<s>", "</s>", S, "a", "b", "ab", S + "a", "ba"};
        // "▁aba": ▁a, ab and ba all score -1: the leftmost (▁a) wins, then ba
        Tokenizer tie = spm(t, new float[] {0, 0, 0, -5, -5, -5, -1, -1, -1});
        assertArrayEquals(new int[] {7, 8}, tie.encode("aba", false, false));
        // ab scores best: ▁ + ab + a, and neither ▁ab nor aba is a token
        Tokenizer ab = spm(t, new float[] {0, 0, 0, -5, -5, -5, -0.5f, -1, -1});
        assertArrayEquals(new int[] {3, 6, 4}, ab.encode("aba", false, false));
        assertArrayEquals(new int[] {1, 3, 6, 4}, ab.encode("aba", true, false));
        assertEquals("aba", ab.decode(ab.encode("aba", true, false)));
    }

    @Test
    void spmFallsBackToBytesThenToUnknown() throws Exception {
        String[] withBytes = {"<unk>", "<s>", "</s>", S, "a", "<0x63>", "<0xC3>", "<0xA9>"};
        Tokenizer t = spm(withBytes, new float[8]);
        assertArrayEquals(new int[] {3, 4, 5, 6, 7}, t.encode("ac\u00E9", false, false));
        assertEquals("ac\u00E9", t.decode(t.encode("ac\u00E9", false, false)));
        Tokenizer noBytes = spm(new String[] {"<unk>", "<s>", "</s>", S, "a"}, new float[5]);
        assertArrayEquals(new int[] {3, 4, 0}, noBytes.encode("ac", false, false));
    }

    @Test
    void bpeMergesTheLowestRankFirst() throws Exception {
        String[] t = {"a", "b", "c", "ab", "bc", "abc"};
        assertArrayEquals(new int[] {0, 4}, bpe(t, "b c", "a b", "ab c").encode("abc", false, false),
                "b c ranks first; a + bc is no merge");
        assertArrayEquals(new int[] {5}, bpe(t, "a b", "b c", "ab c").encode("abc", false, false));
    }

    @Test
    void bpeTiesGoToTheLeftmostPair() throws Exception {
        assertArrayEquals(new int[] {1, 0}, bpe(new String[] {"a", "aa"}, "a a").encode("aaa", false, false));
        assertArrayEquals(new int[] {1, 1}, bpe(new String[] {"a", "aa"}, "a a").encode("aaaa", false, false));
    }

    @Test
    void bpeMergeWhoseResultIsNoTokenFallsBackToBytes() throws Exception {
        assertArrayEquals(new int[] {0, 1}, bpe(new String[] {"a", "b"}, "a b").encode("ab", false, false));
    }

    @Test
    void bpeWordsAreMergedSeparately() throws Exception {
        // "Ġ" is GPT-2's character for the space byte
        Tokenizer t = bpe(new String[] {"a", "b", "\u0120", "\u0120a", "ab", "\u0120ab"}, "\u0120 a", "a b", "\u0120a b");
        assertArrayEquals(new int[] {4, 5}, t.encode("ab ab", false, false));
        assertEquals("ab ab", t.decode(t.encode("ab ab", false, false)));
    }
}
