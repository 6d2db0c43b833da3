#!/usr/bin/env python3
"""Tiny random-weight GGUFs for the architecture variants the llama.cpp parity test covers beyond
shared/bench/gen_gguf.py's presets (numpy only; the GGUF/kv writers, the random ggml blocks and the
tokenizer copying are gen_gguf.py's, imported as a module).

  python3 gen_arch_gguf.py --model qwen3 --type q8_0 --out /tmp/qwen3.gguf [--layers 2] [--gen-gguf PATH]

Models (all 2 layers by default, real tokenizers copied from shared/testdata/vocab):
  qwen3               Qwen3-shaped: general.architecture qwen3, dim 512, 8 heads of 128 (attention.key_length
                      128 != dim/heads = 64, as in every real Qwen3), 2 KV heads, per-head q/k RMSNorm
                      (blk.N.attn_q_norm / attn_k_norm, [128]), no q/k/v bias, NeoX RoPE base 1e6, tied
                      embeddings, Qwen2 BPE vocabulary (151936).
  mistral             Mistral-7B-v0.2-shaped, cut down: llama.cpp has no "mistral" architecture (Mistral 7B
                      GGUFs say "llama"), so general.architecture llama; GQA 4:1 (8 heads of 64, 2 KV heads),
                      ffn 3.5 x dim, RoPE base 1e6, no sliding window, untied output.weight (Q6_K when the
                      type is q4_k, as llama.cpp's Q4_K_M does), Llama SentencePiece vocabulary (32000).
                      --arch mistral writes the same file under the architecture name "mistral" (EdgeLLM
                      accepts it as an alias of llama; llama.cpp refuses it).
  llama-rope-linear   llama, linear RoPE scaling: rope.scaling.type = linear, rope.scaling.factor = 4.
  llama-rope-legacy   the same weights with only the legacy key rope.scale_linear = 4 (no scaling type):
                      llama.cpp then defaults the type to linear and takes the factor from the old key.

Types: f32, q8_0, q4_k (every row length here is a multiple of 256), 1-D tensors always F32.
Weights have std 0.02 (--std) except attn_q/attn_k of the llama-arch models: with 0.02 their attention scores
would have std ~0.2 (nearly uniform attention, so positional bugs would hardly show); 0.05 (mistral: scores
of std ~1.3) and 0.08 (the F32 RoPE-scaling files: std ~3.3) make attention position-dependent, so that a
wrong RoPE layout or scale moves the logits far beyond the parity test's tolerances. (0.05, not more, for
the quantized files: llama.cpp's Q8 activation rounding grows with the scores; at 0.08 its logit error
reached 0.18 std against the test's bound of 0.25.) Qwen3's q/k RMSNorm already makes its scores O(1); its
q/k norm weights are 1 + 0.3 N(0,1) so that where the norm sits (before RoPE, per head) matters.
Seeds: 1234, except mistral's 3: the parity test needs >= 8 of its 16 steps without a near-tie (top1 - top2
>= 0.15 std, about half the steps of a random model), and seed 1234 left 7 in the Q8_0 file.
"""
import argparse
import importlib.util
import os
import struct
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_GEN = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "..", "shared", "bench", "gen_gguf.py"))

MODELS = {
    "qwen3": dict(arch="qwen3", dim=512, n_head=8, n_kv=2, head_dim=128, ffn=1536, vocab=151936,
                  rope_theta=1000000.0, ctx=40960, eps=1e-6, tied=True, qk_norm=True, vocab_file="qwen2",
                  qk_std=None, seed=1234, extra={}),
    "mistral": dict(arch="llama", dim=512, n_head=8, n_kv=2, head_dim=64, ffn=1792, vocab=32000,
                    rope_theta=1000000.0, ctx=32768, eps=1e-5, tied=False, qk_norm=False, vocab_file="spm",
                    qk_std=0.05, seed=3, extra={}),
    "llama-rope-linear": dict(arch="llama", dim=512, n_head=8, n_kv=4, head_dim=64, ffn=1536, vocab=32000,
                              rope_theta=10000.0, ctx=8192, eps=1e-5, tied=True, qk_norm=False, vocab_file="spm",
                              qk_std=0.08, seed=1234, extra={"rope.scaling.type": "linear", "rope.scaling.factor": 4.0,
                                                       "rope.scaling.original_context_length": 2048}),
    "llama-rope-legacy": dict(arch="llama", dim=512, n_head=8, n_kv=4, head_dim=64, ffn=1536, vocab=32000,
                              rope_theta=10000.0, ctx=8192, eps=1e-5, tied=True, qk_norm=False, vocab_file="spm",
                              qk_std=0.08, seed=1234, extra={"rope.scale_linear": 4.0}),
}
TYPES = ("f32", "q8_0", "q4_k")


