package dev.edgellm.quant;

import dev.edgellm.gguf.GgmlType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * K-quant dequantization against kquant-TYPE.{bin,txt}: random and edge-case blocks with their values from
 * gen_quant_fixtures.py's own numpy dequantizer (written from ggml's layouts; checked bit-identical with
 * ggml's C dequantize_row_q*_K when the fixtures were made).
 */
class KQuantFixturesTest {
    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void dequantizesFixtureBlocksBitExactly(GgmlType type) {
        String base = "kquant-" + type.name().toLowerCase();
        byte[] raw = Fixtures.bytes(base + ".bin");
        List<String[]> expected = Fixtures.lines(base + ".txt");
        int blocks = raw.length / type.typeSize;
        assertEquals(0, raw.length % type.typeSize, "whole blocks");
        assertEquals(blocks, expected.size(), "one line per block");
        QuantFormat f = Quants.of(type);

        // all blocks in one call
        float[] all = new float[blocks * 256];
        f.dequantize(Fixtures.littleEndian(raw), 0, all, 0, all.length);
        // and block by block at an offset in a larger buffer, into an offset of the output
        byte[] shifted = new byte[raw.length + 7];
        System.arraycopy(raw, 0, shifted, 7, raw.length);
        ByteBuffer sb = Fixtures.littleEndian(shifted);
        float[] one = new float[256 + 3];
        for (int b = 0; b < blocks; b++) {
            String[] l = expected.get(b);
            String what = type + " block " + b;
            assertEquals(String.valueOf(b), l[0]);
            for (int i = 2; i < l.length; i++) {
                int want = Fixtures.hexBits(l[i]);
                float got = all[b * 256 + i - 2];
                assertEquals(want, Float.floatToRawIntBits(got),
                        what + "[" + (i - 2) + "]: expected " + Float.intBitsToFloat(want) + " got " + got);
            }
            assertEquals(l[1], Fixtures.sha256(all, b * 256, 256), what + ": SHA-256 of its 256 values");
            f.dequantize(sb, 7 + b * type.typeSize, one, 3, 256);
            assertEquals(l[1], Fixtures.sha256(one, 3, 256), what + " at an offset");
        }
    }
}
