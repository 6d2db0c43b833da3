package dev.edgellm.chat;

import java.util.Objects;

/**
 * One chat message: a role ({@code "system"}, {@code "user"}, {@code "assistant"}, or any other role a
 * template understands, such as {@code "tool"}) and its text. Rendered to templates as the dict
 * {@code {'role': ..., 'content': ...}}, the shape Hugging Face chat templates expect. Immutable.
 */
public final class Message {
    private final String role;
    private final String content;

    public Message(String role, String content) {
        this.role = Objects.requireNonNull(role, "role");
        this.content = Objects.requireNonNull(content, "content");
    }

    public static Message of(String role, String content) { return new Message(role, content); }

    public static Message system(String content) { return new Message("system", content); }

    public static Message user(String content) { return new Message("user", content); }

    public static Message assistant(String content) { return new Message("assistant", content); }

    public String role() { return role; }

    public String content() { return content; }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof Message)) return false;
        Message m = (Message) o;
        return role.equals(m.role) && content.equals(m.content);
    }

    @Override
    public int hashCode() { return 31 * role.hashCode() + content.hashCode(); }

    @Override
    public String toString() {
        return role + ": " + (content.length() > 60 ? content.substring(0, 57) + "..." : content);
    }
}
