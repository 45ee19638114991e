#!/usr/bin/env bash
# Clean builds (stages warm, wheel cache cold) of the pybind11 sample and of PyYAML 6.0.2, in
# one run: arm64 cross-compiled vs x86_64 native vs arm64 --emulate (compiled under qemu).
# Prints the build times (the PEP 517 build step) and the ratios, then the time of an
# unchanged second run of `xbuild wheels` (everything from the cache).
# Usage: bench/wheels_cross_vs_native.sh   (x86_64 host; the first run builds the stages)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_init
tests/fetch_fixture.sh pyyaml "$work/fixtures" >/dev/null

# build_seconds PROJECT-DIR ARCH [--emulate]: a fresh copy (unique content: no cache hit), one
# cp313 build, the build step's seconds from --json.
build_seconds() {
    local src=$1 arch=$2
    shift 2
    local copy="$work/src-$RANDOM$RANDOM"
    cp -r "$src" "$copy"
    echo "# bench $(date +%s%N)" >>"$copy/setup.py"
    "$XBUILD" -q wheels "$copy" --arch "$arch" --python 3.13 -o "$work/out" --json "$@" |
        "$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["ok"], d; print("%.2f" % d[0]["build_seconds"])'
}

export XBUILD_ENVIRONMENT="PYYAML_FORCE_CYTHON=1 PYYAML_FORCE_LIBYAML=1"
for project in pybind-sample pyyaml; do
    if [[ $project == pyyaml ]]; then
        dir="$work/fixtures/pyyaml"
        export XBUILD_BUILD_PACKAGES=libyaml-dev
    else
        dir=recipes/samples/pybind-sample
        unset XBUILD_BUILD_PACKAGES
    fi
    # Warm every stage first (untimed): stages are cached, builds are what is measured.
    for args in "x86_64" "arm64" "arm64 --emulate"; do build_seconds "$dir" $args >/dev/null; done
    native=$(build_seconds "$dir" x86_64)
    cross=$(build_seconds "$dir" arm64)
    emulated=$(build_seconds "$dir" arm64 --emulate)
    echo "$project (cp313, clean build step):"
    echo "  x86_64 native ${native}s, arm64 cross ${cross}s, arm64 emulated ${emulated}s"
    echo "  cross / native:   $(ratio "$cross" "$native")x  (target <= 1.05x: clang against the floor sysroot)"
    echo "  emulate / cross:  $(ratio "$emulated" "$cross")x  (target >= 6x)"
done

# An unchanged second run: source digest + stage keys hit the wheel cache.
"$XBUILD" -q wheels recipes/samples/pybind-sample --arch x86_64,arm64 --python 3.13 -o "$work/out2"
start=${EPOCHREALTIME/./}
"$XBUILD" -q wheels recipes/samples/pybind-sample --arch x86_64,arm64 --python 3.13 -o "$work/out2"
end=${EPOCHREALTIME/./}
echo "unchanged second run of xbuild wheels (2 build ids): $(( (end - start) / 1000 )) ms  (target <= 1000 ms)"
