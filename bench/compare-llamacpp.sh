#!/usr/bin/env bash
# EdgeLLM vs llama.cpp on the same GGUF files, in one run, back to back per (model, threads):
#   bench/compare-llamacpp.sh            prints a markdown table (ours / llama.cpp) on stdout; progress on stderr
#
# For every model of CONFIGS and every thread count of THREADS it runs, one process each (so that peak RSS is
# per configuration, as ../shared/bench/run_baseline.sh does for llama.cpp):
#   ours:      ./edgellm bench -m M -t T -p P -n N -r REPS --json [--roofline]   under GNU time (%M = peak RSS)
#   llama.cpp: node bench_llamacpp.mjs --model M --threads T --pp P --tg N --reps REPS   under GNU time
# Missing models are generated with ../shared/bench/gen_gguf.py into MODELS_DIR. Raw outputs stay in OUT_DIR.
#
# Environment (defaults in brackets):
#   P [512]  N [128]  REPS [3]  THREADS ["1 2"]  BACKEND [auto]  ROOFLINE [1]
#   CONFIGS ["llama-1b:q4_0 llama-1b:q8_0 qwen2-0.5b:q8_0 qwen2-0.5b:q4_k"]   (preset:type for gen_gguf.py)
#   MODELS_DIR [~/.cache/edgellm-bench/models]  NLC_DIR [~/.cache/edgellm-bench/nlc]
#   SHARED_BENCH [<repo>/../shared/bench]  OUT_DIR [~/.cache/edgellm-bench/results/compare-<date>]
# ROOFLINE=1 adds our measured read bandwidth and decode as % of the bandwidth bound. The probe's buffer
# (256 MiB or 8x the LLC) is freed before the model loads, so it only shows in our peak RSS when the model
# run itself stays below it (tiny models); set ROOFLINE=0 to keep it out entirely.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED_BENCH=${SHARED_BENCH:-$ROOT/../shared/bench}
MODELS_DIR=${MODELS_DIR:-$HOME/.cache/edgellm-bench/models}
NLC_DIR=${NLC_DIR:-$HOME/.cache/edgellm-bench/nlc}
OUT_DIR=${OUT_DIR:-$HOME/.cache/edgellm-bench/results/compare-$(date +%Y%m%d-%H%M%S)}
P=${P:-512}
N=${N:-128}
REPS=${REPS:-3}
THREADS=${THREADS:-"1 2"}
BACKEND=${BACKEND:-auto}
ROOFLINE=${ROOFLINE:-1}
CONFIGS=${CONFIGS:-"llama-1b:q4_0 llama-1b:q8_0 qwen2-0.5b:q8_0 qwen2-0.5b:q4_k"}

