package dev.edgellm.simd;

import dev.edgellm.gguf.GgmlType;
import dev.edgellm.gguf.TensorData;
import dev.edgellm.gguf.TensorInfo;
import dev.edgellm.quant.Quants;
import dev.edgellm.spi.ScalarKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import static dev.edgellm.RandomTensors.randomFloats;
import static dev.edgellm.RandomTensors.randomTensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The repacked layouts (Q4_0, Q5_0, Q8_0, Q4_K, Q5_K, Q6_K): lossless, read back exactly, and correct on a file mapping whose pages were released. */
class Interleaved8Test {
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q5_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void repackedRowsDequantizeExactlyAsTheReference(GgmlType type) {
        Interleaved8 format = Interleaved8.forType(type);
        // a full span (where the format has them) and two groups in the plain layout
        int blocks = format.blockElements() == 256 ? 9 : 67, rows = 8 * (format.span() + 2), n = format.blockElements() * blocks;
        TensorData w = randomTensor(type, n, rows, new Random(3));
        MemorySegment src = MemorySegment.ofBuffer(w.buffer(0));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment packed = arena.allocate(format.packedBytes(rows / 8, blocks));
            long source = w.rowBytes() * (long) rows;
            // Q5_0's span: 1120 (560) bytes per block where its 6 (3) groups' take 1056 (528)
            long spanExtra = type == GgmlType.Q5_0 ? (format.spanBlockBytes() - (long) format.span() * format.groupBlockBytes()) * blocks : 0;
            assertEquals(type == GgmlType.Q4_K ? source * 1184 / 1152 : type == GgmlType.Q5_K ? source * 1440 / 1408 : source + spanExtra,
                    packed.byteSize(), "copy size");
            format.repack(rows(src, w.rowBytes()), 0, rows / 8, rows / 8, blocks, packed);
            float[] want = new float[n], got = new float[n + 5];
            for (int r = 0; r < rows; r++) {
                Quants.of(type).dequantize(w.buffer(r), w.rowOffset(r), want, 0, n);
                format.dequantizeRow(packed, r, rows / 8, blocks, got, 5);
                assertArrayEquals(want, java.util.Arrays.copyOfRange(got, 5, n + 5), "row " + r);
            }
        }
    }

    /**
     * Rows rounded to bf16 for prefill tiles: each format's dequantizeRowBf16 gives exactly toBf16 of its float row,
     * for spanned and plain groups, with finite, infinite and NaN scales.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q5_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void rowsToBf16AreTheFloatRowsRounded(GgmlType type) {
        Interleaved8 format = Interleaved8.forType(type);
        int blocks = format.blockElements() == 256 ? 3 : 9, rows = 8 * (format.span() + 2), n = format.blockElements() * blocks; // a span and two alone
        TensorData w = randomTensor(type, n, rows, new Random(13));
        if (format.blockElements() == 32) { // scales of inf, -inf and NaNs in a few blocks
            ByteBuffer buf = w.buffer(0).duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int blockBytes = (int) type.byteSize(32);
            buf.putShort(3 * blockBytes, (short) 0x7C00);
            buf.putShort(20 * blockBytes, (short) 0xFC00);
            buf.putShort(100 * blockBytes, (short) 0x7E00);
            buf.putShort(150 * blockBytes, (short) 0x7FFF); // a NaN whose rounding would carry into the sign bit
        }
        MemorySegment src = MemorySegment.ofBuffer(w.buffer(0));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment packed = arena.allocate(format.packedBytes(rows / 8, blocks));
            format.repack(rows(src, w.rowBytes()), 0, rows / 8, rows / 8, blocks, packed);
            MemorySegment want = arena.allocate(2L * n + 6), got = arena.allocate(2L * n + 6);
            float[] row = new float[n], scratch = new float[n];
            for (int r = 0; r < rows; r++) {
                format.dequantizeRow(packed, r, rows / 8, blocks, row, 0);
                PrefillGemm.toBf16(row, 0, want, 6, n);
                format.dequantizeRowBf16(packed, r, rows / 8, blocks, scratch, got, 6);
                assertEquals(-1, want.mismatch(got), "row " + r);
            }
        }
    }

    /**
     * Q8_0's, Q4_0's and (with its 48-row spans) Q5_0's prefill tiles are column-major, filled a group at a time: the
     * same floats as their rows, exactly, or those floats rounded to bf16 (oneDNN's tiles); groups in a span and alone.
     */
    @ParameterizedTest
    @CsvSource({"Q8_0, false", "Q8_0, true", "Q4_0, false", "Q4_0, true", "Q5_0, false", "Q5_0, true"})
    void groupsDequantizeIntoColumnsExactlyAsTheirRows(GgmlType type, boolean bf16) {
        Interleaved8 format = Interleaved8.forType(type);
        if (type == GgmlType.Q5_0) org.junit.jupiter.api.Assumptions.assumeTrue(format.span() > 1, "Q5_0 spans on");
        assertTrue(format.columnTiles());
        int blocks = 5, rows = 8 * (format.span() + 1), n = 32 * blocks, ld = rows + 3; // 3 rows of the tile not ours
        TensorData w = randomTensor(type, n, rows, new Random(4));
        if (type != GgmlType.Q8_0) { // scales of inf, -inf and NaNs, in a span and alone: Q4_0's and Q5_0's convert them exactly
            ByteBuffer buf = w.buffer(0).duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int blockBytes = (int) type.byteSize(32);
            for (int blk : new int[] {3, 21, 5 * rows - 7}) buf.putShort(blk * blockBytes, (short) 0x7C00);
            buf.putShort(12 * blockBytes, (short) 0xFC00);
            buf.putShort(30 * blockBytes, (short) 0x7E00);
            buf.putShort((5 * rows - 2) * blockBytes, (short) 0x7FFF); // a NaN whose rounding would carry into the sign bit
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment packed = arena.allocate(format.packedBytes(rows / 8, blocks));
            format.repack(rows(MemorySegment.ofBuffer(w.buffer(0)), w.rowBytes()), 0, rows / 8, rows / 8, blocks, packed);
            MemorySegment tile = arena.allocate(4L * n * ld);
            tile.fill((byte) 0x7F);
            for (int g = 0; g < rows / 8; g += format.groupsAt(g, rows / 8)) {
                for (int b = 0; b < blocks; b += 2) { // in ranges of blocks, as the backend's workers split them
                    format.dequantizeGroupColumns(packed, g, rows / 8, blocks, b, Math.min(blocks, b + 2), tile, ld, 8L * g, bf16);
                }
            }
            float[] want = new float[n];
            for (int r = 0; r < rows; r++) {
                Quants.of(type).dequantize(w.buffer(r), w.rowOffset(r), want, 0, n);
                for (int c = 0; c < n; c++) {
                    long at = (long) c * ld + r;
                    if (bf16) assertEquals(PrefillGemm.bf16(want[c]), tile.getAtIndex(Vec.SHORT, at), "row " + r + " column " + c);
                    else assertEquals(want[c], tile.getAtIndex(ValueLayout.JAVA_FLOAT, at), "row " + r + " column " + c);
                }
            }
            for (int c = 0; c < n; c++) { // the tile's other rows are not written
                for (int r = rows; r < ld; r++) {
                    long at = (long) c * ld + r;
                    if (bf16) assertEquals((short) 0x7F7F, tile.getAtIndex(Vec.SHORT, at));
                    else assertEquals(0x7F7F7F7F, tile.getAtIndex(ValueLayout.JAVA_INT, at));
                }
            }
        }
    }

    /**
     * The 128-bit column fills of Q8_0's and Q4_0's plain 8-row groups (NEON CPUs' prefill tiles; here at 128 bits
     * inside a wider JVM): the same values as the rows, exactly or rounded to bf16; Q4_0's inf and NaN scales too.
     */
    @ParameterizedTest
    @CsvSource({"Q8_0, false", "Q8_0, true", "Q4_0, false", "Q4_0, true"})
    void columnFillsAt128BitsAreTheRows(GgmlType type, boolean bf16) {
        Interleaved8 format = Interleaved8.forType(type);
        int blocks = 5, groups = 2, rows = 8 * groups, n = 32 * blocks, ld = rows + 3;
        TensorData w = randomTensor(type, n, rows, new Random(6));
        if (type == GgmlType.Q4_0) {
            ByteBuffer buf = w.buffer(0).duplicate().order(ByteOrder.LITTLE_ENDIAN);
            buf.putShort(3 * 18, (short) 0x7C00);
            buf.putShort(12 * 18, (short) 0xFC00);
            buf.putShort(30 * 18, (short) 0x7FFF);
        }
        MemorySegment packed = Arena.ofAuto().allocate(format.packedBytes(groups, blocks));
        format.repack(rows(MemorySegment.ofBuffer(w.buffer(0)), w.rowBytes()), 0, groups, groups, blocks, packed);
        MemorySegment tile = Arena.ofAuto().allocate(4L * n * ld);
        tile.fill((byte) 0x7F);
        for (int g = 0; g < groups; g++) { // not in a span: the plain layout, group after group
            long base = format.packedBytes(g, blocks);
            for (int b = 0; b < blocks; b += 2) {
                if (type == GgmlType.Q8_0) Q8_0x8.columns128(packed, base, Q8_0x8.GROUP_BLOCK_BYTES, b, Math.min(blocks, b + 2), tile, ld, 8L * g, bf16);
                else Q4_0x8.columns128(packed, base, b, Math.min(blocks, b + 2), tile, ld, 8L * g, bf16);
            }
        }
        float[] want = new float[n];
        for (int r = 0; r < ld; r++) {
            if (r < rows) Quants.of(type).dequantize(w.buffer(r), w.rowOffset(r), want, 0, n);
            for (int c = 0; c < n; c++) {
                long at = (long) c * ld + r;
                if (r >= rows) assertEquals(bf16 ? 0x7F7F : 0x7F7F7F7F, bf16 ? tile.getAtIndex(Vec.SHORT, at) : tile.getAtIndex(ValueLayout.JAVA_INT, at));
                else if (bf16) assertEquals(PrefillGemm.bf16(want[c]), tile.getAtIndex(Vec.SHORT, at), "row " + r + " column " + c);
                else assertEquals(want[c], tile.getAtIndex(ValueLayout.JAVA_FLOAT, at), "row " + r + " column " + c);
            }
        }
    }

    /**
     * The memory planner adds C2's larger compile for the formats that run the 256-bit pair kernel without seeing
     * this module: the same types, on a profile without AVX-512 and on one with it (where Q4_0 runs its 512-bit
     * pair kernel). This module's tests run with the raised recompilation cutoff, so pairs are on.
     */
    @ParameterizedTest
    @EnumSource(GgmlType.class)
    void thePlannerKnowsWhichTypesRunTheNarrowPairKernel(GgmlType type) {
        Interleaved8 format = Interleaved8.forType(type);
        dev.edgellm.profiles.DeviceProfile avx2 = dev.edgellm.profiles.ProfileCatalog.builtin().get("x86-laptop-16gb");
        dev.edgellm.profiles.DeviceProfile avx512 = avx2.withIsa(java.util.List.of("avx512f", "avx512bw"));
        assertTrue(Interleaved8.PAIRS, "pairs on in this module's tests");
        boolean pairs = format != null && Interleaved8.PAIRS && format.narrowPairKernel();
        assertEquals(pairs, dev.edgellm.planner.MemoryPlanner.simdNarrowPairKernel(type, avx2), type + " on AVX2");
        assertEquals(pairs && !format.widePairKernel(), dev.edgellm.planner.MemoryPlanner.simdNarrowPairKernel(type, avx512),
                type + " on AVX-512");
    }

    /**
     * The memory planner sizes the repacked copies without seeing this module: it must name the same types as
     * {@link Interleaved8#forType} and the same bytes per 8-row group as the formats (k groups of one block each).
     * Where a span's layout takes more than its groups' bytes (Q5_0's) the planner counts every group at the span's
     * rate: over by at most the groups past the last span.
     */
    @ParameterizedTest
    @EnumSource(GgmlType.class)
    void thePlannerKnowsWhichTypesAreRepackedAndTheirSize(GgmlType type) {
        Interleaved8 format = Interleaved8.forType(type);
        dev.edgellm.profiles.ProfileCatalog profiles = dev.edgellm.profiles.ProfileCatalog.builtin();
        assertEquals(format != null, dev.edgellm.planner.MemoryPlanner.simdRepacks(type, profiles.get("x86-laptop-16gb")),
                type + " repacked with 256-bit vectors");
        assertEquals(format != null, dev.edgellm.planner.MemoryPlanner.simdRepacks(type, profiles.get("rpi5-8gb")),
                type + " repacked with 128-bit NEON");
        for (long groups : new long[] {1, 7, 1000, 6000}) {
            long fileBytes = groups * Interleaved8.ROWS * (format == null ? 32 : format.sourceBlockBytes());
            long planned = dev.edgellm.planner.MemoryPlanner.simdRepackedBytes(type, fileBytes);
            if (format == null) {
                assertEquals(-1, planned, type + " is not repacked");
                continue;
            }
            long packed = format.packedBytes((int) groups, 1);
            int span = format.span();
            long outside = span > 1 ? groups % span : 0;
            long over = outside * (format.spanBlockBytes() - (long) span * format.groupBlockBytes()) / span;
            assertTrue(planned >= packed && planned <= packed + over + 1,
                    type + ", " + groups + " groups: planned " + planned + ", packed " + packed);
        }
    }

    /**
     * The kernels convert the 8 rows' f16 scales in vector registers with integer shifts: every class of finite
     * half (zero, -0, subnormals, the smallest and largest normals, both signs) must come out as the scalar
     * reference's {@code Float.float16ToFloat}.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q5_0", "Q8_0"})
    void decodeConvertsEveryClassOfFiniteScaleExactly(GgmlType type) {
        short[] halves = {0x0000, (short) 0x8000, 0x0001, (short) 0x8001, 0x03FF, (short) 0x83FF, 0x0400,
                (short) 0x8400, 0x3C00, (short) 0xBC00, 0x7BFF, (short) 0xFBFF, 0x2E66, (short) 0xAE66, 0x1234, 0x5555};
        int n = 64, rows = 8;
        TensorData w = randomTensor(type, n, rows, new Random(5));
        ByteBuffer buf = w.buffer(0).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int blockBytes = (int) type.byteSize(32);
        for (int i = 0; i < rows * n / 32; i++) buf.putShort(i * blockBytes, halves[i % halves.length]);
        float[] x = new float[n];
        x[3] = 1f; // one activation: the output is the weight times the (exactly quantized) activation
        x[40] = -0.5f;
        Interleaved8 format = Interleaved8.forType(type);
        float[] got = dotOneGroup(format, w, x, n), row = new float[n];
        for (int r = 0; r < rows; r++) {
            Quants.of(type).dequantize(w.buffer(r), w.rowOffset(r), row, 0, n);
            float want = row[3] * 1f + row[40] * -0.5f; // both activations quantize exactly (±127 steps of their block)
            // float rounding of the activation scales (1/127, 0.5/127) only: terms may cancel to an exact 0 in want
            assertEquals(want, got[r], (Math.abs(row[3]) + Math.abs(row[40] * 0.5f)) * 1e-6f, "row " + r);
        }
    }

    /**
     * The kernels sum a block's products per short lane in 16 bits: exact only while those sums fit a short. The
     * extremes: every quant at its minimum (0; Q8_0: 127) or maximum (15, 31; Q8_0: -128) against activations of
     * ±127 steps.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q5_0", "Q8_0"})
    void decodeIsExactAtTheLimitsOfItsSixteenBitSums(GgmlType type) {
        int n = 128, rows = 8, blockBytes = (int) type.byteSize(32);
        Interleaved8 format = Interleaved8.forType(type);
        for (int pattern = 0; pattern < 4; pattern++) {
            TensorData w = randomTensor(type, n, rows, new Random(7));
            ByteBuffer buf = w.buffer(0).duplicate().order(ByteOrder.LITTLE_ENDIAN);
            boolean max = pattern % 2 == 1;
            for (int blk = 0; blk < rows * n / 32; blk++) {
                int at = blk * blockBytes;
                buf.putShort(at, (short) 0x3C00); // d = 1
                byte fill = type == GgmlType.Q8_0 ? (max ? Byte.MIN_VALUE : Byte.MAX_VALUE) : (max ? (byte) 0xFF : 0);
                for (int i = 2; i < blockBytes; i++) buf.put(at + i, fill); // qh and nibbles, or the 8-bit quants
            }
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = pattern < 2 ? (max ? -1f : 1f) : (i % 3 == 0 ? 1f : -1f);
            float[] got = dotOneGroup(format, w, x, n), row = new float[n];
            for (int r = 0; r < rows; r++) {
                Quants.of(type).dequantize(w.buffer(r), w.rowOffset(r), row, 0, n);
                double want = 0;
                for (int i = 0; i < n; i++) want += row[i] * x[i]; // ±1 activations quantize exactly (±127 steps)
                assertEquals(want, got[r], Math.abs(want) * 1e-6, type + " pattern " + pattern + " row " + r);
            }
        }
    }

    /**
     * Q6_K's kernel multiplies its quants unsigned (0..63) and sums 8 products per short lane modulo 2^16 from an
     * offset of -32 · Σ x: exact only because the signed sum fits a short. The extremes: every quant at -32 or 31,
     * scales at -128, 1 and 127, against activations of ±127 steps; then the int sums of two halves times their
     * scales (up to 2 · 65024 · 128) must convert to float exactly.
     */
    @Test
    void q6_kDecodeIsExactAtTheLimitsOfItsSixteenBitSums() {
        int n = 512, rows = 8, blockBytes = 210;
        Interleaved8 format = Interleaved8.forType(GgmlType.Q6_K);
        byte[] scales = {-128, 1, 127};
        for (int pattern = 0; pattern < 6; pattern++) {
            TensorData w = randomTensor(GgmlType.Q6_K, n, rows, new Random(8));
            ByteBuffer buf = w.buffer(0).duplicate().order(ByteOrder.LITTLE_ENDIAN);
            boolean max = pattern % 2 == 1;
            for (int blk = 0; blk < rows * n / 256; blk++) {
                int at = blk * blockBytes;
                for (int i = 0; i < 192; i++) buf.put(at + i, max ? (byte) 0xFF : 0); // ql, qh: every quant 31 or -32
                for (int i = 0; i < 16; i++) buf.put(at + 192 + i, scales[(blk + i + pattern / 2) % 3]);
                buf.putShort(at + 208, (short) 0x3C00); // d = 1
            }
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = pattern < 4 ? (max ? 1f : -1f) : (i % 3 == 0 ? 1f : -1f);
            float[] got = dotOneGroup(format, w, x, n), row = new float[n];
            for (int r = 0; r < rows; r++) {
                Quants.of(GgmlType.Q6_K).dequantize(w.buffer(r), w.rowOffset(r), row, 0, n);
                double want = 0;
                for (int i = 0; i < n; i++) want += row[i] * x[i]; // ±1 activations quantize exactly (±127 steps)
                assertEquals(want, got[r], Math.abs(want) * 1e-6, "pattern " + pattern + " row " + r);
            }
        }
    }

    /**
     * Q8_0's 512-bit kernel (chosen where the CPU has AVX-512; elsewhere it runs in the Vector API's Java fallback)
     * sums the same integers as the 256-bit one in another order, so both give the same floats: on random data and
     * on the extremes of its 16-bit sums (-128 · -127 in every lane).
     */
    @Test
    void q8_0WideKernelMatchesTheNarrowOneExactly() {
        int blocks = 67, n = 32 * blocks, groups = 2;
        for (int pattern = 0; pattern < 2; pattern++) {
            TensorData w = randomTensor(GgmlType.Q8_0, n, 8 * groups, new Random(11));
            float[] x = randomFloats(new Random(12), n);
            if (pattern == 1) {
                ByteBuffer buf = w.buffer(0).duplicate();
                for (int blk = 0; blk < 8 * groups * blocks; blk++) {
                    for (int i = 2; i < 34; i++) buf.put(blk * 34 + i, Byte.MIN_VALUE);
                }
                java.util.Arrays.fill(x, -1f);
            }
            MemorySegment packed = Arena.ofAuto().allocate(Q8_0x8.FORMAT.packedBytes(groups, blocks));
            Q8_0x8.FORMAT.repack(rows(MemorySegment.ofBuffer(w.buffer(0)), w.rowBytes()), 0, groups, groups, blocks, packed);
            QuantizedInput q = new QuantizedInput();
            q.quantize(x, 0, n);
            float[] narrow = new float[8 * groups], wide = new float[8 * groups];
            for (int g = 0; g < groups; g++) {
                Q8_0x8.dot(packed, Q8_0x8.FORMAT.packedBytes(g, blocks), blocks, q, narrow, 8 * g);
                Q8_0x8.dotWide(packed, Q8_0x8.FORMAT.packedBytes(g, blocks), blocks, q, wide, 8 * g);
            }
            assertArrayEquals(narrow, wide, "pattern " + pattern);
        }
    }

    /**
     * The 128-bit 8-row kernels (NEON CPUs; here run at 128 bits inside a wider JVM) take each half of a group's rows
     * through the 256-bit kernel's steps, so they give the same floats: on random data and at the extremes of the 16-bit
     * sums (d and dmin 1, every other byte at its extreme: Q8_0 quants -128; the others all bits set, so the largest
     * quants and scales, against activations of ±127 steps).
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q5_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void kernels128MatchThe256BitOnesExactly(GgmlType type) {
        Interleaved8 format = Interleaved8.forType(type);
        int blocks = format.blockElements() == 256 ? 9 : 67, n = format.blockElements() * blocks, groups = 3;
        int blockBytes = (int) type.byteSize(format.blockElements());
        int[] halves = type == GgmlType.Q4_K || type == GgmlType.Q5_K ? new int[] {0, 2} : type == GgmlType.Q6_K ? new int[] {208} : new int[] {0};
        for (int pattern = 0; pattern < 3; pattern++) {
            TensorData w = randomTensor(type, n, 8 * groups, new Random(13 + pattern));
            float[] x = randomFloats(new Random(14), n);
            if (pattern > 0) {
                ByteBuffer buf = w.buffer(0).duplicate().order(ByteOrder.LITTLE_ENDIAN);
                byte fill = type == GgmlType.Q8_0 ? Byte.MIN_VALUE : (byte) 0xFF;
                for (int blk = 0; blk < 8 * groups * blocks; blk++) {
                    for (int i = 0; i < blockBytes; i++) buf.put(blk * blockBytes + i, fill);
                    for (int at : halves) buf.putShort(blk * blockBytes + at, (short) 0x3C00);
                }
                for (int i = 0; i < n; i++) x[i] = pattern == 1 ? -1f : (i % 3 == 0 ? 1f : -1f);
            }
            MemorySegment packed = Arena.ofAuto().allocate(format.packedBytes(groups, blocks));
            format.repack(rows(MemorySegment.ofBuffer(w.buffer(0)), w.rowBytes()), 0, groups, groups, blocks, packed);
            QuantizedInput q = new QuantizedInput();
            q.quantize(x, 0, n);
            float[] want = new float[8 * groups], got = new float[8 * groups];
            for (int g = 0; g < groups; g++) { // the groups in the plain 8-row layout (with 512-bit vectors Q4_K pairs 0 and 1)
                if (format.spanned(g, groups)) continue;
                long base = format.blockOffset(g, 0, groups, blocks);
                switch (type) {
                    case Q8_0 -> {
                        Q8_0x8.dot(packed, base, blocks, q, want, 8 * g);
                        Q8_0x8.dot128(packed, base, blocks, q, got, 8 * g);
                    }
                    case Q4_0 -> {
                        Q4_0x8.dot(packed, base, blocks, q, want, 8 * g);
                        Q4_0x8.dot128(packed, base, blocks, q, got, 8 * g);
                    }
                    case Q5_0 -> {
                        format.dotGroup(packed, base, blocks, q, want, 8 * g);
                        Q5_0x8.dot128(packed, base, blocks, q, got, 8 * g);
                    }
                    case Q4_K -> {
                        format.dotGroup(packed, base, blocks, q, want, 8 * g); // 256 bits in this JVM
                        Q4_Kx8.dot128(packed, base, blocks, q, got, 8 * g);
                    }
                    case Q5_K -> {
                        format.dotGroup(packed, base, blocks, q, want, 8 * g);
                        Q5_Kx8.dot128(packed, base, blocks, q, got, 8 * g);
                    }
                    default -> {
                        format.dotGroup(packed, base, blocks, q, want, 8 * g);
                        Q6_Kx8.dot128(packed, base, blocks, q, got, 8 * g);
                    }
                }
            }
            for (float v : want) assertTrue(pattern == 0 || Float.isFinite(v), type + " pattern " + pattern + ": finite sums");
            assertArrayEquals(want, got, type + " pattern " + pattern);
        }
    }

    /**
     * Q4_0 (spans of 4 or 8 groups), Q5_0 (3 or 6), Q8_0 (with 512-bit vectors, spans of 4) and the K-quants (pairs)
     * store full spans of groups together and dot them together: the same integers and floats in the same order as
     * one group at a time, so the same results, on random data and at the 16-bit limits; two spans and a lone last
     * group in the plain layout. Q4_0's, Q5_0's and Q8_0's span kernels run on every CPU (without AVX-512, the 512-bit ones
     * in the Vector API's Java code), so a machine without spans still tests them.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q5_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void spanKernelMatchesSingleGroupsExactly(GgmlType type) {
        Interleaved8 format = Interleaved8.forType(type);
        // Q8_0 spans only at 512 bits; Q5_0's widest span (48 rows) is at 512
        int span = format.span(), widest = format == Q8_0x8.FORMAT ? 4 : format == Q5_0x8.FORMAT ? 6 : span;
        org.junit.jupiter.api.Assumptions.assumeTrue(widest > 1, type + " spans on this CPU");
        int k = format.blockElements(), groups = 2 * widest + 1, blocks = k == 256 ? 9 : 67, n = k * blocks, rows = 8 * groups;
        int blockBytes = (int) type.byteSize(k);
        // the quants' bytes: after the f16 scale (Q4_0, Q5_0: qh too) or d, dmin and scales (Q4_K, Q5_K: qh too); Q6_K's come first
        int q0 = switch (type) { case Q4_K, Q5_K -> 16; case Q6_K -> 0; default -> 2; }, q1 = type == GgmlType.Q6_K ? 192 : blockBytes;
        for (int pattern = 0; pattern < 3; pattern++) {
            TensorData w = randomTensor(type, n, rows, new Random(13 + pattern));
            float[] x = randomFloats(new Random(14), n);
            if (pattern > 0) { // every quant at its minimum or maximum against activations of -127 steps
                ByteBuffer buf = w.buffer(0).duplicate();
                for (int blk = 0; blk < rows * blocks; blk++) {
                    byte fill = type == GgmlType.Q8_0 ? (pattern == 1 ? Byte.MAX_VALUE : Byte.MIN_VALUE) : (pattern == 1 ? 0 : (byte) 0xFF);
                    for (int i = q0; i < q1; i++) buf.put(blk * blockBytes + i, fill);
                }
                java.util.Arrays.fill(x, -1f);
            }
            MemorySegment src = MemorySegment.ofBuffer(w.buffer(0));
            MemorySegment packed = Arena.ofAuto().allocate(format.packedBytes(groups, blocks));
            format.repack(rows(src, w.rowBytes()), 0, groups, groups, blocks, packed);
            QuantizedInput q = new QuantizedInput();
            q.quantize(x, 0, n);
            float[] spans = new float[rows], single = new float[rows];
            for (int g = 0; g < groups; g += format.groupsAt(g, groups)) format.dot(packed, g, groups, blocks, q, spans, 8 * g);
            byte[][] ones = new byte[groups][];
            for (int g = 0; g < groups; g++) { // each group's rows repacked alone, in the plain layout
                MemorySegment one = Arena.ofAuto().allocate(format.packedBytes(1, blocks));
                format.repack(rows(src.asSlice((long) 8 * g * w.rowBytes()), w.rowBytes()), 0, 1, 1, blocks, one);
                format.dotGroup(one, 0, blocks, q, single, 8 * g);
                ones[g] = one.toArray(ValueLayout.JAVA_BYTE);
            }
            for (SpanCase c : spanCases(type)) { // every width's layout and kernel, whichever this CPU runs
                byte[] plain = new byte[c.width * ones[0].length], bytes = new byte[c.blockBytes * blocks];
                for (int g = 0; g < c.width; g++) System.arraycopy(ones[g], 0, plain, g * ones[0].length, ones[0].length);
                c.pack.pack(plain, blocks, bytes);
                float[] got = new float[8 * c.width];
                c.dot.dot(MemorySegment.ofArray(bytes), 0, blocks, q, got, 0);
                assertArrayEquals(java.util.Arrays.copyOf(single, 8 * c.width), got, c.width * 8 + "-row span kernel, pattern " + pattern);
            }
            if (span == 1) continue; // no spans on this CPU: nothing else to compare
            assertTrue(format.spanned(0, groups) && !format.spanned(groups - 1, groups), "layout (this module's tests run with the raised recompilation cutoff, which turns spans on)");
            if (pattern == 0) assertTrue(Float.isFinite(spans[0]) && spans[0] != 0f, "a real sum: " + spans[0]);
            assertArrayEquals(single, spans, type + " pattern " + pattern);
        }
    }

    /** A span layout of {@code width} groups ({@code blockBytes} per block) and its kernel, called directly. */
    private record SpanCase(int width, int blockBytes, Packer pack, SpanKernel dot) {}

    private interface Packer {
        void pack(byte[] plain, int blocks, byte[] packed);
    }

    private interface SpanKernel {
        void dot(MemorySegment w, long base, int blocks, QuantizedInput x, float[] out, int o);
    }

    /** The span layouts of {@code type} at every width (Q8_0's only at 512 bits), whatever this CPU runs. */
    private static java.util.List<SpanCase> spanCases(GgmlType type) {
        int q4 = Q4_0x8.GROUP_BLOCK_BYTES;
        return switch (type) {
            case Q4_0 -> java.util.List.of(
                    new SpanCase(4, 4 * q4, (plain, blocks, packed) -> Q4_0x8.packSpan(4, plain, blocks, packed), Q4_0x8::spanDot),
                    new SpanCase(8, 8 * q4, (plain, blocks, packed) -> Q4_0x8.packSpan(8, plain, blocks, packed), Q4_0x8::spanDotWide));
            case Q5_0 -> java.util.List.of(
                    new SpanCase(3, Q5_0x8.spanBlockBytes(3), (plain, blocks, packed) -> Q5_0x8.packSpan(3, plain, blocks, packed), Q5_0x8::spanDot),
                    new SpanCase(6, Q5_0x8.spanBlockBytes(6), (plain, blocks, packed) -> Q5_0x8.packSpan(6, plain, blocks, packed), Q5_0x8::spanDotWide));
            case Q8_0 -> java.util.List.of(new SpanCase(4, 4 * Q8_0x8.GROUP_BLOCK_BYTES, Q8_0x8.FORMAT::packSpan, Q8_0x8::spanDotWide));
            default -> java.util.List.of();
        };
    }

    /**
     * The repacked kernels and every row kernel allocate nothing once compiled (the decode allocation test runs the
     * bundled Q8_0 model, so it reaches only Q8_0's): checked in a fresh JVM with this one's flags ({@link KernelAllocationCheck}), since
     * in this one the other tests' calls (interpreter, C1, other shapes) shape what C2 makes of the kernels.
     * Up to three JVMs, one of which must be clean: now and then C2's compile of some kernel, one or another,
     * keeps Vector API calls as real calls that box (the order in which it inlines them late varies from run to
     * run; under {@code -XX:CompileThresholdScaling=0.05} most runs have one, at the default about 1 run in 10;
     * BENCHMARKS.md, sixteenth session). A kernel that can never compile cleanly, as one C1 cannot compile at
     * tier 3 ({@link #c1CompilesEveryKernel}), fails all three.
     */
    @Test
    void repackedKernelsAllocateNothing() throws Exception {
        assertSomeFreshRunAllocatesNothing(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() < 512);
    }

    /**
     * The same at 256 bits where this CPU has 512 ({@code -XX:UseAVX=2}): the 8-row kernels and fills that an AVX2
     * CPU runs, which an AVX-512 one does not reach in the check above (the 8-row Q4_0 column fill boxed its vectors
     * in every prefill on 256-bit CPUs; BENCHMARKS.md, twenty-second session). Run where the preferred vectors are
     * 512 bits on x86; elsewhere the check above runs these kernels already.
     */
    @Test
    void repackedKernelsAllocateNothingAt256Bits() throws Exception {
        assumeTrue(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512
                && System.getProperty("os.arch").matches("amd64|x86_64"), "the preferred vectors are not 512-bit x86 ones");
        assertSomeFreshRunAllocatesNothing(true, "-XX:UseAVX=2");
    }

    /**
     * The kernels at 128 bits ({@code -XX:MaxVectorSize=16}), as NEON CPUs (Raspberry Pi, phones) run them: every
     * format's 128-bit kernel, its column fills and row dequantizers, and the row kernels of the other types. With
     * fma8/bytes/nibble helpers the Q8_0, Q4_0 and Q4_1 row kernels allocated in every run at 128 bits (helpers
     * compiled on their own, vectors boxed: 10 GB of heap per llama-1b token; BENCHMARKS.md, twenty-third session),
     * while at 256 bits they were inlined.
     */
    @Test
    void kernelsAllocateNothingAt128Bits() throws Exception {
        assertSomeFreshRunAllocatesNothing(true, "-XX:MaxVectorSize=16");
    }

    /**
     * Up to three fresh JVMs ({@link KernelAllocationCheck} with {@code flags}), one of which must be clean; the row
     * dequantizers ("rows", "bf16 rows") only where {@code rows}: with 512-bit vectors they run 256-bit code (the
     * 8-row dequantizers) after the 512-bit kernels in the same JVM, and in this check one or another of them boxed
     * in 11 of 28 JVMs (BENCHMARKS.md, twenty-second session: the width-mixing boxing of the rare boxed JVM, not
     * fixed), while at 256 and 128 bits they are clean every time.
     */
    private static void assertSomeFreshRunAllocatesNothing(boolean rows, String... flags) throws Exception {
        StringBuilder runs = new StringBuilder();
        for (int attempt = 0; attempt < 3; attempt++) {
            FreshRun run = runInFreshJvm(KernelAllocationCheck.class, flags);
            String output = run.output();
            boolean clean = run.exitCode() == 0;
            for (GgmlType type : KernelAllocationCheck.REPACKED_TYPES) {
                clean &= output.contains("\n" + type + " 0") || output.startsWith(type + " 0");
                if (rows) clean &= output.contains("\nrows " + type + " 0") && output.contains("bf16 rows " + type + " 0");
            }
            for (GgmlType type : KernelAllocationCheck.ROW_TYPES) clean &= output.contains("row " + type + " 0");
            for (GgmlType type : KernelAllocationCheck.COLUMN_TYPES) {
                clean &= output.contains("columns " + type + " 0") || output.contains("columns " + type + " none");
            }
            if (clean) return;
            runs.append("run ").append(attempt + 1).append(":\n").append(output);
        }
        throw new AssertionError("a kernel allocated in each of 3 fresh JVMs " + java.util.Arrays.toString(flags)
                + ":\n" + runs);
    }

    /**
     * C1 compiles every repacked kernel at its profiling tier, as a method and on-stack ({@link C1CompileCheck}): a
     * kernel C1 refuses there ("out of virtual registers") can stay in tier 2 for good, boxing every vector. Tier 3
     * only, so that C1 gets each kernel whatever the C2 queue; an early on-stack compile, so that the larger OSR
     * form is tried too (the K-quant kernel that failed did so there first).
     */
    @Test
    void c1CompilesEveryKernel() throws Exception {
        FreshRun run = runInFreshJvm(C1CompileCheck.class, "-XX:TieredStopAtLevel=3", "-XX:Tier3BackEdgeThreshold=2000",
                "-XX:+PrintCompilation");
        String output = run.output();
        assertEquals(0, run.exitCode(), output);
        assertTrue(output.contains("Q6_K done"), output);
        for (String line : output.split("\n")) {
            assertFalse(line.contains("dev.edgellm.simd.") && line.contains("COMPILE SKIPPED"), line);
        }
    }

    record FreshRun(int exitCode, String output) {}

    /** {@code main} run in a fresh JVM with this one's JVM flags and {@code flags}, which finishes within 120 s. */
    private static FreshRun runInFreshJvm(Class<?> main, String... flags) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        for (String arg : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:") || arg.startsWith("--add-modules") || arg.startsWith("--enable-native-access")
                    || arg.startsWith("-Dedgellm.")) cmd.add(arg);
        }
        cmd.addAll(java.util.List.of(flags));
        cmd.addAll(java.util.List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        Path log = Files.createTempFile(main.getSimpleName(), ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS);
        if (!finished) p.destroyForcibly().waitFor();
        String output = Files.readString(log);
        Files.delete(log);
        assertTrue(finished, "finished within 120 s: " + output);
        return new FreshRun(p.exitValue(), output);
    }

    /**
     * Repacking in ranges of whole spans (as the workers' shares are) writes the same bytes as in one go; a range that
     * splits a span is refused.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q5_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void repackingInPiecesWritesTheSameBytes(GgmlType type) {
        Interleaved8 format = Interleaved8.forType(type);
        int span = format.span(), groups = 2 * span + 1, blocks = 3, n = format.blockElements() * blocks;
        TensorData w = randomTensor(type, n, 8 * groups, new Random(15));
        Interleaved8.Rows src = rows(MemorySegment.ofBuffer(w.buffer(0)), w.rowBytes());
        MemorySegment whole = Arena.ofAuto().allocate(format.packedBytes(groups, blocks));
        MemorySegment pieces = Arena.ofAuto().allocate(format.packedBytes(groups, blocks));
        format.repack(src, 0, groups, groups, blocks, whole);
        format.repack(src, 0, span, groups, blocks, pieces);
        format.repack(src, span, 2 * span, groups, blocks, pieces);
        format.repack(src, 2 * span, groups, groups, blocks, pieces);
        assertEquals(-1, whole.mismatch(pieces));
        if (span > 1) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> format.repack(src, 1, groups, groups, blocks, pieces));
            assertTrue(e.getMessage().contains("splits a span of " + span + " groups at 1"), e.getMessage());
        }
    }

    /** The 8 rows of {@code w} (one group, n columns) repacked and dotted with x quantized, as decode runs them. */
    private static float[] dotOneGroup(Interleaved8 format, TensorData w, float[] x, int n) {
        int blocks = n / format.blockElements();
        MemorySegment packed = Arena.ofAuto().allocate(format.packedBytes(1, blocks));
        format.repack(new Interleaved8.Rows() {
            @Override
            public MemorySegment segment(int row) { return MemorySegment.ofBuffer(w.buffer(0)); }

            @Override
            public long offset(int row) { return w.rowOffset(row); }
        }, 0, 1, 1, blocks, packed);
        QuantizedInput q = new QuantizedInput();
        q.quantize(x, 0, n);
        float[] got = new float[Interleaved8.ROWS];
        format.dotGroup(packed, 0, blocks, q, got, 0);
        return got;
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q5_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void decodeOnAReleasedFileMappingMatchesTheReference(GgmlType type, @TempDir Path dir) throws IOException {
        int rows = 1029, n = 2048; // 128 groups + 5 tail rows, > 1 MB so pages are released
        TensorData heap = randomTensor(type, n, rows, new Random(5));
        Path file = dir.resolve("w.bin");
        Files.write(file, heap.buffer(0).array());
        MappedByteBuffer map;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            map = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        }
        map.order(ByteOrder.LITTLE_ENDIAN);
        TensorInfo info = new TensorInfo("w", new long[] {n, rows}, type, 0);
        TensorData mapped = new TensorData(info, new ByteBuffer[] {map}, rows, true);
        float[] x = randomFloats(new Random(6), n);
        float[] want = new float[rows], got = new float[rows];
        ScalarKernels.matVec(heap, x, 0, want, 0);
        try (SimdBackend b = new SimdBackend(2, 0, 0)) {
            for (int pass = 0; pass < 2; pass++) { // the second pass runs on the released mapping
                b.matVec(mapped, x, 0, got, 0);
                for (int r = 0; r < rows; r++) {
                    double bound = 1e-5 * n + SimdKernelsTest.activationRounding(heap, r, x, 0, n);
                    assertEquals(want[r], got[r], bound, "row " + r);
                }
            }
            float[] row = new float[n], want2 = new float[n];
            for (int r : new int[] {0, 1, 517, rows - 1, 517}) { // embedding lookups: each releases its pages again
                b.getRow(mapped, r, row, 0);
                Quants.of(type).dequantize(heap.buffer(r), heap.rowOffset(r), want2, 0, n);
                assertArrayEquals(want2, row, "getRow " + r);
            }
            float[] prefill = new float[64 * rows]; // dequantizes from the repacked copy
            float[] xs = new float[64 * n];
            for (int t = 0; t < 64; t++) System.arraycopy(x, 0, xs, t * n, n);
            b.matMul(mapped, xs, prefill, 64);
            for (int r = 0; r < rows; r++) {
                double bound = 1e-4 * Math.abs(want[r]) + 1e-3
                        + (b.prefillGemmElementBytes() == 2 ? SimdKernelsTest.bf16Rounding(heap, r, x, 0, n) : 0);
                assertEquals(want[r], prefill[63 * rows + r], bound, "prefill row " + r);
            }
        }
        // the file's bytes are unchanged: released pages fault back in from it
        byte[] back = new byte[heap.buffer(0).capacity()];
        map.get(0, back);
        assertArrayEquals(heap.buffer(0).array(), back);
        if (Vec.L == 8 && SimdBackend.REPACK) assertTrue(NativePages.available() || !nativeAccess(), "madvise found");
    }

    /**
     * The backend quantizes an input once for the projections that share it (q, k, v): the same content again is
     * reused, and any change (one element in place, the batch split of the same floats, another array) is seen.
     */
    @Test
    void aRepeatedInputIsQuantizedOnceAndAChangedOneAgain() {
        int rows = 16, n = 128;
        TensorData w = randomTensor(GgmlType.Q4_0, n, rows, new Random(8));
        float[] x = randomFloats(new Random(9), 2 * n);
        try (SimdBackend b = new SimdBackend(1, 0, 0); SimdBackend fresh = new SimdBackend(1, 0, 0)) {
            float[] got = new float[2 * rows], want = new float[2 * rows];
            b.matMul(w, x, got, 1);
            fresh.matMul(w, x, want, 1);
            assertArrayEquals(want, got);
            x[77] = -x[77] + 0.5f; // in place: same array, offset and length
            b.matMul(w, x, got, 1);
            try (SimdBackend other = new SimdBackend(1, 0, 0)) {
                other.matMul(w, x, want, 1);
            }
            assertArrayEquals(want, got, "after an in-place change");
            b.matMul(w, x, got, 2); // the same first n floats, now one of two tokens
            try (SimdBackend other = new SimdBackend(1, 0, 0)) {
                other.matMul(w, x, want, 2);
            }
            assertArrayEquals(want, got, "two tokens");
            float[] copy = x.clone();
            b.matMul(w, copy, got, 2); // equal content in another array: the same answer
            assertArrayEquals(want, got, "a copy");
            TensorData wide = randomTensor(GgmlType.Q4_0, 2 * n, rows, new Random(10));
            float[] gotWide = new float[rows], wantWide = new float[rows];
            b.matMul(wide, x, gotWide, 1); // the same 2n floats as one token of a wider matrix
            try (SimdBackend other = new SimdBackend(1, 0, 0)) {
                other.matMul(wide, x, wantWide, 1);
            }
            assertArrayEquals(wantWide, gotWide, "one token of 2n");
        }
    }

    private static boolean nativeAccess() {
        return Interleaved8Test.class.getModule().isNativeAccessEnabled();
    }

    /** Rows of {@code s}, {@code rowBytes} apart (also {@link KernelAllocationCheck}'s). */
    static Interleaved8.Rows rows(MemorySegment s, long rowBytes) {
        return new Interleaved8.Rows() {
            @Override
            public MemorySegment segment(int row) { return s; }

            @Override
            public long offset(int row) { return row * rowBytes; }
        };
    }
}
