#!/usr/bin/env bash
# Clean prebuilds (stages and npm tools warm, prebuild cache cold) of the node-addon-api sample and
# of bufferutil 4.0.9, in one run: arm64 cross-compiled vs x64 native vs arm64 --emulate (compiled
# under qemu). Prints the build-step times (node-gyp in the toolchain stage) and the ratios, then
# what the two compilers alone take on the sample's source, and the time of an unchanged second run
# of `xbuild prebuild`.
# Usage: bench/prebuild_cross_vs_native.sh   (x86_64 host; the first run builds the stages)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_init
tests/fetch_fixture.sh bufferutil "$work/fixtures" >/dev/null

# build_seconds PACKAGE-DIR ARCH [--emulate]: a fresh copy (unique content: no cache hit), one
# build, the build step's seconds from --json.
build_seconds() {
    local src=$1 arch=$2
    shift 2
    local copy="$work/src-$RANDOM$RANDOM"
    cp -r "$src" "$copy"
    echo "// bench $(date +%s%N)" >>"$copy/index.js"
    "$XBUILD" -q prebuild "$copy" --arch "$arch" -o "$work/out" --json "$@" |
        "$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["ok"], d; print("%.2f" % d[0]["build_seconds"])'
}

for project in napi-sample bufferutil; do
    if [[ $project == bufferutil ]]; then
        dir="$work/fixtures/bufferutil"
        export XBUILD_TEST_COMMAND="node -e \"require('node-gyp-build')('/pkg').mask\""
    else
        dir=recipes/samples/napi-sample
        unset XBUILD_TEST_COMMAND
    fi
    # Warm every stage first (untimed): stages are cached, builds are what is measured.
    for args in "x64" "arm64" "arm64 --emulate"; do build_seconds "$dir" $args >/dev/null; done
    native=$(build_seconds "$dir" x64)
    cross=$(build_seconds "$dir" arm64)
    emulated=$(build_seconds "$dir" arm64 --emulate)
    echo "$project (clean build step):"
    echo "  x64 native ${native}s, arm64 cross ${cross}s, arm64 emulated ${emulated}s"
    echo "  cross / native:   $(ratio "$cross" "$native")x  (target <= 1.05x: clang against the floor sysroot)"
    echo "  emulate / cross:  $(ratio "$emulated" "$cross")x  (target >= 5x)"
done

# The compilers alone, on the sample's source with node-gyp's Release flags, in one toolchain stage
# (best of 3 each): the part of the cross / native ratio that is GCC's own, not xbuild's.
copy="$work/compilers"
cp -r recipes/samples/napi-sample "$copy"
read -r gxx cross_gxx < <("$XBUILD" -q sandbox run --kind toolchain --target arm64 --net \
    --packages nodejs,npm,libnode-dev,make --bind "$copy:/src" --workdir /src -- bash -c '
    npm ci --ignore-scripts --no-audit --no-fund >/dev/null
    flags="-Inode_modules/node-addon-api -I/usr/include/node -DNAPI_VERSION=8 -DNODE_ADDON_API_CPP_EXCEPTIONS
           -DNODE_ADDON_API_CPP_EXCEPTIONS_ALL -fPIC -O3 -std=c++17 -c src/wordstats.cc"
    best() {
        local best=0 start elapsed
        for _ in 1 2 3; do
            start=$(date +%s%N)
            "$@" $flags -o /tmp/out.o || exit 1
            elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
            (( best == 0 || elapsed < best )) && best=$elapsed
        done
        echo "$best"
    }
    echo "$(best g++) $(best aarch64-linux-gnu-g++)"')
echo "compilers alone on napi-sample/src/wordstats.cc (-O3, same stage):"
echo "  g++ ${gxx}ms, aarch64-linux-gnu-g++ ${cross_gxx}ms: $(ratio "$cross_gxx" "$gxx")x"

# An unchanged second run: source digest + stage keys hit the prebuild cache.
unset XBUILD_TEST_COMMAND
"$XBUILD" -q prebuild recipes/samples/napi-sample --arch x64,arm64 -o "$work/out2"
start=${EPOCHREALTIME/./}
"$XBUILD" -q prebuild recipes/samples/napi-sample --arch x64,arm64 -o "$work/out2"
end=${EPOCHREALTIME/./}
echo "unchanged second run of xbuild prebuild (2 archs): $(( (end - start) / 1000 )) ms"
