#!/usr/bin/env bash
# The registry cache across machines: the pybind11 sample for arm64 (cp311) built on "machine A" with an
# empty cache directory and --cache-to (every stage built from the Debian archive, the wheel compiled
# and tested, all pushed), then on "machine B", another empty cache directory, with --cache-from (every
# stage and the wheel pulled). Both against Debian's docker-registry on 127.0.0.1 (plain HTTP), in one
# run; prints both wall times, what A pushed and their ratio.
# Usage: bench/registry_cache.sh   (needs docker-registry: ./bootstrap installs it)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_init
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$work/registry" "$port" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry=$!
trap 'kill $registry; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.2; done
cache="127.0.0.1:$port/bench/cache"
# A binary of its own: no result of an earlier run is this one's.
cp "$XBUILD" "$work/xbuild"
echo "bench copy $RANDOM$RANDOM" >>"$work/xbuild"
build=(wheels recipes/samples/pybind-sample --arch arm64 --python 3.11)

timed() {
    local start=${EPOCHREALTIME/./}
    "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    awk -v us=$((${EPOCHREALTIME/./} - start)) 'BEGIN {printf "%.1f", us / 1e6}'
}
cold=$(XBUILD_CACHE="$work/cache-a" timed "$work/xbuild" --cache-to "$cache" "${build[@]}" -o "$work/a")
pushed=$(grep -c '^xbuild: pushed' "$work/err" || true)
bytes=$(du -sb "$work/registry" | cut -f1)
warm=$(XBUILD_CACHE="$work/cache-b" timed "$work/xbuild" --cache-from "$cache" "${build[@]}" -o "$work/b")
pulled=$(grep -c '^xbuild: pulled' "$work/err" || true)
cmp -s "$work"/a/*.whl "$work"/b/*.whl || { echo "the wheels differ" >&2; exit 1; }
echo "pybind-sample cp311 arm64, empty cache directories:"
echo "  machine A, cold, --cache-to: ${cold}s ($pushed entries pushed, $(awk -v b="$bytes" 'BEGIN {printf "%.0f", b / 1048576}') MiB in the registry)"
echo "  machine B, --cache-from: ${warm}s ($pulled entries pulled, the same wheel)"
echo "  A / B: $(ratio "$cold" "$warm")x"
