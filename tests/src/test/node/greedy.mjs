#!/usr/bin/env node
// Greedy decoding reference from llama.cpp (through node-llama-cpp 3.x, CPU prebuilt) for GGUF files.
//
//   node greedy.mjs --model A.gguf [--model B.gguf ...] [--prompt "Once upon a time"] [--steps 16]
//        [--top 8] [--full-steps 0,15] [--logits-dir DIR] [--threads 1] [--ctx 128] [--kv f32|f16]
//        [--nlc DIR]
//
// For each model (in the order given, one llama.cpp instance for all): tokenizes the prompt the llama.cpp
// way (llama_tokenize with add_special: BOS when the vocabulary's add_bos is set, EOS when add_eos is set;
// special-token text is not parsed), evaluates it in one batch, then takes --steps greedy steps: the argmax
// of the logits (ties -> lowest id), fed back as the next token. Context: CPU only (gpuLayers 0), flash
// attention off, F32 KV cache (--kv), so what differs from float32 math is llama.cpp's own arithmetic
// (activations quantized to Q8 for quantized matmuls, accumulation order).
//
// Prints one JSON line per model on stdout, as soon as that model is done:
//   { model, engine, add_bos, add_eos, bos, eos, prompt, prompt_ids, n_vocab, kv_type, flash_attention,
//     threads, context_size, tensor_types, steps: [ { id, top: [[id, logit], ...], margin } ],
//     full_logits: { file, steps } | null, timings_ms }
// steps[k] describes the logits after the prompt (k = 0) or after feeding steps[0..k-1].id: "id" is their
// argmax, "top" the --top largest (logit descending, then id ascending), "margin" = top1 - top2.
// For the steps listed in --full-steps ("all" for every step, "" for none) the whole logit vector is
// fetched as well and, with --logits-dir, written to DIR/<model file name>.logits: one little-endian
// float32 vector of n_vocab per listed step, in step order. (Fetching a whole vector from node-llama-cpp
// costs ~0.2 s for a 150k vocabulary, so the default is the first and the last step only.)
// A model that fails to load or evaluate gives a line { model, error } and the others still run.
// node-llama-cpp comes from --nlc DIR (or env NLC_DIR, default ~/.cache/edgellm-bench/nlc) as installed by
// shared/bench/install_llamacpp.sh. Exit status: 0 when every model worked, 1 otherwise, 2 usage error or
// node-llama-cpp missing.
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { pathToFileURL } from "node:url";

const argv = process.argv.slice(2);
const opt = (name, def) => {
    const i = argv.indexOf("--" + name);
    if (i >= 0 && i + 1 < argv.length) return argv[i + 1];
    const eq = argv.find(a => a.startsWith("--" + name + "="));
    return eq ? eq.slice(name.length + 3) : def;
};
const opts = name => argv.flatMap((a, i) => a === "--" + name && i + 1 < argv.length ? [argv[i + 1]]
    : a.startsWith("--" + name + "=") ? [a.slice(name.length + 3)] : []);
const models = opts("model").map(m => path.resolve(m));
if (argv.includes("--help") || models.length === 0) {
    const head = fs.readFileSync(new URL(import.meta.url), "utf8").split("\n");
    console.error(head.slice(1, head.findIndex(l => l.startsWith("import"))).map(l => l.replace(/^\/\/ ?/, "")).join("\n"));
    process.exit(argv.includes("--help") ? 0 : 2);
}
const prompt = opt("prompt", "Once upon a time");
const nSteps = Number(opt("steps", "16"));
const threads = Number(opt("threads", "1"));
const ctxSize = Number(opt("ctx", "128"));
const topN = Math.max(2, Number(opt("top", "8")));
const kvType = opt("kv", "f32").toUpperCase();
const fullOpt = opt("full-steps", `0,${nSteps - 1}`);
const fullSteps = new Set(fullOpt === "all" ? [...Array(nSteps).keys()] : fullOpt.split(",").filter(Boolean).map(Number));
const logitsDir = opt("logits-dir", null);
const nlcDir = opt("nlc", process.env.NLC_DIR || path.join(os.homedir(), ".cache/edgellm-bench/nlc"));
if (!(nSteps >= 1) || !(ctxSize > 0) || !(threads >= 1) || [...fullSteps].some(s => !Number.isInteger(s))) {
    console.error("bad --steps/--ctx/--threads/--full-steps");
    process.exit(2);
}

const nlcIndex = path.join(nlcDir, "node_modules/node-llama-cpp/dist/index.js");
if (!fs.existsSync(nlcIndex)) {
    console.error(`node-llama-cpp not found in ${nlcDir}; run shared/bench/install_llamacpp.sh ${nlcDir} first`);
    process.exit(2);
}
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(nlcIndex).href);
const nlcVersion = JSON.parse(fs.readFileSync(path.join(nlcDir, "node_modules/node-llama-cpp/package.json"), "utf8")).version;
const llama = await getLlama({
    gpu: false, build: "never", logLevel: LlamaLogLevel.error, logger: (level, msg) => console.error(msg.trimEnd())
});
const engine = `llama.cpp via node-llama-cpp ${nlcVersion} (${llama.buildType} binary, llama.cpp release ${llama.llamaCppRelease?.release})`;

