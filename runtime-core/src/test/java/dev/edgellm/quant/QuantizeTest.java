package dev.edgellm.quant;

import dev.edgellm.TestData;
import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.GgufFile;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.gguf.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The float -> block encoders against ggml's reference quantizers (quantize_row_*_ref). */
class QuantizeTest {
    interface Quantizer {
        void quantize(float[] src, int srcOffset, ByteBuffer dst, int byteOffset, int n);
    }

    static Quantizer quantizer(GgmlType type) {
        switch (type) {
            case F16: return F16::quantize;
            case BF16: return BF16::quantize;
            case Q8_0: return Q8_0::quantize;
            case Q4_0: return Q4_0::quantize;
            case Q4_1: return Q4_1::quantize;
            case Q5_0: return Q5_0::quantize;
            case Q5_1: return Q5_1::quantize;
            default: throw new IllegalArgumentException(type.name());
        }
    }

    static byte[] quantize(GgmlType type, float[] x, int offset, int n) {
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(type.byteSize(n))).order(ByteOrder.LITTLE_ENDIAN);
        quantizer(type).quantize(x, offset, out, 0, n);
        return out.array();
    }

    /**
     * The stories260K q8_0/q4_0/q4_1/q5_0/q5_1/f16 files were encoded from the F32 file by gguf_tool.py, whose
     * encoders are byte-identical with ggml's: re-encoding the F32 tensors must give the same bytes.
     */
    @ParameterizedTest
    @EnumSource(names = {"F16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void reproducesTheQuantizedModelFiles(GgmlType type) throws IOException {
        GgufFile original = GgufFile.open(TestData.model("stories260K.gguf"));
        GgufFile encoded = GgufFile.open(TestData.model("stories260K-" + type.name().toLowerCase() + ".gguf"));
        int compared = 0;
        for (TensorInfo t : encoded.tensors()) {
            if (t.type() != type) continue; // norms (and, for 32-blocks, ffn_down with rows of 172) stay F32
            TensorInfo src = original.tensor(t.name());
            assertEquals(GgmlType.F32, src.type());
            float[] x = ModelTensorsTest.dequantize(original.map(src));
            byte[] got = quantize(type, x, 0, x.length);
            byte[] want = bytes(encoded.map(t));
            for (int i = 0; i < want.length; i++) {
                if (got[i] != want[i]) {
                    int block = i / type.typeSize;
                    fail(type + " " + t.name() + ": byte " + i + " (block " + block + ", byte " + i % type.typeSize
                            + ") is " + (got[i] & 0xFF) + ", the file has " + (want[i] & 0xFF));
                }
            }
            assertEquals(want.length, got.length);
            compared++;
        }
        // README §1.3: F16 re-encodes all 37 two-dimensional weights, the 32-element block formats 32 of them
        assertEquals(type == GgmlType.F16 ? 37 : 32, compared, "tensors compared");
    }

    private static byte[] bytes(TensorData d) {
        byte[] out = new byte[Math.toIntExact(d.info().byteSize())];
        for (long r = 0; r < d.info().rows(); r++) {
            ByteBuffer b = d.buffer(r);
            int off = d.rowOffset(r);
            for (int i = 0; i < d.rowBytes(); i++) out[Math.toIntExact(r * d.rowBytes() + i)] = b.get(off + i);
        }
        return out;
    }

    /** Edge cases (ties, zero/constant/denormal blocks, fp16 overflow) encoded by ggml-exact encoders. */
    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void matchesReferenceEncodingOfEdgeCases(GgmlType type) {
        float[] x = Fixtures.floats(Fixtures.bytes("quantize-input.f32"));
        byte[] want = Fixtures.bytes("quantize-" + type.name().toLowerCase() + ".bin");
        // at an offset in both source and destination
        float[] shifted = new float[x.length + 5];
        System.arraycopy(x, 0, shifted, 5, x.length);
        ByteBuffer out = ByteBuffer.allocate(want.length + 3).order(ByteOrder.LITTLE_ENDIAN);
        quantizer(type).quantize(shifted, 5, out, 3, x.length);
        byte[] got = new byte[want.length];
        System.arraycopy(out.array(), 3, got, 0, got.length);
        for (int i = 0; i < want.length; i++) {
            if (got[i] != want[i]) {
                fail(type + ": block " + i / type.typeSize + " byte " + i % type.typeSize + " is " + (got[i] & 0xFF)
                        + ", expected " + (want[i] & 0xFF));
            }
        }
    }

    /** Encoding then decoding stays within the format's step: what a quantized KV cache relies on. */
    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void roundTripErrorIsWithinOneStep(GgmlType type) {
        Random rnd = new Random(11);
        float[] x = new float[32 * 64];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(5) - 2));
        byte[] q = quantize(type, x, 0, x.length);
        float[] y = new float[x.length];
        Quants.of(type).dequantize(Fixtures.littleEndian(q), 0, y, 0, x.length);
        // step: the largest |x| / (levels on that side); symmetric formats clamp one side, so allow one step
        double levels = type == GgmlType.Q8_0 ? 127 : type == GgmlType.Q4_0 ? 8 : type == GgmlType.Q5_0 ? 16
                : type == GgmlType.Q4_1 ? 15 / 2.0 : 31 / 2.0;
        for (int b = 0; b < x.length / 32; b++) {
            double amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[32 * b + j]));
            double step = amax / levels;
            for (int j = 0; j < 32; j++) {
                int i = 32 * b + j;
                double err = Math.abs(x[i] - y[i]);
                // plus the fp16 rounding of d (times the quant) and of Q4_1/Q5_1's m: a relative 2^-11 of amax
                double allowed = (type == GgmlType.Q8_0 ? 0.5 : 1.0) * step + amax * 0x1p-10;
                assertTrue(err <= allowed, type + " element " + i + ": " + x[i] + " -> " + y[i]);
            }
        }
    }

    @Test
    void halfAndBfloat16EncodersRoundTripTheirOwnValues() {
        Random rnd = new Random(5);
        float[] x = new float[1000];
        for (int i = 0; i < x.length; i++) x[i] = Float16.halfToFloat(rnd.nextInt(0x7C00) | (rnd.nextBoolean() ? 0x8000 : 0));
        float[] y = new float[x.length];
        Quants.of(GgmlType.F16).dequantize(Fixtures.littleEndian(quantize(GgmlType.F16, x, 0, x.length)), 0, y, 0, x.length);
        assertArrayEquals(x, y);
        for (int i = 0; i < x.length; i++) x[i] = Float16.bf16ToFloat(rnd.nextInt(0x7F80) | (rnd.nextBoolean() ? 0x8000 : 0));
        Quants.of(GgmlType.BF16).dequantize(Fixtures.littleEndian(quantize(GgmlType.BF16, x, 0, x.length)), 0, y, 0, x.length);
        assertArrayEquals(x, y);
    }
}
