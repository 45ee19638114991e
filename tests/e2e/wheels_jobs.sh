# -j N: a 4-build-id plan (the pybind11 sample, x86_64 and arm64 x cp311 and cp313) built one at a time
# and two at a time gives byte-identical wheels; with -j 2 two build ids ran at once (the second arch
# started before the first finished) and a failing build id still names itself.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# Two copies of the binary: a result cached by one is not the other's (the binary is an input of the
# key), so both runs build every wheel while the stages stay shared.
for n in 1 2; do binary_copy "$WORK/xbuild-$n"; done
plan=(--arch x86_64,arm64 --python 3.11,3.13)
run_capture "$WORK/xbuild-1" wheels "$root/recipes/samples/pybind-sample" "${plan[@]}" -j 1 -o "$WORK/j1"
[[ $CODE -eq 0 ]] || fail "-j 1: $ERR"
run_capture "$WORK/xbuild-2" wheels "$root/recipes/samples/pybind-sample" "${plan[@]}" -j 2 -o "$WORK/j2"
[[ $CODE -eq 0 ]] || fail "-j 2: $ERR"
printf '%s\n' "$ERR" | grep -q 'from the cache' && fail "-j 2 took a wheel from the cache: $ERR"
expect_eq "$(ls "$WORK/j2" | wc -l)" 4 "-j 2 wrote four wheels"
expect_eq "$(cd "$WORK/j2" && sha256sum ./*.whl)" "$(cd "$WORK/j1" && sha256sum ./*.whl)" \
    "-j 2 and -j 1 give byte-identical wheels"
# Two at once: an arm64 build started before the first x86_64 wheel was done.
order=$(printf '%s\n' "$ERR" | grep -n -e 'cp311-manylinux_aarch64: building in' -e 'cp311-manylinux_x86_64: building in .*: done in' |
    cut -d: -f1 | tr '\n' ' ')
read -r first second <<<"$order"
[[ -n $second ]] || fail "progress lines missing: $ERR"
printf '%s\n' "$ERR" | sed -n "${first}p" | grep -q aarch64 || fail "-j 2 ran the build ids one after another: $ERR"
pass "-j 2 built two build ids at once"

# A failure names its build id; without --keep-going nothing new starts after it.
mkdir -p "$WORK/broken"
cp -r "$root/recipes/samples/pybind-sample/." "$WORK/broken/"
printf '#error broken on purpose\n' | cat - "$root/recipes/samples/pybind-sample/src/wordfreq.cpp" >"$WORK/broken/src/wordfreq.cpp"
run_capture "$XBUILD" wheels "$WORK/broken" --arch x86_64,arm64 --python 3.13 -j 2 -o "$WORK/broken-out"
[[ $CODE -ne 0 ]] || fail "a broken build succeeded with -j 2"
expect_contains "$ERR" "cp313-manylinux_" "the failure names its build id"
expect_contains "$ERR" "build failed" "the failure says the build failed"
[[ -z $(ls -A "$WORK/broken-out" 2>/dev/null) ]] || fail "a failed -j 2 run left wheels: $(ls "$WORK/broken-out")"
pass "a failing build id under -j 2 is named and leaves no wheel"
