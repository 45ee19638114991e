# xbuild prebuild --emulate: the sample compiled in an arm64 toolchain stage under qemu gives a
# prebuild of the same name as the cross build, which passes the same test stage.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
sample="$root/recipes/samples/napi-sample"

run_capture "$XBUILD" prebuild "$sample" --arch arm64 -o "$WORK/cross"
[[ $CODE -eq 0 ]] || fail "cross build failed: $ERR"
run_capture "$XBUILD" prebuild "$sample" --arch arm64 --emulate -o "$WORK/emulated" --json
[[ $CODE -eq 0 ]] || fail "emulated build failed: $ERR"
expect_contains "$ERR" "arm64: building in trixie/arm64 toolchain" "the emulated build ran in an arm64 toolchain stage"
expect_contains "$ERR" "arm64: testing in trixie/arm64 runtime: done" "the emulated prebuild passed the test stage"
expect_eq "$(cd "$WORK/emulated" && find . -type f | sort)" "$(cd "$WORK/cross" && find . -type f | sort)" \
    "cross and emulated builds give prebuilds of the same names"
expect_contains "$(readelf -h "$WORK/emulated/linux-arm64/xbuild-napi-sample.napi.glibc.node")" "AArch64" "the emulated prebuild is AArch64"
