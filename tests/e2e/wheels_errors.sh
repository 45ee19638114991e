# Errors of xbuild wheels: one clear message, non-zero exit, nothing half-written in the wheelhouse.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$WORK/wheelhouse"
wheelhouse_clean() {
    [[ -z $(ls -A "$out" 2>/dev/null) ]] || fail "$1: the wheelhouse is not empty: $(ls -A "$out")"
    pass "$1: nothing in the wheelhouse"
}

mkdir -p "$WORK/empty"
expect_error "not a Python project" "no pyproject.toml or setup.py" "$XBUILD" wheels "$WORK/empty" -o "$out"
wheelhouse_clean "not a Python project"
expect_error "unknown arch" "unknown architecture 'sparc64'" "$XBUILD" wheels "$root/recipes/samples/yaml-sample" --arch sparc64 -o "$out"
expect_error "unknown python" "unsupported Python '3.7'" "$XBUILD" wheels "$root/recipes/samples/yaml-sample" --python 3.7 -o "$out"
expect_error "a command after --" "xbuild wheels: takes no command after '--' (got 'x')" "$XBUILD" wheels "$root/recipes/samples/yaml-sample" -o "$out" -- x

cp -r "$root/recipes/samples/yaml-sample" "$WORK/unmapped"
sed -i 's/requires = \["setuptools>=61"\]/requires = ["setuptools>=61", "frobnicate>=2"]/' "$WORK/unmapped/pyproject.toml"
expect_error "unmapped requirement" "build requirement 'frobnicate>=2' has no Debian package mapping" \
    "$XBUILD" wheels "$WORK/unmapped" --python 3.13 -o "$out"
expect_contains "$ERR" "[tool.xbuild.requirement-packages]" "the error names the config key that maps it"
wheelhouse_clean "unmapped requirement"

cp -r "$root/recipes/samples/yaml-sample" "$WORK/broken"
echo 'this is not C;' >>"$WORK/broken/src/yamlcount.c"
# A name of its own: its logs (logs/<name>/<build id>.log) must not be another test's, which a build of
# the same sample beside this test would replace.
sed -i 's/^name = "xbuild-yaml-sample"/name = "xbuild-broken-sample"/' "$WORK/broken/pyproject.toml"
run_capture "$XBUILD" wheels "$WORK/broken" --python 3.13 -o "$out"
[[ $CODE -ne 0 ]] || fail "a compile error exited 0"
expect_contains "$ERR" "build failed (exit 1)" "a compile error fails the build id"
expect_contains "$ERR" "error:" "the log tail with the compiler's error is shown"
expect_contains "$ERR" "---- last 30 lines of" "the log's path is printed"
log=$(printf '%s\n' "$ERR" | sed -n 's/^---- last 30 lines of \(.*\) ----$/\1/p')
[[ -f $log ]] || fail "the build log $log does not exist"
pass "the full build log is kept at $log"
wheelhouse_clean "compile error"

# --keep-going: the broken project fails for both archs, the exit status stays non-zero.
run_capture "$XBUILD" wheels "$WORK/broken" --arch x86_64,arm64 --python 3.13 --keep-going --json -o "$out"
[[ $CODE -ne 0 ]] || fail "--keep-going with failures exited 0"
expect_eq "$(python3 -c 'import json,sys; print(sum(1 for o in json.load(sys.stdin) if not o["ok"]))' <<<"$OUT")" 2 \
    "--keep-going tried both build ids"
wheelhouse_clean "keep-going"

# Names from the project are checked before they make a path: a name climbing out of the cache's
# logs/ directory is refused with one line naming the file, and nothing is created where it points.
escape="../../../../../../../../../../../../tmp/xbuild-name-$$"
cp -r "$root/recipes/samples/yaml-sample" "$WORK/badname"
sed -i "s|^name = .*|name = \"$escape\"|" "$WORK/badname/pyproject.toml"
expect_error "pyproject name with ../" "pyproject.toml: [project] name '$escape' is not a valid Python project name" \
    "$XBUILD" wheels "$WORK/badname" -o "$out"
[[ ! -e /tmp/xbuild-name-$$ ]] || fail "/tmp/xbuild-name-$$ was created"
pass "nothing was created at /tmp/xbuild-name-$$"
mkdir -p "$WORK/badcfg"
printf '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n' >"$WORK/badcfg/pyproject.toml"
printf '[metadata]\nname = %s\nversion = 1.0\n' "$escape" >"$WORK/badcfg/setup.cfg"
expect_error "setup.cfg name with ../" "setup.cfg: [metadata] name '$escape' is not a valid Python project name" \
    "$XBUILD" wheels "$WORK/badcfg" -o "$out"
[[ ! -e /tmp/xbuild-name-$$ ]] || fail "/tmp/xbuild-name-$$ was created"
pass "nothing was created at /tmp/xbuild-name-$$"
wheelhouse_clean "invalid project names"
cp -r "$root/recipes/samples/yaml-sample" "$WORK/badpkg"
sed -i 's|^build-packages = .*|build-packages = ["libyaml-dev", "../evil"]|' "$WORK/badpkg/pyproject.toml"
expect_error "invalid build-packages entry" "pyproject.toml: [tool.xbuild] build-packages: invalid package name '../evil'" \
    "$XBUILD" wheels "$WORK/badpkg" -o "$out"

# A build tool in build-packages (swig is Multi-Arch: foreign) is installed for the toolchain stage's
# own arch and is on the PATH of a cross build; before-build then stops the build (set -e: exit 127
# without swig), so no compile or test runs. It went into the target's sysroot before, off the PATH.
cp -r "$root/recipes/samples/yaml-sample" "$WORK/swig"
sed -i -e 's/^name = "xbuild-yaml-sample"/name = "xbuild-swig-sample"/' \
    -e 's/^build-packages = .*/build-packages = ["libyaml-dev", "swig"]/' "$WORK/swig/pyproject.toml"
cat >>"$WORK/swig/pyproject.toml" <<'TOML'
before-build = 'swig -version; echo "swig is $(dpkg-query -W -f=\${Architecture} swig)"; exit 42'
TOML
run_capture "$XBUILD" wheels "$WORK/swig" --arch "$(foreign_arch)" --python 3.13 -o "$out"
expect_contains "$ERR" "build failed (exit 42)" "a build tool of build-packages runs in a cross build"
expect_contains "$ERR" "SWIG Version" "swig is on the build's PATH"
expect_contains "$ERR" "swig is $(host_deb_arch)" "swig is the toolchain stage's arch, not the target's"
wheelhouse_clean "build tool in build-packages"
