#!/usr/bin/env bash
# The default matrix of the pybind11 sample: every Python Debian serves that its requires-python
# allows (3.9, 3.11, 3.13, 3.14, 3.15) × x86_64 and arm64, ten wheels against the default floor, in
# one run: cold (an empty cache: every stage built, from the mirror), stages warm (a fresh copy of
# the source: every wheel built, repaired and tested again) and unchanged (everything from the cache).
# Usage: bench/wheels_matrix.sh [--warm-only]   (--warm-only: the test suite's cache, no cold run)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_init

# run_seconds DIR: one `xbuild wheels` of the default matrix; prints its wall seconds and checks
# that all ten build ids succeeded.
run_seconds() {
    local start end
    start=${EPOCHREALTIME/./}
    "$XBUILD" -q wheels "$1" --arch x86_64,arm64 -o "$work/out" --json >"$work/result.json"
    end=${EPOCHREALTIME/./}
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==10 and all(o["ok"] for o in d), d' \
        "$work/result.json"
    awk -v us=$((end - start)) 'BEGIN {printf "%.1f", us / 1e6}'
}

copy() {
    local dir="$work/src-$RANDOM$RANDOM"
    cp -r recipes/samples/pybind-sample "$dir"
    echo "# bench $(date +%s%N)" >>"$dir/setup.py"
    echo "$dir"
}

if [[ ${1:-} != --warm-only ]]; then
    export XBUILD_CACHE="$work/cold-cache"
    cold=$(run_seconds "$(copy)")
    echo "cold (empty cache, every stage built): ${cold}s"
fi
src=$(copy)
run_seconds "$src" >/dev/null  # warms the stages of the test suite's cache
warm=$(run_seconds "$(copy)")
unchanged=$(run_seconds "$src")
echo "stages warm, 10 wheels built, repaired and tested: ${warm}s"
echo "unchanged rerun (all 10 from the cache): ${unchanged}s"
[[ -n ${cold:-} ]] && echo "cold / warm: $(ratio "$cold" "$warm")x"
exit 0
