package dev.edgellm.quant;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/** Reads the fixtures written by src/test/tools/gen_quant_fixtures.py (test resources of this package). */
final class Fixtures {
    private Fixtures() {}

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing test resource " + name + " next to " + Fixtures.class);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ByteBuffer littleEndian(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Non-comment lines of a text fixture, split on blanks. */
    static List<String[]> lines(String name) {
        List<String[]> out = new ArrayList<>();
        for (String line : new String(bytes(name), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) out.add(line.trim().split("\\s+"));
        }
        return out;
    }

    static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        littleEndian(b).asFloatBuffer().get(f);
        return f;
    }

    /** SHA-256 (hex) of float32 little-endian bytes of {@code v[from .. from+n)}, as numpy's tobytes(). */
    static String sha256(float[] v, int from, int n) {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) b.putInt(Float.floatToRawIntBits(v[from + i]));
        try {
            StringBuilder sb = new StringBuilder();
            for (byte x : MessageDigest.getInstance("SHA-256").digest(b.array())) sb.append(String.format("%02x", x));
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Float bits written as 8 hex digits. */
    static int hexBits(String s) {
        return Integer.parseUnsignedInt(s, 16);
    }
}
