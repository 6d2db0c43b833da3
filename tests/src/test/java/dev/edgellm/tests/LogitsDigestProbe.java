package dev.edgellm.tests;

import dev.edgellm.Engine;
import dev.edgellm.Model;
import dev.edgellm.Session;
import dev.edgellm.SessionOptions;
import dev.edgellm.kv.KvCacheType;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Child-JVM entry of {@link SimdDeterminismTest}: evaluates the same token sequence {@code reps} times in fresh
 * sessions (a prompt of {@code promptLength} tokens, then {@code steps} single tokens fed greedily) and prints one
 * line per repetition: the SHA-256 of every logit's bits. The first repetitions run while the kernels are still
 * interpreted or C1-compiled, the last ones after C2 has compiled them, so equal lines mean the backend's results
 * do not depend on the JIT's state. Args: model, backend, KV type, threads, promptLength, steps, reps.
 */
public final class LogitsDigestProbe {
    private LogitsDigestProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        KvCacheType kv = KvCacheType.valueOf(args[2].toUpperCase(java.util.Locale.ROOT));
        int threads = Integer.parseInt(args[3]), promptLength = Integer.parseInt(args[4]);
        int steps = Integer.parseInt(args[5]), reps = Integer.parseInt(args[6]);
        try (Model m = Engine.builder().backend(args[1]).threads(threads).build().load(model)) {
            int vocab = m.config().vocabSize;
            int[] prompt = new int[promptLength];
            prompt[0] = 1;
            for (int i = 1; i < promptLength; i++) prompt[i] = 3 + (i * 37) % (vocab - 3);
            for (int r = 0; r < reps; r++) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                try (Session s = m.newSession(SessionOptions.builder().contextLength(promptLength + steps + 1)
                        .kvType(kv).build())) {
                    float[] logits = s.evaluate(prompt);
                    for (int step = 0; ; step++) {
                        for (float f : logits) {
                            int b = Float.floatToRawIntBits(f);
                            sha.update(new byte[] {(byte) b, (byte) (b >>> 8), (byte) (b >>> 16), (byte) (b >>> 24)});
                        }
                        if (step == steps) break;
                        logits = s.evaluate(new int[] {argmax(logits)});
                    }
                }
                System.out.println(HexFormat.of().formatHex(sha.digest()));
            }
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
