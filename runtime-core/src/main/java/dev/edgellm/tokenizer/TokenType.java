package dev.edgellm.tokenizer;

/**
 * Token types as stored in {@code tokenizer.ggml.token_type}; the codes are llama.cpp's
 * {@code llama_token_type} (0 undefined, 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte).
 */
public enum TokenType {
    UNDEFINED(0), NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

    private static final TokenType[] BY_CODE = values();

    private final int code;

    TokenType(int code) { this.code = code; }

    /** The value stored in GGUF. */
    public int code() { return code; }

    /** The type for a stored code; codes outside 0..6 are {@link #UNDEFINED}, as llama.cpp treats them. */
    public static TokenType fromCode(int code) {
        return code >= 1 && code <= 6 ? BY_CODE[code] : UNDEFINED;
    }
}
