#!/usr/bin/env bash
# Clean builds (stages warm, wheel cache cold) of the pybind11 sample and of PyYAML 6.0.2, in
# one run: arm64 cross-compiled vs x86_64 native vs arm64 --emulate (compiled under qemu).
# Prints the build times (the PEP 517 build step) and the ratios, the whole wheel (build + repair +
# test; arm64's test runs pip on the host and only the test command under qemu) of x86_64 and arm64,
# then the time of an unchanged second run of `xbuild wheels` (everything from the cache).
# Usage: bench/wheels_cross_vs_native.sh   (x86_64 host; the first run builds the stages)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_init
tests/fetch_fixture.sh pyyaml "$work/fixtures" >/dev/null

# wheel_seconds PROJECT-DIR ARCH [--emulate]: a fresh copy (unique content: no cache hit), one
# cp313 wheel; prints "BUILD WHOLE TEST" seconds from --json (the build step, the whole wheel, its test).
wheel_seconds() {
    local src=$1 arch=$2
    shift 2
    local copy="$work/src-$RANDOM$RANDOM"
    cp -r "$src" "$copy"
    echo "# bench $(date +%s%N)" >>"$copy/setup.py"
    "$XBUILD" -q wheels "$copy" --arch "$arch" --python 3.13 -o "$work/out" --json "$@" |
        "$PY" -c 'import json,sys; d=json.load(sys.stdin)[0]; assert d["ok"], d; print("%.2f %.2f %.2f" % (d["build_seconds"], d["seconds"], d["test_seconds"]))'
}

for project in pybind-sample pyyaml; do
    bench_project "$project"
    dir=$project_dir
    # Warm every stage first (untimed): stages are cached, builds are what is measured.
    for args in "x86_64" "arm64" "arm64 --emulate"; do wheel_seconds "$dir" $args >/dev/null; done
    read -r native native_whole native_test < <(wheel_seconds "$dir" x86_64)
    read -r cross cross_whole cross_test < <(wheel_seconds "$dir" arm64)
    read -r emulated _ _ < <(wheel_seconds "$dir" arm64 --emulate)
    echo "$project (cp313, clean build step):"
    echo "  x86_64 native ${native}s, arm64 cross ${cross}s, arm64 emulated ${emulated}s"
    echo "  cross / native:   $(ratio "$cross" "$native")x  (target <= 1.05x: clang against the floor sysroot)"
    echo "  emulate / cross:  $(ratio "$emulated" "$cross")x  (target >= 6x)"
    echo "  whole wheel (build + repair + test): x86_64 ${native_whole}s (test ${native_test}s), arm64 ${cross_whole}s (test ${cross_test}s)"
    echo "  arm64 / x86_64 whole wheel: $(ratio "$cross_whole" "$native_whole")x  (target <= 1.5x)"
done

# An unchanged second run: source digest + stage keys hit the wheel cache.
"$XBUILD" -q wheels recipes/samples/pybind-sample --arch x86_64,arm64 --python 3.13 -o "$work/out2"
start=${EPOCHREALTIME/./}
"$XBUILD" -q wheels recipes/samples/pybind-sample --arch x86_64,arm64 --python 3.13 -o "$work/out2"
end=${EPOCHREALTIME/./}
echo "unchanged second run of xbuild wheels (2 build ids): $(( (end - start) / 1000 )) ms  (target <= 1000 ms)"
