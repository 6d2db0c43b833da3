// Decode speed of llama.cpp at a KV-cache depth, the counterpart of `./edgellm bench -d D -n N` (llama-bench -d):
// the context is filled with D tokens once per thread count, then each repetition generates N tokens greedily
// from there and the cache is cut back to D. Speed from llama.cpp's own perf counters (eval time / runs).
//   node bench/llamacpp-depth.mjs --model M.gguf [--threads 1,2] [--depth 1024] [--tg 64] [--reps 2] [--nlc DIR]
// Needs node-llama-cpp installed by ../shared/bench/install_llamacpp.sh. One JSON line per thread count on stdout.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const arg = (name, dflt) => { const i = args.indexOf("--" + name); return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt; };
if (!arg("model")) { console.error("usage: node llamacpp-depth.mjs --model M.gguf [--threads 1,2] [--depth 1024] [--tg 64] [--reps 2]"); process.exit(2); }
const modelPath = path.resolve(arg("model"));
const depth = Number(arg("depth", "1024")), tg = Number(arg("tg", "64")), reps = Number(arg("reps", "2"));
const nlc = arg("nlc", process.env.NLC_DIR || path.join(os.homedir(), ".cache/edgellm-bench/nlc"));
const index = path.join(nlc, "node_modules/node-llama-cpp/dist/index.js");
if (!fs.existsSync(index)) { console.error(`node-llama-cpp not found in ${nlc}; run ../shared/bench/install_llamacpp.sh`); process.exit(2); }
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(index).href);

let lines = [];
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.info, logger: (level, msg) => lines.push(msg) });
const model = await llama.loadModel({ modelPath, gpuLayers: 0, useMmap: true });
const bos = model.tokens.bos ?? 1;
const vocab = Math.min(model.fileInsights?.tokens?.vocabularySize ?? 32000, 128000);
const fill = [bos];
for (let s = 12345; fill.length < depth; ) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; fill.push(300 + (s % (vocab - 300))); }

/** llama.cpp's decode counters since the last call ("eval time = X ms / N runs"), then reset. */
async function evalCounters(ctx) {
    lines = [];
    await ctx.printTimings();
    for (let i = 0; i < 200; i++) {
        const m = lines.join("").match(/\seval time =\s*([\d.]+) ms \/\s*(\d+) runs/);
        if (m) return { ms: +m[1], runs: +m[2] };
        await new Promise(r => setTimeout(r, 5));
    }
    throw new Error("no eval timings from llama.cpp");
}

for (const threads of arg("threads", "1,2").split(",").map(Number)) {
    const ctx = await model.createContext({ contextSize: depth + tg + 16, batchSize: 512, threads, performanceTracking: true, sequences: 1 });
    const seq = ctx.getSequence();
    const t0 = performance.now();
    await seq.controlledEvaluate(fill);
    console.error(`  [t=${threads}] filled ${depth} tokens in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const samples = [];
    for (let rep = -1; rep < reps; rep++) { // rep -1: warm-up
        await evalCounters(ctx);
        let n = 0;
        for await (const tok of seq.evaluate([bos], { temperature: 0, yieldEogToken: true })) if (++n >= tg) break;
        const c = await evalCounters(ctx);
        await seq.eraseContextTokenRanges([{ start: depth, end: seq.nextTokenIndex }]);
        if (seq.nextTokenIndex !== depth) throw new Error(`cache at ${seq.nextTokenIndex} tokens after the cut, not ${depth}`);
        if (rep >= 0) samples.push(c.runs / (c.ms / 1000));
        console.error(`  [t=${threads} rep ${rep + 1}/${reps}] tg${tg} @ d${depth}: ${(c.runs / (c.ms / 1000)).toFixed(2)} tok/s (${c.runs} runs)`);
    }
    samples.sort((a, b) => a - b);
    const median = samples.length % 2 ? samples[(samples.length - 1) / 2] : (samples[samples.length / 2 - 1] + samples[samples.length / 2]) / 2;
    console.log(JSON.stringify({ model: path.basename(modelPath), threads, depth, test: `tg${tg}`, tok_s: Math.round(median * 100) / 100,
        samples: samples.map(x => Math.round(x * 100) / 100), engine: `llama.cpp ${llama.llamaCppRelease?.release} via node-llama-cpp` }));
    await ctx.dispose();
}
await model.dispose();
await llama.dispose();
