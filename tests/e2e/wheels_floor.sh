# Issue #16: portable artifacts. The build tools come from the Python's suite (trixie for cp313), the
# target's C and C++ runtime from the floor's (bullseye by default): a C++ project heavy on the
# standard library (regex, filesystem, threads, exceptions), built with CMake through
# scikit-build-core (trixie's, over bullseye's toolchain for Python 3.9), gives manylinux_2_31 (or
# lower) wheels for cp39, cp313 and cp314 on x86_64 and arm64 that need no newer
# symbol versions than bullseye's glibc and GCC 10's libstdc++ have (binutils' readelf, independent of
# xbuild), that the host's pip accepts for a glibc 2.31 system, and that pass their self-test in the
# runtime stage (arm64 under qemu). --manylinux 2_41 builds against trixie's runtime instead; an
# unknown floor and a Python Debian does not serve are one error line each, with nothing written.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

cp -r "$root/recipes/samples/cxx-sample" "$WORK/cxx-sample"
echo "# $TEST_NAME ${WORK##*/}" >>"$WORK/cxx-sample/pyproject.toml"

# ---- errors first: nothing built, nothing written
run_capture "$XBUILD" wheels "$WORK/cxx-sample" --manylinux 2_28 -o "$WORK/none"
[[ $CODE -ne 0 ]] || fail "--manylinux 2_28 was accepted"
expect_eq "$(printf '%s\n' "$ERR" | grep -c .)" 1 "an unknown floor is one line"
expect_contains "$ERR" "--manylinux: unknown floor '2_28' (floors: 2_31 (bullseye), 2_36 (bookworm), 2_41 (trixie)" \
    "the error names the floors that exist"
XBUILD_MANYLINUX=musllinux_1_2 run_capture "$XBUILD" wheels "$WORK/cxx-sample" -o "$WORK/none"
expect_contains "$ERR" "XBUILD_MANYLINUX: unknown floor 'musllinux_1_2'" "XBUILD_MANYLINUX is checked too"
run_capture "$XBUILD" wheels "$WORK/cxx-sample" --python 3.12 -o "$WORK/none"
[[ $CODE -ne 0 ]] || fail "--python 3.12 was accepted"
expect_eq "$(printf '%s\n' "$ERR" | grep -c .)" 1 "a Python Debian lacks is one line"
expect_contains "$ERR" "unsupported Python '3.12' (known: " "the error says which Pythons exist"
mkdir -p "$WORK/badcfg" && cp -r "$WORK/cxx-sample/." "$WORK/badcfg/"
sed -i 's/^\[tool.xbuild\]$/[tool.xbuild]\nmanylinux = "2_99"/' "$WORK/badcfg/pyproject.toml"
run_capture "$XBUILD" wheels "$WORK/badcfg" -o "$WORK/none"
expect_contains "$ERR" "pyproject.toml: [tool.xbuild] manylinux: unknown floor '2_99'" "a bad floor in pyproject.toml names the file and key"
[[ ! -e $WORK/none ]] || fail "a refused run wrote $WORK/none"
pass "refused runs wrote nothing"

# ---- the default floor, native and cross, for the oldest and the newest Pythons Debian serves
out="$WORK/wheelhouse"
run_capture "$XBUILD" wheels "$WORK/cxx-sample" --arch x86_64,arm64 --python 3.9,3.13,3.14 -o "$out"
[[ $CODE -eq 0 ]] || fail "xbuild wheels cxx-sample failed: $ERR"
expect_contains "$ERR" "manylinux_2_31 sysroot bullseye/arm64" "the arm64 build compiled against bullseye's sysroot"
for test in "cp39-manylinux_aarch64: testing in bullseye/arm64" "cp313-manylinux_aarch64: testing in trixie/arm64" \
    "cp314-manylinux_aarch64: testing in forky/arm64"; do
    printf '%s\n' "$ERR" | grep -q "$test runtime: done" || fail "no passing step '$test'"
done
pass "the self-test (regex, filesystem, threads, exceptions) passed on arm64 under qemu in bullseye, trixie and forky"
for py in 39 313 314; do
    for arch in x86_64 aarch64; do
        wheel=$(ls "$out"/xbuild_cxx_sample-1.0.0-cp$py-cp$py-manylinux_2_*_$arch.whl 2>/dev/null) ||
            fail "no cp$py $arch wheel: $(ls "$out")"
        [[ $(basename "$wheel") =~ -manylinux_2_([0-9]+)_ ]] && (( BASH_REMATCH[1] <= 31 )) ||
            fail "$(basename "$wheel") is tagged above manylinux_2_31"
        rm -rf "$WORK/unpack" && python3 -m wheel unpack -d "$WORK/unpack" "$wheel" >/dev/null
        so=$(find "$WORK/unpack" -name '_heavy*.so')
        [[ -n $so ]] || fail "no extension module in $wheel"
        expect_floor "$so" "$(basename "$wheel")"
        expect_contains "$(readelf -p .comment "$so")" "GCC: (Debian 10." "the crt files are bullseye's GCC 10's"
        # The host's pip (Debian 12), asked for a glibc 2.31 system of that arch and CPython.
        rm -rf "$WORK/pip-target"
        python3 -m pip download --quiet --no-index --no-deps --only-binary=:all: --find-links "$out" \
            --platform "manylinux_2_31_$arch" --python-version "${py:0:1}.${py:1}" --implementation cp --abi "cp$py" \
            -d "$WORK/pip-target" xbuild-cxx-sample >/dev/null 2>&1 ||
            fail "pip does not accept $(basename "$wheel") for a manylinux_2_31 $arch system"
        pass "pip accepts $(basename "$wheel") for a glibc 2.31 $arch system"
    done
done

# ---- --manylinux 2_41: trixie's runtime as the floor (what builds gave before floors)
run_capture "$XBUILD" wheels "$WORK/cxx-sample" --arch x86_64 --python 3.13 --manylinux 2_41 -o "$WORK/w241"
[[ $CODE -eq 0 ]] || fail "xbuild wheels --manylinux 2_41 failed: $ERR"
expect_contains "$ERR" "manylinux_2_41 sysroot trixie/amd64" "--manylinux 2_41 compiles against trixie's sysroot"
wheel=$(ls "$WORK/w241"/*.whl)
[[ $(basename "$wheel") =~ -manylinux_2_([0-9]+)_x86_64 ]] && (( BASH_REMATCH[1] <= 41 )) ||
    fail "$(basename "$wheel") is not tagged manylinux_2_41 or lower"
rm -rf "$WORK/unpack" && python3 -m wheel unpack -d "$WORK/unpack" "$wheel" >/dev/null
expect_contains "$(readelf -p .comment "$(find "$WORK/unpack" -name '_heavy*.so')")" "GCC: (Debian 14." \
    "the crt files are trixie's GCC 14's"