die() { echo "compare-llamacpp: $*" >&2; exit 2; }
for v in P N REPS; do [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"; done
for t in $THREADS; do [[ "$t" =~ ^[1-9][0-9]*$ ]] || die "THREADS must be positive integers, got '$t'"; done
[[ -x /usr/bin/time ]] || die "GNU time is needed for peak RSS (apt-get install time)"
command -v node >/dev/null || die "node is needed for llama.cpp's bench (node-llama-cpp)"
[[ -f "$SHARED_BENCH/bench_llamacpp.mjs" && -f "$SHARED_BENCH/gen_gguf.py" ]] || die "no bench scripts in $SHARED_BENCH"
[[ -f "$NLC_DIR/node_modules/node-llama-cpp/package.json" ]] || die "node-llama-cpp not in $NLC_DIR; run $SHARED_BENCH/install_llamacpp.sh"
mkdir -p "$MODELS_DIR" "$OUT_DIR"

echo "== building EdgeLLM (if needed)" >&2
"$ROOT/edgellm" --version >/dev/null

ROOF_FLAG=()
[[ "$ROOFLINE" == 1 ]] && ROOF_FLAG=(--roofline)
LLAMA_JSONL="$OUT_DIR/llamacpp.jsonl"
: > "$LLAMA_JSONL"
for c in $CONFIGS; do
  preset=${c%%:*}; type=${c##*:}; f="$MODELS_DIR/$preset-$type.gguf"
  if [[ ! -f "$f" ]]; then
    echo "== generating $f" >&2
    python3 "$SHARED_BENCH/gen_gguf.py" --preset "$preset" --type "$type" --out "$f" >&2
  fi
  for t in $THREADS; do
    tag="$preset-$type-t$t"
    echo "== $tag: EdgeLLM" >&2
    /usr/bin/time -f %M -o "$OUT_DIR/$tag.ours.rss" "$ROOT/edgellm" bench -m "$f" -t "$t" -p "$P" -n "$N" -r "$REPS" \
      --backend "$BACKEND" --json "${ROOF_FLAG[@]}" > "$OUT_DIR/$tag.ours.json" 2> "$OUT_DIR/$tag.ours.log" \
      || { cat "$OUT_DIR/$tag.ours.log" >&2; die "EdgeLLM bench failed for $tag"; }
    grep -h '^\[bench\] threads .*rep ' "$OUT_DIR/$tag.ours.log" | sed 's/^/   /' >&2 || true
    echo "== $tag: llama.cpp" >&2
    /usr/bin/time -f %M -o "$OUT_DIR/$tag.llamacpp.rss" node "$SHARED_BENCH/bench_llamacpp.mjs" --model "$f" --threads "$t" \
      --reps "$REPS" --pp "$P" --tg "$N" --nlc "$NLC_DIR" --label "$preset-$type" > "$OUT_DIR/$tag.llamacpp.json" \
      2> "$OUT_DIR/$tag.llamacpp.log" || { tail -20 "$OUT_DIR/$tag.llamacpp.log" >&2; die "llama.cpp bench failed for $tag"; }
    grep -h 'rep ' "$OUT_DIR/$tag.llamacpp.log" | sed 's/^/   /' >&2 || true
    cat "$OUT_DIR/$tag.llamacpp.json" >> "$LLAMA_JSONL"
  done
done

python3 - "$OUT_DIR" "$P" "$N" "$REPS" "$CONFIGS" "$THREADS" <<'PY'
import json, os, platform, sys, time
out_dir, p, n, reps, configs, threads = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split(), sys.argv[6].split()
pp, tg = f"pp{p}", f"tg{n}"

def rss_mb(path):
    # GNU time -o FILE writes "Command exited ..." lines before %M when the command failed; take the last number
    nums = [l.strip() for l in open(path) if l.strip().isdigit()]
    return int(nums[-1]) / 1024 if nums else float("nan")

def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "n/a"

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
rows, engine, backend, boxed = [], None, None, []
for c in configs:
    preset, typ = c.split(":")
    for t in threads:
        tag = f"{preset}-{typ}-t{t}"
        ours = {r["test"]: r for r in json.load(open(os.path.join(out_dir, tag + ".ours.json")))}
        ll = json.loads(open(os.path.join(out_dir, tag + ".llamacpp.json")).read().strip().splitlines()[-1])
        engine = ll.get("engine")
        backend = ours[pp]["backend"]
        o_pp, o_tg = ours[pp]["tok_s"], ours[tg]["tok_s"]
        l_pp, l_tg = ll.get(pp + "_tok_s"), ll.get(tg + "_tok_s")
        roof = ours[tg].get("roofline_pct")
        heap = ours[tg].get("heap_bytes_per_token", 0)
        if heap > 16 * 1024:  # a compiled decode step allocates ~6 bytes; boxed vectors ~100 KiB (BenchCommand)
            boxed.append(f"{tag} ({heap // 1024} KiB/token)")
        r_ours, r_ll = rss_mb(os.path.join(out_dir, tag + ".ours.rss")), rss_mb(os.path.join(out_dir, tag + ".llamacpp.rss"))
        rows.append(f"| {preset} | {typ.upper()} | {t} | {o_pp:.1f} | {l_pp:.1f} | **{ratio(o_pp, l_pp)}** | {o_tg:.2f} | {l_tg:.2f} | "
                    f"**{ratio(o_tg, l_tg)}** | {'' if roof is None else f'{roof:.0f}%'} | {r_ours:.0f} | {r_ll:.0f} | {r_ours - r_ll:+.0f} |")
load = os.getloadavg()
print(f"Machine: {os.cpu_count()} vCPU {cpu}, {platform.system()} {platform.release()}; load average at the end "
      f"{load[0]:.2f}; {time.strftime('%Y-%m-%d %H:%M %Z')}.")
print(f"EdgeLLM backend `{backend}`; llama.cpp: {engine}. Median of {reps} repetitions (after 1 warm-up), "
      f"empty KV cache, f16 KV, llama.cpp figures are its own perf counters. Raw results: `{out_dir}`.")
print()
print(f"| model | type | threads | {pp} ours | {pp} llama.cpp | {pp} ratio | {tg} ours | {tg} llama.cpp | {tg} ratio "
      f"| {tg} % of roofline (ours) | peak RSS ours MB | peak RSS llama.cpp MB | Δ RSS MB |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
print("\n".join(rows))
if boxed:
    print()
    print("**Decode allocated heap per token on: " + ", ".join(boxed) + "**: vector kernels boxing (or not compiled "
          "yet); those rows do not measure the kernels. See the `[bench] warning` lines in the .ours.log files.")
PY
