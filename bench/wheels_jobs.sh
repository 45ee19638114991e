#!/usr/bin/env bash
# -j: the pybind11 sample's 4-build-id plan (x86_64 and arm64 x cp311 and cp313; stages warm, every
# wheel built, XBUILD_CCACHE=0 so that every build compiles) one build id at a time and two at a
# time, in one run. Prints both wall times and the
# ratio. Each run uses its own copy of the binary, so neither takes the other's wheels from the cache.
# Usage: bench/wheels_jobs.sh   (the first run builds the stages)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_init
export XBUILD_CCACHE=0
plan=(wheels recipes/samples/pybind-sample --arch x86_64,arm64 --python 3.11,3.13)
"$XBUILD" -q "${plan[@]}" -o "$work/warm" >/dev/null  # stages warm (untimed)
declare -A seconds
for jobs in 1 2; do
    cp "$XBUILD" "$work/xbuild-$jobs"
    echo "bench copy $jobs $RANDOM$RANDOM" >>"$work/xbuild-$jobs"  # its own results: the content is in their keys
    start=${EPOCHREALTIME/./}
    "$work/xbuild-$jobs" -q "${plan[@]}" -j "$jobs" -o "$work/j$jobs" >/dev/null
    end=${EPOCHREALTIME/./}
    seconds[$jobs]=$(awk -v us=$((end - start)) 'BEGIN {printf "%.1f", us / 1e6}')
done
echo "pybind11 sample, 4 build ids (build without ccache, repair, test each), $(nproc) cores:"
echo "  -j 1 ${seconds[1]}s, -j 2 ${seconds[2]}s"
echo "  -j 1 / -j 2: $(ratio "${seconds[1]}" "${seconds[2]}")x  (target >= 1.5x on 2 cores)"
