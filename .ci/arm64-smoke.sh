#!/usr/bin/env bash
# arm64 smoke (issue 8): runs the CLI's `generate` on the bundled model with an arm64 OpenJDK 25 under qemu
# user emulation and compares the text with the reference story (greedy, 64 tokens, scalar path of x86 run),
# then the reference-output check on arm64: greedy ids of stories260K F32/F16/Q8_0/Q4_0 against
# ../shared/testdata/reference (identical up to the first near-tie step, margin < 0.1, as ReferenceOutputsTest).
# Setup as ../shared/TOOLCHAIN.md: Debian trixie arm64 packages unpacked into a private sysroot (no change
# to the system's apt setup); needs qemu-user-static (apt) and a built CLI (./edgellm builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
D=${EDGELLM_ARM64_CACHE:-$HOME/.cache/edgellm-arm64}
J=$D/sysroot/usr/lib/jvm/java-25-openjdk-arm64/bin/java
if [[ ! -x $J ]]; then
  mkdir -p $D/{lists/partial,cache/archives/partial,etc/none}
  M=$(sed -n 's/^URIs: *\(.*\/debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources | head -1)
  echo "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $M trixie main" > $D/etc/sources.list
  cat > $D/apt.conf <<X
Dir::Etc::SourceList "$D/etc/sources.list"; Dir::Etc::SourceParts "$D/etc/none";
Dir::State::Lists "$D/lists"; Dir::Cache "$D/cache"; Dir::State::status "/dev/null";
APT::Architectures { "amd64"; "arm64"; };
X
  APT_CONFIG=$D/apt.conf apt-get update -qq
  (cd $D && APT_CONFIG=$D/apt.conf apt-get download -qq openjdk-25-jre-headless:arm64 libc6:arm64 libgcc-s1:arm64 \
      libstdc++6:arm64 zlib1g:arm64 && for f in *.deb; do dpkg -x "$f" sysroot; done && ln -sfn usr/lib sysroot/lib)
fi
./edgellm --help >/dev/null   # builds the CLI jar if needed
want=$(./edgellm generate -p "Once upon a time" --temp 0 -n 64 2>/dev/null)
export QEMU_CPU=${QEMU_CPU:-max,pauth-impdef=on}
echo "== arm64: $(qemu-aarch64-static -L $D/sysroot $J -version 2>&1 | head -1)"
got=$(qemu-aarch64-static -L $D/sysroot $J -XX:+UseSerialGC -Dedgellm.home="$PWD" \
      -cp "samples/cli/target/edgellm-cli.jar:samples/cli/target/lib/*" dev.edgellm.cli.Main \
      generate -p "Once upon a time" --temp 0 -n 64)
echo "== arm64 generate: $got"
[[ "$got" == "$want" ]] || { echo "arm64 output differs from the x86 reference story: $want" >&2; exit 1; }
TD=${EDGELLM_TESTDATA:-../shared/testdata}
# the SIMD backend with NEON's 128-bit vectors (Q4_0's and Q8_0's 128-bit repacked kernels): the same story as x86's
# scalar backend (on x86 the SIMD backend at 128, 256 and 512 bits gives the same text for these two files)
for v in q4_0 q8_0; do
  want=$(./edgellm generate -m "$TD/models/stories260K-$v.gguf" -p "Once upon a time" --temp 0 -n 48 --backend scalar 2>/dev/null)
  got=$(qemu-aarch64-static -L $D/sysroot $J -XX:+UseSerialGC -XX:PerMethodRecompilationCutoff=10000 \
        --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dedgellm.home="$PWD" \
        -cp "samples/cli/target/edgellm-cli.jar:samples/cli/target/lib/*" dev.edgellm.cli.Main \
        generate -m "$TD/models/stories260K-$v.gguf" -p "Once upon a time" --temp 0 -n 48 --backend simd 2>/dev/null)
  [[ "$got" == "$want" ]] || { echo "arm64 simd $v output differs from x86 scalar: got '$got', want '$want'" >&2; exit 1; }
  echo "== arm64 simd (128-bit) $v: same story as x86 scalar"
done
arm64() { qemu-aarch64-static -L $D/sysroot $J -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dedgellm.home="$PWD" \
  -cp "samples/cli/target/edgellm-cli.jar:samples/cli/target/lib/*" dev.edgellm.cli.Main "$@"; }
for v in f32 f16 q8_0 q4_0; do
  file=stories260K-$v.gguf; [[ $v == f32 ]] && file=stories260K.gguf
  for prompt in "" "Once upon a time" "The little dog"; do
    [[ $v != q8_0 && -n "$prompt" && "$prompt" != "Once upon a time" ]] && continue  # all prompts on one variant: enough
    out=$(arm64 generate -m "$TD/models/$file" -p "$prompt" --temp 0 -n 64 --kv-type f32 --backend scalar --json 2>/dev/null)
    python3 - "$TD/reference/stories260K-$v.json" "$prompt" "$out" <<'PY'
import json, sys
ref = next(c for c in json.load(open(sys.argv[1]))["cases"] if c["prompt"] == sys.argv[2])
got = json.loads(sys.argv[3])["tokens"]
want, margins = ref["generated_ids"], ref["top1_top2_margin"]
if len(got) != len(want):
    sys.exit("arm64 %s prompt %r: %d tokens, reference %d" % (sys.argv[1], sys.argv[2], len(got), len(want)))
compared = 0
for i, (g, w) in enumerate(zip(got, want)):
    if margins[i] < 0.1:
        break  # a near tie: the reference allows divergence from this step on
    if g != w:
        sys.exit("arm64 %s prompt %r: token %d is %d, reference %d (margin %.3f)" % (sys.argv[1], sys.argv[2], i, g, w, margins[i]))
    compared += 1
print("== arm64 reference %s %-18r ids match (%d compared)" % (sys.argv[1].split("/")[-1], sys.argv[2], compared))
PY
  done
done
echo "== arm64 smoke OK"
