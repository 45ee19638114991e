# xbuild built by xbuild (issue 11, "dogfood"): the repository root is a Python project. Its wheels for
# x86_64 and arm64 are built, repaired and tested by xbuild itself (the arm64 one runs `python3 -m xbuild
# --version` and imports the module under qemu, pyproject.toml's test-command); every ELF file of the
# arm64 wheel is AArch64 and needs nothing above the manylinux_2_31 floor; the x86_64 wheel installs
# with pip into a fresh virtual environment, where the `xbuild` command and `import xbuild` work: the
# API builds the pybind11 sample for arm64 with progress callbacks, a failing build raises xbuild.Error,
# and killing the Python process mid-build leaves no sandbox process and no output.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$("$XBUILD" --version | awk '{print $NF}')

run_capture "$XBUILD" wheels "$root" --arch x86_64,arm64 --python 3.11 -o "$WORK/dist"
[[ $CODE -eq 0 ]] || fail "xbuild wheels of xbuild's own repository failed: $ERR"
x86=$(ls "$WORK"/dist/xbuild-"$version"-cp311-cp311-*x86_64.whl 2>/dev/null | head -1)
arm=$(ls "$WORK"/dist/xbuild-"$version"-cp311-cp311-*aarch64.whl 2>/dev/null | head -1)
[[ -f $x86 && -f $arm ]] || fail "expected xbuild-$version cp311 wheels for x86_64 and aarch64: $(ls "$WORK/dist")"
for wheel in "$x86" "$arm"; do
    [[ $wheel == *manylinux_2_31_* ]] || fail "$(basename "$wheel"): not tagged for the manylinux_2_31 floor"
done
pass "xbuild wheels . gave $(basename "$x86") and $(basename "$arm")"
expect_contains "$ERR$OUT" "cp311-manylinux_aarch64: testing" "the arm64 wheel was tested under qemu"

# Every ELF file of the arm64 wheel: AArch64, its symbol versions within the floor, and nothing loaded
# beyond the C library and what the wheel grafts (libarchive, OpenSSL, the compression libraries and
# libstdc++ are static; the module's libbz2 is grafted, see python/binding/CMakeLists.txt).
mkdir "$WORK/arm"
(cd "$WORK/arm" && python3 -m zipfile -e "$arm" .)
check_floor_elves "$WORK/arm" AArch64 31 "$WORK/arm/xbuild.libs"
[[ $ELVES -ge 2 ]] || fail "expected the binary and the module in the arm64 wheel, found $ELVES ELF files"
pass "the arm64 wheel's $ELVES ELF files are AArch64, need at most GLIBC_2.$NEWEST, the C library and what is grafted"
[[ -f $WORK/arm/xbuild/share/xbuild/recipes/stages.toml ]] || fail "the wheel has no recipes"

# A fresh virtual environment: nothing but pip, and no PYTHONPATH or XBUILD_BINARY leading elsewhere.
unset PYTHONPATH XBUILD_BINARY XBUILD_RECIPES
python3 -m venv "$WORK/venv"
run_capture "$WORK/venv/bin/pip" install --no-index "$x86"
[[ $CODE -eq 0 ]] || fail "pip install of $(basename "$x86") failed: $ERR"
run_capture "$WORK/venv/bin/xbuild" --version
[[ $CODE -eq 0 && $OUT == "xbuild $version" ]] || fail "venv's xbuild --version: '$OUT' ($CODE) $ERR"
pass "pip installed the wheel; the venv's xbuild --version prints '$OUT'"

sample() {
    cp -r "$root/recipes/samples/pybind-sample" "$WORK/$1"
    sed -i "s/^name = \"xbuild-pybind-sample\"/name = \"xbuild-dist-$1\"/" "$WORK/$1/pyproject.toml"
}
sample good
echo "// run $(date +%s%N)" >>"$WORK/good/src/wordfreq.cpp"  # not a result-cache hit of an earlier run
sample broken
echo "this is not C++;" >>"$WORK/broken/src/wordfreq.cpp"
sample slow
sed -i '1i import os; os.system("sleep 1171")' "$WORK/slow/setup.py"

cd "$WORK"  # not the source tree: `import xbuild` is the installed package
run_capture "$WORK/venv/bin/python" - "$WORK" "$version" <<'PY'
import os, sys
import xbuild
work, version = sys.argv[1], sys.argv[2]
site = os.path.dirname(xbuild.__file__)
assert site.startswith(os.path.join(work, "venv")), site
assert xbuild.__version__ == version, (xbuild.__version__, version)
assert xbuild.binary() == os.path.join(site, "bin", "xbuild"), xbuild.binary()
lines = []
results = xbuild.wheels(os.path.join(work, "good"), arch="arm64", python="3.11",
                        output=os.path.join(work, "wheelhouse"), on_progress=lines.append)
assert len(results) == 1 and results[0].ok and not results[0].cached, results
assert os.path.isfile(results[0].wheel), results[0].wheel
assert any("cp311-manylinux_aarch64" in line and "testing" in line for line in lines), lines
try:
    xbuild.wheels(os.path.join(work, "broken"), arch="arm64", python="3.11",
                  output=os.path.join(work, "broken-out"), quiet=True)
    raise SystemExit("a compile error raised nothing")
except xbuild.Error as error:
    assert isinstance(error, RuntimeError) and "build failed" in str(error), str(error)
print("wheel", os.path.basename(results[0].wheel), "progress lines", len(lines))
PY
[[ $CODE -eq 0 ]] || fail "the API script in the venv failed ($CODE): $ERR"
pass "in the venv, xbuild.wheels() built the arm64 wheel with progress callbacks; a failure raised xbuild.Error ($OUT)"

# Killed mid-build (SIGKILL: no handler runs): the sandbox dies with the Python process.
"$WORK/venv/bin/python" - "$WORK" >"$WORK/kill.out" 2>&1 <<'PY' &
import os, sys
import xbuild
work = sys.argv[1]
def progress(line):
    if ": building in " in line:
        open(os.path.join(work, "building"), "w").close()
xbuild.wheels(os.path.join(work, "slow"), arch="arm64", python="3.11", output=os.path.join(work, "slow-out"),
              on_progress=progress)
PY
kill_host_mid_build $! Python 1171 "$WORK/slow-out"
