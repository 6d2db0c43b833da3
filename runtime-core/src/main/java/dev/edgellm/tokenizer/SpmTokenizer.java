package dev.edgellm.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * llama.cpp's SentencePiece-style tokenizer ({@code llm_tokenizer_spm}, src/llama-vocab.cpp, after
 * llama.cpp commit 074bea2e): the text (with a leading space where the vocabulary asks for one) has its
 * spaces replaced by U+2581 "▁" and is split into characters; then the adjacent pair whose concatenation is
 * the vocabulary token with the highest score is merged, leftmost first on ties, until no pair forms a token.
 * A character that is not a token becomes its UTF-8 bytes as {@code <0xXX>} tokens (or the unknown token
 * when the vocabulary has no byte tokens).
 */
public final class SpmTokenizer extends BaseTokenizer {
    private static final char ESCAPED_SPACE = '\u2581';

    private final int[] byteTokens = new int[256];

    SpmTokenizer(Vocabulary vocab) {
        super(vocab);
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id == Vocabulary.NONE && b < 0x80) id = vocab.id(String.valueOf((char) b));
            byteTokens[b] = id;
        }
    }

    @Override
    void encodeText(String fragment, boolean afterSpecial, IntList out) {
        String text = (vocab.addSpacePrefix() && afterSpecial ? " " + fragment : fragment).replace(' ', ESCAPED_SPACE);
        // one symbol per code point: start (char index), length in chars (0 once merged away), neighbours
        int n = text.codePointCount(0, text.length());
        int[] start = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0, pos = 0; i < n; i++) {
            int cp = text.codePointAt(pos);
            start[i] = pos;
            len[i] = Character.charCount(cp);
            pos += len[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        MergeQueue queue = new MergeQueue();
        for (int i = 1; i < n; i++) tryAddPair(text, start, len, i - 1, i, queue);
        while (!queue.isEmpty()) {
            int left = MergeQueue.left(queue.peekKey());
            int size = queue.peekValue();
            queue.pop();
            int right = next[left];
            // stale: one side was merged since this pair was queued
            if (len[left] == 0 || right < 0 || len[left] + len[right] != size) continue;
            len[left] += len[right];
            len[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) tryAddPair(text, start, len, prev[left], left, queue);
            if (next[left] >= 0) tryAddPair(text, start, len, left, next[left], queue);
        }
        for (int i = 0; i >= 0; i = next[i]) {
            int id = vocab.id(text, start[i], start[i] + len[i]);
            if (id != Vocabulary.NONE) {
                out.add(id);
                continue;
            }
            for (byte b : Unicode.utf8(text.substring(start[i], start[i] + len[i]))) {
                int t = byteTokens[b & 0xFF];
                if (t == Vocabulary.NONE) t = vocab.unkId();
                if (t != Vocabulary.NONE) out.add(t);
            }
        }
    }

    private void tryAddPair(String text, int[] start, int[] len, int left, int right, MergeQueue queue) {
        int end = start[right] + len[right];
        int id = vocab.id(text, start[left], end);
        if (id == Vocabulary.NONE) return;
        queue.push(MergeQueue.key(MergeQueue.descending(vocab.score(id)), left), end - start[left]);
    }

    @Override
    byte[] normalBytes(int id) {
        return vocab.token(id).replace(ESCAPED_SPACE, ' ').getBytes(StandardCharsets.UTF_8);
    }
}
