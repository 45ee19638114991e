#!/usr/bin/env bash
# The C++ sample service (recipes/samples/yaml-service, CMake, links libyaml): its build step cross
# (arm64) against native (x86_64) in one run (a fresh copy of xbuild, so neither result is cached, and
# no compile cache), and its image's size against a debian:trixie-slim-style rootfs (mmdebstrap
# --variant=minbase) holding the same packages.
# Usage: bench/compiled_image.sh   (the first run builds the stages)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_init
app=recipes/samples/yaml-service

"$XBUILD" -q image "$app" -o "$work/warm.tar" >/dev/null  # stages warm (untimed)
cp "$XBUILD" "$work/xbuild" && printf 'bench copy %s\n' "$RANDOM$RANDOM" >>"$work/xbuild"
XBUILD_CCACHE=0 "$work/xbuild" image "$app" -o "$work/app.tar" --json >"$work/result.json" 2>"$work/log"
# "amd64: building yaml-service (cmake) in ...: done in 3.5s" (or "in 850ms")
build_seconds() {
    sed -nE "s/^xbuild: $1: building yaml-service \(cmake\).*: done in ([0-9.]+)(m?s)\$/\1 \2/p" "$work/log" |
        awk '{print ($2 == "ms") ? $1 / 1000 : $1}'
}
native=$(build_seconds amd64)
cross=$(build_seconds arm64)
echo "yaml-service build step: native x86_64 ${native}s, cross arm64 ${cross}s"
echo "  cross / native: $(ratio "$cross" "$native")x  (target <= 1.3x)"

mirror=$(host_mirror)
for arch in amd64 arm64; do
    uncompressed=$("$PY" -c '
import json, sys
print([p for p in json.load(open(sys.argv[1]))["platforms"] if p["arch"] == sys.argv[2]][0]["uncompressed_bytes"])' \
        "$work/result.json" "$arch")
    # debian:trixie-slim is mmdebstrap's minbase; the program needs libstdc++6 and libyaml-0-2 on it.
    mmdebstrap --quiet --mode=root --variant=minbase --architectures="$arch" --include=libstdc++6,libyaml-0-2 \
        trixie "$work/slim-$arch" "$mirror" >/dev/null 2>&1
    slim=$(du -sb "$work/slim-$arch" | cut -f1)
    echo "$arch: image $(ratio "$uncompressed" 1000000) MB uncompressed; trixie-slim-style rootfs with the same" \
        "packages (without the program) $(ratio "$slim" 1000000) MB; slim-style / xbuild: $(ratio "$slim" "$uncompressed")x"
    rm -rf "$work/slim-$arch"
done
