#!/usr/bin/env python3
"""Writes the fixtures of runtime-core's dev.edgellm.quant tests (Python 3 + numpy; not needed to run them).

  python3 runtime-core/src/test/tools/gen_quant_fixtures.py [--shared ../shared] [--out DIR]

Output, under runtime-core/src/test/resources/dev/edgellm/quant/ (DIR):

  models.txt       one line per tensor of every shared/testdata/models/stories260K*.gguf:
                   file, tensor, type, element count, sha256 of the dequantized tensor's float32
                   little-endian bytes, and the float32 bits (hex) of its first 32 values. The
                   dequantization is shared/testdata/tools/gguf_tool.py's, which its README reports
                   bit-identical with ggml's dequantize_row_* for F16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1.
  kquant-TYPE.bin  raw blocks of TYPE in q2_k q3_k q4_k q5_k q6_k (N_KBLOCKS blocks each), and
  kquant-TYPE.txt  per block: the sha256 of its 256 dequantized float32 values (little-endian), and
                   for the first FULL_BLOCKS blocks all 256 values as float32 bits (hex).
                   Blocks: for q4_k/q5_k/q6_k most come from shared/bench/gen_gguf.py's random block
                   writer (rand_block_data, what it puts in its .gguf files); for q2_k/q3_k, which it
                   cannot write, random bytes with sane fp16 scales made here; every type also gets
                   hand-made edge blocks (zero / subnormal / negative / largest d, all-ones bits).
                   The dequantizer is written here from ggml's published block layouts
                   (ggml-common.h, ggml-quants.c dequantize_row_q*_K), independently of the Java code:
                   float32 numpy arithmetic in ggml's evaluation order.
  quantize-input.f32   float32 values (little-endian) in blocks of 32: random data at three scales,
                   exact .5 ties, +-max ties, zero / constant / denormal blocks, values beyond fp16;
  quantize-TYPE.bin    those values encoded by gguf_tool.py's quantize_row_*_ref ports (README:
                   byte-identical with ggml's) for TYPE in q8_0 q4_0 q4_1 q5_0 q5_1.
"""
import argparse
import hashlib
import os
import sys

import numpy as np

N_KBLOCKS = 256
FULL_BLOCKS = 4
F32 = np.float32
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "runtime-core", "src", "test", "resources", "dev", "edgellm", "quant")
BLOCK_BYTES = {"q2_k": 84, "q3_k": 110, "q4_k": 144, "q5_k": 176, "q6_k": 210}


def f16(col):
    """fp16 field (nb, 2 bytes) -> float32 (nb,)"""
    return np.ascontiguousarray(col).view("<f2").astype(F32).reshape(-1)


def fl(a):
    return np.asarray(a).astype(F32)


# ---------------------------------------------------------------- K-quant dequantizers
E = np.arange(256)


