package dev.edgellm.tokenizer;

import java.io.ByteArrayOutputStream;

/**
 * The Unicode facts the tokenizers need, defined as llama.cpp defines them (src/unicode.cpp,
 * src/unicode-data.cpp): the White_Space set, a category per code point (from the JDK's Unicode tables),
 * and GPT-2's reversible byte-to-character mapping.
 */
final class Unicode {
    private Unicode() {}

    static final int OTHER = 0, LETTER = 1, NUMBER = 2, MARK = 3, PUNCTUATION = 4, SYMBOL = 5, SEPARATOR = 6,
            CONTROL = 7, UNASSIGNED = 8;

    /** Unicode's White_Space property (the set llama.cpp lists as unicode_set_whitespace). */
    static boolean isWhitespace(int c) {
        if (c < 0x80) return (c >= 0x09 && c <= 0x0D) || c == 0x20;
        return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029
                || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    /** The general category group: \p{L}, \p{N}, \p{M}, \p{P}, \p{S}, \p{Z}, \p{C}, or unassigned. */
    static int category(int c) {
        switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER: case Character.LOWERCASE_LETTER: case Character.TITLECASE_LETTER:
            case Character.MODIFIER_LETTER: case Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER: case Character.LETTER_NUMBER: case Character.OTHER_NUMBER:
                return NUMBER;
            case Character.NON_SPACING_MARK: case Character.ENCLOSING_MARK: case Character.COMBINING_SPACING_MARK:
                return MARK;
            case Character.CONNECTOR_PUNCTUATION: case Character.DASH_PUNCTUATION: case Character.START_PUNCTUATION:
            case Character.END_PUNCTUATION: case Character.INITIAL_QUOTE_PUNCTUATION:
            case Character.FINAL_QUOTE_PUNCTUATION: case Character.OTHER_PUNCTUATION:
                return PUNCTUATION;
            case Character.MATH_SYMBOL: case Character.CURRENCY_SYMBOL: case Character.MODIFIER_SYMBOL:
            case Character.OTHER_SYMBOL:
                return SYMBOL;
            case Character.SPACE_SEPARATOR: case Character.LINE_SEPARATOR: case Character.PARAGRAPH_SEPARATOR:
                return SEPARATOR;
            case Character.CONTROL: case Character.FORMAT: case Character.PRIVATE_USE: case Character.SURROGATE:
                return CONTROL;
            default:
                return UNASSIGNED;
        }
    }

    // GPT-2 bytes_to_unicode (openai/gpt-2 src/encoder.py): printable Latin-1 bytes map to themselves, the
    // other 68 bytes, in order, to U+0100 upwards, so that every byte is a visible character.
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final short[] CHAR_TO_BYTE = new short[0x144];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = (char) (printable ? b : next++);
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = (short) b;
        }
    }

    static char byteToChar(int b) { return BYTE_TO_CHAR[b & 0xFF]; }

    /** The byte a GPT-2 character stands for, or -1. */
    static int charToByte(int c) { return c >= 0 && c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1; }

    /** UTF-8 of a string; unpaired surrogates become U+FFFD (llama.cpp only ever sees valid UTF-8). */
    static byte[] utf8(CharSequence s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() + 8);
        for (int i = 0; i < s.length(); ) {
            int c = Character.codePointAt(s, i);
            i += Character.charCount(c);
            if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD;
            appendUtf8(out, c);
        }
        return out.toByteArray();
    }

    static void appendUtf8(ByteArrayOutputStream out, int c) {
        if (c < 0x80) {
            out.write(c);
        } else if (c < 0x800) {
            out.write(0xC0 | (c >> 6));
            out.write(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out.write(0xE0 | (c >> 12));
            out.write(0x80 | ((c >> 6) & 0x3F));
            out.write(0x80 | (c & 0x3F));
        } else {
            out.write(0xF0 | (c >> 18));
            out.write(0x80 | ((c >> 12) & 0x3F));
            out.write(0x80 | ((c >> 6) & 0x3F));
            out.write(0x80 | (c & 0x3F));
        }
    }
}