/** Top entries (logit descending, id ascending) of a token -> logit map or a dense vector. */
function topOf(entries, k) {
    const top = [];
    for (const [id, x] of entries) {
        if (!Number.isFinite(x)) throw new Error(`non-finite logit ${x} for token ${id}`);
        if (top.length === k && !(x > top[k - 1][1] || (x === top[k - 1][1] && id < top[k - 1][0]))) continue;
        let j = top.length;
        while (j > 0 && (x > top[j - 1][1] || (x === top[j - 1][1] && id < top[j - 1][0]))) j--;
        top.splice(j, 0, [id, x]);
        if (top.length > k) top.pop();
    }
    return top;
}

async function run(modelPath) {
    const t0 = performance.now();
    const model = await llama.loadModel({ modelPath, gpuLayers: 0, useMmap: true });
    let ctx = null;
    try {
        const tLoaded = performance.now();
        ctx = await model.createContext({
            contextSize: ctxSize, batchSize: ctxSize, threads, flashAttention: false, sequences: 1,
            experimentalKvCacheKeyType: kvType, experimentalKvCacheValueType: kvType,
        });
        const seq = ctx.getSequence();
        const md = model.fileInfo.metadata;
        // <arch>.vocab_size when the file has it, else the token list; checked against every full logit map
        let nVocab = Number(md?.[md?.general?.architecture]?.vocab_size ?? md?.tokenizer?.ggml?.tokens?.length ?? NaN);
        const addBos = model.tokens.shouldPrependBosToken;
        const addEos = model.tokens.shouldAppendEosToken;
        const promptIds = [...(addBos ? [model.tokens.bos] : []), ...model.tokenize(prompt, false), ...(addEos ? [model.tokens.eos] : [])];
        if (promptIds.length + nSteps > ctx.contextSize) throw new Error(`prompt + steps do not fit the context ${ctx.contextSize}`);
        const tensorTypes = {};
        for (const t of model.fileInfo.fullTensorInfo ?? model.fileInfo.tensorInfo ?? []) {
            tensorTypes[String(t.ggmlType)] = (tensorTypes[String(t.ggmlType)] ?? 0) + 1;
        }
        const logitsFile = logitsDir && fullSteps.size ? path.join(logitsDir, path.basename(modelPath) + ".logits") : null;
        const fd = logitsFile ? fs.openSync(logitsFile, "w") : null;
        const steps = [];
        const tEval0 = performance.now();
        try {
            let next = null;
            for (let k = 0; k < nSteps; k++) {
                const full = fullSteps.has(k);
                const want = { generateNext: { logits: full ? true : { filter: { tokens: [], includeTop: topN } } } };
                const items = k === 0 ? promptIds.map((t, i) => i === promptIds.length - 1 ? [t, want] : t) : [[next, want]];
                const res = await seq.controlledEvaluate(items);
                const map = res[items.length - 1]?.next?.logits;
                if (!map) throw new Error(`no logits at step ${k}`);
                let top;
                if (full) {
                    if (Number.isNaN(nVocab)) nVocab = map.size;
                    if (map.size !== nVocab) throw new Error(`expected ${nVocab} logits at step ${k}, got ${map.size}`);
                    const v = new Float32Array(nVocab);
                    for (const [id, x] of map) v[id] = x;
                    top = topOf(v.entries(), topN);
                    if (fd != null) fs.writeSync(fd, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
                } else {
                    top = topOf(map.entries(), topN);
                    if (top.length < 2) throw new Error(`only ${top.length} logits at step ${k}`);
                }
                next = top[0][0];
                steps.push({ id: next, top, margin: top[0][1] - top[1][1] });
            }
        } finally {
            if (fd != null) fs.closeSync(fd);
        }
        const tEval1 = performance.now();
        return {
            model: modelPath, engine, add_bos: addBos, add_eos: addEos, bos: model.tokens.bos ?? null, eos: model.tokens.eos ?? null,
            prompt, prompt_ids: promptIds, n_vocab: nVocab,
            kv_type: kvType, flash_attention: ctx.flashAttention, threads: ctx.currentThreads, context_size: ctx.contextSize,
            tensor_types: tensorTypes, steps,
            full_logits: logitsFile ? { file: logitsFile, steps: [...fullSteps].filter(s => s < nSteps).sort((a, b) => a - b) } : null,
            timings_ms: { load: Math.round(tLoaded - t0), eval: Math.round(tEval1 - tEval0) },
        };
    } finally {
        if (ctx) await ctx.dispose();
        await model.dispose();
    }
}

let failed = 0;
for (const m of models) {
    let line;
    try {
        line = await run(m);
    } catch (e) {
        failed++;
        line = { model: m, engine, error: String(e?.stack ?? e) };
    }
    process.stdout.write(JSON.stringify(line) + "\n");
}
await llama.dispose();
process.exit(failed ? 1 : 0);