def deq_q2_k(b):
    scales, qs = b[:, 0:16], b[:, 16:80]
    d, dmin = f16(b[:, 80:82]), f16(b[:, 82:84])
    sc = scales[:, E // 16]
    # each 128-element half uses 32 bytes; its four 32-element groups use bits 0-1, 2-3, 4-5, 6-7
    q = (qs[:, 32 * (E // 128) + E % 32] >> (2 * ((E % 128) // 32))) & 3
    dl = d[:, None] * fl(sc & 0xF)
    ml = dmin[:, None] * fl(sc >> 4)
    return dl * fl(q) - ml


def deq_q3_k(b):
    hmask, qs, sraw = b[:, 0:32], b[:, 32:96], b[:, 96:108]
    d = f16(b[:, 108:110])
    # ggml unpacks the 12 scale bytes as three u32 words with kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f
    aux = np.ascontiguousarray(sraw).view("<u4").astype(np.uint32)
    a0, a1, tmp = aux[:, 0], aux[:, 1], aux[:, 2]
    k1, k2 = np.uint32(0x03030303), np.uint32(0x0F0F0F0F)
    w = np.stack([(a0 & k2) | (((tmp >> 0) & k1) << 4),
                  (a1 & k2) | (((tmp >> 2) & k1) << 4),
                  ((a0 >> 4) & k2) | (((tmp >> 4) & k1) << 4),
                  ((a1 >> 4) & k2) | (((tmp >> 6) & k1) << 4)], axis=1).astype("<u4")
    sc = np.ascontiguousarray(w).view(np.int8).astype(np.int32)  # (nb, 16), values 0..63
    low = (qs[:, 32 * (E // 128) + E % 32] >> (2 * ((E % 128) // 32))) & 3
    hbit = (hmask[:, E % 32] >> (E // 32)) & 1
    q = low.astype(np.int32) - np.where(hbit == 1, 0, 4)
    dl = d[:, None] * fl(sc[:, E // 16] - 32)
    return dl * fl(q)


def scale_min_k4(s):
    """s: (nb, 12) -> sc, m: (nb, 8) as in ggml's get_scale_min_k4"""
    s = s.astype(np.int32)
    sc = np.empty((s.shape[0], 8), np.int32)
    m = np.empty((s.shape[0], 8), np.int32)
    for j in range(8):
        if j < 4:
            sc[:, j] = s[:, j] & 63
            m[:, j] = s[:, j + 4] & 63
        else:
            sc[:, j] = (s[:, j + 4] & 0xF) | ((s[:, j - 4] >> 6) << 4)
            m[:, j] = (s[:, j + 4] >> 4) | ((s[:, j] >> 6) << 4)
    return sc, m


def deq_q4_k(b, qh=None):
    d, dmin = f16(b[:, 0:2]), f16(b[:, 2:4])
    sc, m = scale_min_k4(b[:, 4:16])
    qs = b[:, 48:176] if qh is not None else b[:, 16:144]
    # 64-element chunk c uses qs[32c .. 32c+31]: low nibbles first, then high nibbles
    byte = qs[:, 32 * (E // 64) + E % 32].astype(np.int32)
    q = np.where((E // 32) % 2 == 0, byte & 0xF, byte >> 4)
    if qh is not None:
        q = q + 16 * ((qh[:, E % 32].astype(np.int32) >> (E // 32)) & 1)
    d1 = d[:, None] * fl(sc[:, E // 32])
    m1 = dmin[:, None] * fl(m[:, E // 32])
    return d1 * fl(q) - m1


def deq_q5_k(b):
    return deq_q4_k(b, qh=b[:, 16:48])


def deq_q6_k(b):
    ql, qh = b[:, 0:128].astype(np.int32), b[:, 128:192].astype(np.int32)
    sc = np.ascontiguousarray(b[:, 192:208]).view(np.int8).astype(np.int32)
    d = f16(b[:, 208:210])
    y = np.empty((b.shape[0], 256), F32)
    l = np.arange(32)
    for n in range(2):  # ggml's loop: two 128-element halves
        L, H, S = ql[:, 64 * n:64 * n + 64], qh[:, 32 * n:32 * n + 32], sc[:, 8 * n:8 * n + 8]
        quants = [(L[:, l] & 0xF) | (((H[:, l] >> 0) & 3) << 4),
                  (L[:, l + 32] & 0xF) | (((H[:, l] >> 2) & 3) << 4),
                  (L[:, l] >> 4) | (((H[:, l] >> 4) & 3) << 4),
                  (L[:, l + 32] >> 4) | (((H[:, l] >> 6) & 3) << 4)]
        for k, q in enumerate(quants):
            s = S[:, l // 16 + 2 * k]
            # d * sc * q evaluates as (d * sc) * q in float
            y[:, 128 * n + 32 * k + l] = (d[:, None] * fl(s)) * fl(q - 32)
    return y


DEQ = {"q2_k": deq_q2_k, "q3_k": deq_q3_k, "q4_k": deq_q4_k, "q5_k": deq_q5_k, "q6_k": deq_q6_k}
# byte offsets of fp16 fields: (d, dmin or None)
SCALE_FIELDS = {"q2_k": (80, 82), "q3_k": (108, None), "q4_k": (0, 2), "q5_k": (0, 2), "q6_k": (208, None)}


def put_f16(blk, off, values):
    blk[:, off:off + 2] = np.asarray(values, dtype=F32).astype("<f2").view(np.uint8).reshape(-1, 2)


def edge_blocks(ktype):
    """Hand-made blocks: extreme and special fp16 scales, all-zero and all-one bit patterns."""
    size = BLOCK_BYTES[ktype]
    rng = np.random.default_rng(7)
    d_off, m_off = SCALE_FIELDS[ktype]
    halves = [0x0000, 0x8000, 0x0001, 0x03FF, 0x0400, 0x3C00, 0xBC00, 0x7BFF, 0xFBFF, 0x1C00, 0x2E66, 0xA1D3]
    out = []
    for i, h in enumerate(halves):
        for fill in ("random", "zeros", "ones"):
            blk = {"random": rng.integers(0, 256, size, dtype=np.uint8),
                   "zeros": np.zeros(size, np.uint8),
                   "ones": np.full(size, 0xFF, np.uint8)}[fill]
            blk[d_off:d_off + 2] = np.array([h & 0xFF, h >> 8], np.uint8)
            if m_off is not None:
                mh = halves[(i + 5) % len(halves)]
                blk[m_off:m_off + 2] = np.array([mh & 0xFF, mh >> 8], np.uint8)
            out.append(blk)
    return np.stack(out)


def random_blocks(ktype, n, shared):
    """n random blocks: gen_gguf.py's writer for q4_k/q5_k/q6_k, random bytes + sane scales otherwise."""
    if ktype in ("q4_k", "q5_k", "q6_k"):
        sys.path.insert(0, os.path.join(shared, "bench"))
        import gen_gguf
        rng = np.random.default_rng(1234)
        raw = gen_gguf.rand_block_data(rng, ktype, n * 256, 0.02)
        return raw.reshape(n, BLOCK_BYTES[ktype])
    rng = np.random.default_rng({"q2_k": 2, "q3_k": 3}[ktype])
    blk = rng.integers(0, 256, size=(n, BLOCK_BYTES[ktype]), dtype=np.uint8)
    d_off, m_off = SCALE_FIELDS[ktype]
    # scales spread over a few decades, both signs for d (Q3_K's d can be negative, Q2_K's rarely is)
    mag = F32(10.0) ** rng.uniform(-6, 0, n).astype(F32)
    sign = np.where(rng.integers(0, 2, n) == 1, F32(1), F32(-1))
    put_f16(blk, d_off, mag * sign)
    if m_off is not None:
        put_f16(blk, m_off, F32(10.0) ** rng.uniform(-6, 0, n).astype(F32))
    return blk


def write_kquant(out, ktype, shared):
    edges = edge_blocks(ktype)
    blocks = np.concatenate([random_blocks(ktype, N_KBLOCKS - len(edges), shared), edges])
    y = DEQ[ktype](blocks).astype("<f4")
    assert y.shape == (N_KBLOCKS, 256) and np.all(np.isfinite(y)), ktype
    with open(os.path.join(out, "kquant-%s.bin" % ktype), "wb") as f:
        f.write(blocks.tobytes())
    with open(os.path.join(out, "kquant-%s.txt" % ktype), "w") as f:
        f.write("# %s: %d blocks of %d bytes in kquant-%s.bin; per block: index, sha256 of the 256\n"
                "# dequantized float32 values (little-endian); the first %d blocks also list every value's bits\n"
                % (ktype.upper(), N_KBLOCKS, BLOCK_BYTES[ktype], ktype, FULL_BLOCKS))
        for i in range(N_KBLOCKS):
            line = "%d %s" % (i, hashlib.sha256(y[i].tobytes()).hexdigest())
            if i < FULL_BLOCKS:
                line += " " + " ".join("%08x" % v for v in y[i].view("<u4"))
            f.write(line + "\n")


# ---------------------------------------------------------------- real model tensors
def write_models(out, shared):
    sys.path.insert(0, os.path.join(shared, "testdata", "tools"))
    import gguf_tool
    models = os.path.join(shared, "testdata", "models")
    names = sorted(f for f in os.listdir(models) if f.startswith("stories260K") and f.endswith(".gguf"))
    with open(os.path.join(out, "models.txt"), "w") as f:
        f.write("# file tensor type elements sha256(float32 LE of the dequantized tensor) first-32-values-bits\n"
                "# from shared/testdata/tools/gguf_tool.py's dequantize (bit-exact with ggml per its README)\n")
        for name in names:
            r = gguf_tool.GGUFReader(os.path.join(models, name))
            for t in r.tensors:
                n = int(np.prod(t["ne"], dtype=np.int64))
                y = gguf_tool.dequantize(r.raw(t["name"]), t["type"], n).astype("<f4")
                f.write("%s %s %s %d %s %s\n" % (name, t["name"], gguf_tool.type_name(t["type"]), n,
                                                 hashlib.sha256(y.tobytes()).hexdigest(),
                                                 " ".join("%08x" % v for v in y[:32].view("<u4"))))


# ---------------------------------------------------------------- quantizer cases
def quantize_inputs():
    rng = np.random.default_rng(42)
    blocks = []
    for scale in (1.0, 1e-3, 1e3):
        blocks += list((rng.standard_normal((8, 32)) * scale).astype(F32))
    blocks.append(np.zeros(32, F32))
    blocks.append(np.full(32, 0.75, F32))
    blocks.append(np.full(32, -3.0, F32))
    # +-max ties: the first element with the largest |x| decides the sign of Q4_0/Q5_0's d
    t = rng.uniform(-1, 1, 32).astype(F32)
    t[3], t[20] = 2.0, -2.0
    blocks.append(t.copy())
    t[3], t[20] = -2.0, 2.0
    blocks.append(t)
    # values that land exactly on .5 / integer boundaries after scaling (d = 1 for Q8_0, Q4_0, Q5_0; Q4_1 d = 31/30)
    blocks.append(np.array([127] + [k + 0.5 for k in range(-15, 15)] + [-126.5], F32))
    blocks.append(np.array([-8] + [k + 0.5 for k in range(-8, 7)] * 2 + [7.5], F32))
    blocks.append(np.array([-16] + [k + 0.5 for k in range(-16, 14)] + [0.5], F32))
    blocks.append(np.array([k * 0.5 for k in range(32)], F32))
    # float denormals next to a tiny normal maximum (1/d stays finite), tiny/small mixes
    blocks.append(np.concatenate([[1e-36], rng.standard_normal(31) * 1e-40]).astype(F32))
    blocks.append(np.array([1e-30] * 16 + [1e-8] * 16, F32))
    # beyond the fp16 range: d (or Q4_1/Q5_1's m) overflows to infinity when stored
    blocks.append((rng.standard_normal(32) * 1e6).astype(F32))
    blocks.append(np.concatenate([np.full(16, -7e4, F32), rng.uniform(-1, 1, 16).astype(F32)]))
    blocks.append(np.array([(-1) ** k * 1e38 for k in range(32)], F32))
    return np.concatenate(blocks).astype(F32)


def write_quantize(out, shared):
    sys.path.insert(0, os.path.join(shared, "testdata", "tools"))
    import gguf_tool
    x = quantize_inputs()
    with np.errstate(all="ignore", invalid="raise"):  # no inf * 0 or NaN casts (undefined behaviour in C)
        encoded = {name: gguf_tool.QUANTIZERS[name.upper()](x) for name in ("q8_0", "q4_0", "q4_1", "q5_0", "q5_1")}
    x.astype("<f4").tofile(os.path.join(out, "quantize-input.f32"))
    for name, data in encoded.items():
        np.asarray(data, np.uint8).tofile(os.path.join(out, "quantize-%s.bin" % name))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=os.path.join(REPO, "..", "shared"))
    ap.add_argument("--out", default=DEFAULT_OUT)
    a = ap.parse_args()
    shared = os.path.abspath(a.shared)
    os.makedirs(a.out, exist_ok=True)
    write_models(a.out, shared)
    for k in DEQ:
        write_kquant(a.out, k, shared)
    write_quantize(a.out, shared)
    print("wrote fixtures to %s" % a.out)


if __name__ == "__main__":
    main()
