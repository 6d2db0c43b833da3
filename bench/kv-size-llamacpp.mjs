#!/usr/bin/env node
// KV cache size as llama.cpp itself reports it, for comparison with `edgellm plan --json` (kv_bytes_per_token).
//
//   node bench/kv-size-llamacpp.mjs MODEL.gguf CTX TYPE        TYPE = f16 | q8_0 | q4_0 (used for both K and V)
//
// Loads MODEL with llama.cpp (node-llama-cpp, CPU prebuilt, from $NLC_DIR or ~/.cache/edgellm-bench/nlc, see
// /work/shared/bench/install_llamacpp.sh), creates one context of CTX cells (1 sequence) with the given K and V
// cache type, captures llama.cpp's native log and prints its KV line
//   llama_kv_cache: size = X MiB (N cells, L layers, 1/1 seqs), K (t): X MiB, V (t): X MiB
// plus one JSON line: {model, ctx, type, cells, layers, k_mib, v_mib, total_mib, buffer_mib, flash_attention}.
// Notes:
//  - llama.cpp rounds n_ctx up to a multiple of 256 (llama-context.cpp: GGML_PAD(n_ctx, 256)); node-llama-cpp pads
//    the same way before. "cells" is the size actually allocated.
//  - A quantized V cache needs flash attention (llama-context.cpp refuses it otherwise), so flash attention is
//    forced on for q8_0/q4_0 and left off for f16 (it does not change the KV size either way).
//  - The KV size does not depend on the weight type; MiB figures are printed by llama.cpp with 2 decimals.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [modelArg, ctxArg, typeArg = "f16"] = process.argv.slice(2);
if (!modelArg || !ctxArg) {
    console.error("usage: node bench/kv-size-llamacpp.mjs MODEL.gguf CTX f16|q8_0|q4_0");
    process.exit(2);
}
const modelPath = path.resolve(modelArg);
const ctx = Number(ctxArg);
const ggmlType = { f16: "F16", q8_0: "Q8_0", q4_0: "Q4_0", f32: "F32" }[typeArg]; // node-llama-cpp GgmlType keys
if (!ggmlType) { console.error(`unknown KV type ${typeArg}`); process.exit(2); }

// resolve node-llama-cpp the same way /work/shared/bench/bench_llamacpp.mjs does
const nlcDir = process.env.NLC_DIR || path.join(os.homedir(), ".cache/edgellm-bench/nlc");
const nlcIndex = path.join(nlcDir, "node_modules/node-llama-cpp/dist/index.js");
if (!fs.existsSync(nlcIndex)) { console.error(`node-llama-cpp not found in ${nlcDir}`); process.exit(2); }
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(nlcIndex).href);

// keep every native log line (llama.cpp's LLAMA_LOG_INFO goes through node-llama-cpp's logger)
const logs = [];
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.info,
                               logger: (_level, msg) => logs.push(msg) });
const model = await llama.loadModel({ modelPath, gpuLayers: 0, useMmap: true });
const flashAttention = typeArg !== "f16"; // quantized V requires FA in llama.cpp
const context = await model.createContext({
    contextSize: ctx, sequences: 1, flashAttention, ignoreMemorySafetyChecks: true,
    experimentalKvCacheKeyType: ggmlType, experimentalKvCacheValueType: ggmlType,
});

// native log lines reach the JS logger asynchronously: give the queue a moment to drain
await new Promise(r => setTimeout(r, 200));

// llama-kv-cache.cpp: "%s: size = %7.2f MiB (%6u cells, %3d layers, %2u/%u seqs), K (%s): %7.2f MiB, V (%s): %7.2f MiB"
const text = logs.join("\n");
const m = text.match(/llama_kv_cache: size = +([\d.]+) MiB \( *(\d+) cells, +(\d+) layers,[^)]*\), K \((\w+)\): +([\d.]+) MiB, V \((\w+)\): +([\d.]+) MiB/);
// and the backend buffer actually allocated: "llama_kv_cache: <buf> KV buffer size = X MiB"
const b = text.match(/llama_kv_cache: +\S+ KV buffer size = +([\d.]+) MiB/);
if (!m) { console.error("no llama_kv_cache size line in the log:\n" + text); process.exit(1); }
console.error(m[0]);
console.log(JSON.stringify({
    model: path.basename(modelPath), ctx, type: typeArg, cells: Number(m[2]), layers: Number(m[3]),
    k_type: m[4], k_mib: Number(m[5]), v_type: m[6], v_mib: Number(m[7]), total_mib: Number(m[1]),
    buffer_mib: b ? Number(b[1]) : null, flash_attention: flashAttention, context_size: context.contextSize,
}));
await context.dispose();
await model.dispose();
await llama.dispose();