def load_gen(path):
    spec = importlib.util.spec_from_file_location("gen_gguf", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def tensors(p, wtype, g):
    """(name, shape ne0-first, ggml type, kind) in llama.cpp naming."""
    dim, ffn, nh, nkv, hd = p["dim"], p["ffn"], p["n_head"], p["n_kv"], p["head_dim"]

    def mat(ne0):
        t = wtype
        assert ne0 % g.GGML[t][1] == 0, (ne0, t)
        return t
    T = [("token_embd.weight", [dim, p["vocab"]], mat(dim), "w")]
    for i in range(p["n_layer"]):
        b = "blk.%d." % i
        T.append((b + "attn_norm.weight", [dim], "f32", "norm"))
        T.append((b + "attn_q.weight", [dim, nh * hd], mat(dim), "qk"))
        T.append((b + "attn_k.weight", [dim, nkv * hd], mat(dim), "qk"))
        T.append((b + "attn_v.weight", [dim, nkv * hd], mat(dim), "w"))
        if p["qk_norm"]:
            T.append((b + "attn_q_norm.weight", [hd], "f32", "qknorm"))
            T.append((b + "attn_k_norm.weight", [hd], "f32", "qknorm"))
        T.append((b + "attn_output.weight", [nh * hd, dim], mat(nh * hd), "w"))
        T.append((b + "ffn_norm.weight", [dim], "f32", "norm"))
        T.append((b + "ffn_gate.weight", [dim, ffn], mat(dim), "w"))
        T.append((b + "ffn_up.weight", [dim, ffn], mat(dim), "w"))
        T.append((b + "ffn_down.weight", [ffn, dim], mat(ffn), "w"))
    T.append(("output_norm.weight", [dim], "f32", "norm"))
    if not p["tied"]:
        T.append(("output.weight", [dim, p["vocab"]], "q6_k" if wtype == "q4_k" else wtype, "w"))
    return T


def write(g, path, name, p, wtype, arch, std, qk_std, seed):
    t0 = time.time()
    rng = np.random.default_rng(seed)
    T = tensors(p, wtype, g)
    md, nkv = [], 0

    def add(b, n=1):
        nonlocal nkv
        md.append(b)
        nkv += n
    U32, F32V, STR = g.U32, g.F32V, g.STR
    add(g.kv("general.architecture", STR, arch))
    add(g.kv("general.name", STR, "random-%s-%s" % (name, wtype)))
    add(g.kv("general.file_type", U32, g.FTYPE[wtype]))
    add(g.kv("general.quantization_version", U32, 2))
    add(g.kv("general.alignment", U32, g.ALIGN))
    a = arch + "."
    add(g.kv(a + "context_length", U32, p["ctx"]))
    add(g.kv(a + "embedding_length", U32, p["dim"]))
    add(g.kv(a + "block_count", U32, p["n_layer"]))
    add(g.kv(a + "feed_forward_length", U32, p["ffn"]))
    add(g.kv(a + "attention.head_count", U32, p["n_head"]))
    add(g.kv(a + "attention.head_count_kv", U32, p["n_kv"]))
    add(g.kv(a + "attention.key_length", U32, p["head_dim"]))
    add(g.kv(a + "attention.value_length", U32, p["head_dim"]))
    add(g.kv(a + "rope.dimension_count", U32, p["head_dim"]))
    add(g.kv(a + "rope.freq_base", F32V, p["rope_theta"]))
    add(g.kv(a + "attention.layer_norm_rms_epsilon", F32V, p["eps"]))
    add(g.kv(a + "vocab_size", U32, p["vocab"]))
    for k, v in p["extra"].items():
        add(g.kv(a + k, STR if isinstance(v, str) else U32 if isinstance(v, int) else F32V, v))
    vocab_file = os.path.join(os.path.dirname(os.path.abspath(g.__file__)), "..", "testdata", "vocab",
                              g.REAL_VOCAB[p["vocab_file"]])
    tb, tn = g.tokenizer_from(vocab_file, p["vocab"])
    add(tb, tn)

    info, offset, offsets = b"", 0, []
    for tname, shape, t, _ in T:
        offsets.append(offset)
        info += g.s_str(tname) + struct.pack("<I", len(shape)) + b"".join(struct.pack("<Q", d) for d in shape)
        info += struct.pack("<IQ", g.GGML[t][0], offset)
        offset += g.nbytes(shape, t)
        offset += (-offset) % g.ALIGN
    header = g.GGUF_MAGIC + struct.pack("<IQQ", g.GGUF_VERSION, len(T), nkv) + b"".join(md) + info
    header += b"\0" * ((-len(header)) % g.ALIGN)

    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(header)
        base = len(header)
        for (tname, shape, t, kind), off in zip(T, offsets):
            pos = f.tell() - base
            if pos < off:
                f.write(b"\0" * (off - pos))
            n = int(np.prod(shape))
            if kind == "norm":
                f.write((1.0 + 0.02 * rng.standard_normal(n)).astype("<f4").tobytes())
            elif kind == "qknorm":
                f.write((1.0 + 0.3 * rng.standard_normal(n)).astype("<f4").tobytes())
            else:
                s = qk_std if kind == "qk" and qk_std else std
                rows, ne0 = int(np.prod(shape[1:])), shape[0]
                step = max(1, (1 << 24) // ne0)
                for r in range(0, rows, step):
                    f.write(g.rand_block_data(rng, t, min(step, rows - r) * ne0, s).tobytes())
    os.replace(tmp, path)
    types = {}
    for _, _, t, _ in T:
        types[t] = types.get(t, 0) + 1
    print("wrote %s: arch %s, %.1f MB, %d tensors %s, tokenizer=%s, %.1fs"
          % (path, arch, os.path.getsize(path) / 1e6, len(T), types, os.path.basename(vocab_file), time.time() - t0))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=sorted(MODELS))
    ap.add_argument("--type", required=True, choices=TYPES)
    ap.add_argument("--out", required=True)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--arch", default=None, help="override general.architecture (and the key prefix)")
    ap.add_argument("--std", type=float, default=0.02, help="weight std")
    ap.add_argument("--seed", type=int, default=None, help="override the model's seed")
    ap.add_argument("--gen-gguf", default=DEFAULT_GEN, help="path of shared/bench/gen_gguf.py")
    a = ap.parse_args()
    g = load_gen(a.gen_gguf)
    p = dict(MODELS[a.model])
    p["n_layer"] = a.layers
    write(g, a.out, a.model, p, a.type, a.arch or p["arch"], a.std, p["qk_std"], p["seed"] if a.seed is None else a.seed)


if __name__ == "__main__":
    sys.exit(main())
