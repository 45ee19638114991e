# --emulate: the whole toolchain stage in an arm64 rootfs under qemu. The same source built
# cross and emulated gives wheels with the same file list and the same tags.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
export XBUILD_FIXTURE_CACHE=${XBUILD_FIXTURE_CACHE:-$XBUILD_CACHE/../fixture-cache}
"$root/tests/fetch_fixture.sh" markupsafe "$WORK/src" >/dev/null
export XBUILD_ENVIRONMENT="CIBUILDWHEEL=1"
target=$(foreign_arch)

"$XBUILD" wheels "$WORK/src/markupsafe" --arch "$target" --python 3.13 -o "$WORK/cross" 2>"$WORK/cross.err" ||
    fail "cross build failed: $(tail -5 "$WORK/cross.err")"
"$XBUILD" wheels "$WORK/src/markupsafe" --arch "$target" --python 3.13 --emulate -o "$WORK/emulate" 2>"$WORK/emulate.err" ||
    fail "emulated build failed: $(tail -5 "$WORK/emulate.err")"
grep -q "building in trixie/$target toolchain" "$WORK/emulate.err" || fail "the emulated build did not use a $target toolchain stage"
pass "the emulated build ran in a $target toolchain stage"
cross=$(ls "$WORK/cross") emulated=$(ls "$WORK/emulate")
expect_eq "$emulated" "$cross" "same wheel name (and so the same tags) cross and emulated"
list() { python3 -c "import zipfile,sys; print('\n'.join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))" "$1"; }
expect_eq "$(list "$WORK/emulate/$emulated")" "$(list "$WORK/cross/$cross")" "same file list cross and emulated"
