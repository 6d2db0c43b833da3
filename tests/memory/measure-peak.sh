#!/usr/bin/env bash
# Predicted (edgellm plan) vs measured peak RSS (VmHWM via GNU time's %M) of `edgellm generate` for models
# x ctx x KV type. Prints a markdown table for BENCHMARKS.md. Usage: tests/memory/measure-peak.sh MODEL...
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
E="$HERE/edgellm"
echo "| model | ctx | kv | predicted MiB | measured MiB | error |"
echo "|---|---:|---|---:|---:|---:|"
for m in "$@"; do
  for ctx in ${CTXS:-512 4096 16384}; do
    for kv in ${KVS:-f32 f16}; do
      pred=$("$E" plan -m "$m" --profile x86-laptop-16gb --ctx "$ctx" --kv-type "$kv" --json \
             | python3 -c 'import json,sys; print(json.load(sys.stdin)["predicted_peak_bytes"])')
      /usr/bin/time -f "%M" -o /tmp/edgellm-peak.$$ "$E" generate -m "$m" --ctx "$ctx" --kv-type "$kv" -p Once -n 2 --temp 0 \
        >/dev/null 2>&1
      meas=$(( $(cat /tmp/edgellm-peak.$$) * 1024 ))
      python3 -c "import sys; p,m=int(sys.argv[1]),int(sys.argv[2]); print('| %s | %s | %s | %.1f | %.1f | %+.1f%% |' % (sys.argv[3], sys.argv[4], sys.argv[5], p/2**20, m/2**20, 100.0*(p-m)/m))" \
        "$pred" "$meas" "$(basename "$m" .gguf)" "$ctx" "$kv"
    done
  done
done
rm -f /tmp/edgellm-peak.$$
