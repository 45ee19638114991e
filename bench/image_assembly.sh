#!/usr/bin/env bash
# The sample Python image (recipes/samples/python-app, x86_64 + arm64): warm assembly time (stages,
# wheels and base layers cached: what an edit of the app costs), the image's uncompressed and
# compressed size per platform, and the same app on a plain extract of the same Debian packages
# without pruning, for the ratio.
# Usage: bench/image_assembly.sh [RUNS]   (the first run builds the stages and wheels)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
runs=${1:-5}
bench_init
app=recipes/samples/python-app

"$XBUILD" -q image "$app" -o "$work/app.tar" --json >"$work/result.json"
warm=$(median_ms "$runs" "$XBUILD" -q image "$app" -o "$work/app.tar")
echo "warm assembly of $app (x86_64 + arm64, oci-archive): ${warm} ms median of $runs  (target <= 2000 ms)"

mirror=$(host_mirror)
for arch in amd64 arm64; do
    read -r uncompressed compressed key < <("$PY" -c '
import json, sys
p = [p for p in json.load(open(sys.argv[1]))["platforms"] if p["arch"] == sys.argv[2]][0]
print(p["uncompressed_bytes"], p["compressed_bytes"], p["base"])' "$work/result.json" "$arch")
    # The same packages, extracted as they come (what a Dockerfile FROM debian + apt-get install
    # gives at best, without its apt, dpkg and shell): the packages of the image's base entry.
    packages=$(cut -f1 "$XBUILD_CACHE/rootfs/$key/packages.tsv" | paste -sd, -)
    mmdebstrap --quiet --mode=root --variant=extract --architectures="$arch" --include="$packages" trixie \
        "$work/plain-$arch" "$mirror" >/dev/null 2>&1
    plain=$(( $(du -sb "$work/plain-$arch" | cut -f1) + uncompressed - $(du -sb "$XBUILD_CACHE/rootfs/$key/root" | cut -f1) ))
    echo "$arch: image ${uncompressed} bytes uncompressed ($(ratio "$uncompressed" 1000000) MB, target <= 45 MB), ${compressed} bytes compressed ($(ratio "$compressed" 1000000) MB)"
    echo "$arch: plain extract of the same packages + the same app: $(ratio "$plain" 1000000) MB; plain / slim: $(ratio "$plain" "$uncompressed")x"
    rm -rf "$work/plain-$arch"
done
