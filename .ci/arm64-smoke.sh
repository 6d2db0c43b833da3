#!/usr/bin/env bash
# arm64 smoke (issue 8): runs the CLI's `generate` on the bundled model with an arm64 OpenJDK 25 under qemu
# user emulation and compares the text with the reference story (greedy, 64 tokens, scalar path of x86 run).
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
echo "== arm64 smoke OK"
