# A project configured for cibuildwheel only (recipes/samples/cibw-example: pybind11, python_example's
# shape, [tool.cibuildwheel] with test-command "pytest {project}/tests", test-extras, an environment
# table and an override for aarch64) builds and runs its tests unchanged; CIBW_* variables override it
# as they do cibuildwheel's; options xbuild cannot honour are named; bad options are one error.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

proj="$WORK/cibw-example"
cp -r "$root/recipes/samples/cibw-example" "$proj"
echo "# $TEST_NAME ${WORK##*/}" >>"$proj/pyproject.toml"  # its own build, not another run's cached wheel
logs="$XBUILD_CACHE/logs/xbuild-cibw-example"

# 1. The configuration as it is, with a CI matrix's CIBW_BUILD and CIBW_ARCHS.
out="$WORK/wheelhouse"
run_capture env CIBW_BUILD="cp313-*" CIBW_ARCHS="x86_64 aarch64" "$XBUILD" wheels "$proj" -o "$out" --json
[[ $CODE -eq 0 ]] || fail "xbuild wheels of the cibuildwheel project failed: $ERR"
python3 -c 'import json,sys; d=json.load(sys.stdin); assert [o["build_id"] for o in d if o["ok"]] == ["cp313-manylinux_x86_64", "cp313-manylinux_aarch64"], d' <<<"$OUT" ||
    fail "--json does not report the two build ids CIBW_BUILD and CIBW_ARCHS select: $OUT"
pass "CIBW_BUILD=cp313-* CIBW_ARCHS='x86_64 aarch64': two build ids built"
for id in cp313-manylinux_x86_64 cp313-manylinux_aarch64; do
    printf '%s\n' "$ERR" | grep -Eq "^xbuild: $id +cp313-cp313-manylinux_2_[0-9]+_${id#*_}[^ ]* +[0-9.]+ KiB +no +[0-9.]+ s +[0-9.]+ s\$" ||
        fail "the summary table has no built row for $id: $ERR"
done
for id in cp313-manylinux_x86_64 cp313-manylinux_aarch64; do
    grep -q '^pytest /project/tests$' "$logs/$id.log" || fail "$id: the test command is not pytest {project}/tests"
    grep -Eq '^=+ 4 passed' "$logs/$id.log" || fail "$id: pytest did not pass its 4 tests: $(tail -20 "$logs/$id.log")"
done
pass "test-command 'pytest {project}/tests' ran pytest (from test-extras) on both arches: 4 passed each"
# The override's environment (inherit append, \$VAR expanded) reached the aarch64 build only: read
# from the extension modules themselves.
for arch in x86_64 aarch64; do
    wheel=$(ls "$out"/xbuild_cibw_example-0.1.0-cp313-cp313-*_"$arch".whl) || fail "no $arch wheel in $out"
    mkdir -p "$WORK/x-$arch" && (cd "$WORK/x-$arch" && unzip -q "$wheel")
    so=$(ls "$WORK/x-$arch"/cibw_example*.so)
    machine=$(readelf -h "$so" | sed -n 's/^ *Machine: *//p')
    strings "$so" >"$WORK/strings-$arch"
    if [[ $arch == aarch64 ]]; then
        expect_eq "$machine" "AArch64" "aarch64 module's machine"
        grep -qx 'hello-on-arm' "$WORK/strings-$arch" || fail "the aarch64 module lacks the override's greeting"
    else
        expect_eq "$machine" "Advanced Micro Devices X86-64" "x86_64 module's machine"
        grep -qx 'hello' "$WORK/strings-$arch" || fail "the x86_64 module lacks the table's greeting"
        ! grep -q 'hello-on-arm' "$WORK/strings-$arch" || fail "the aarch64 override changed the x86_64 build"
    fi
done
pass "the [[overrides]] table (select *-manylinux_aarch64, inherit.environment append) changed the aarch64 build only"
run_capture env CIBW_BUILD="cp313-*" CIBW_ARCHS="x86_64 aarch64" "$XBUILD" wheels "$proj" -o "$out"
printf '%s\n' "$ERR" | grep -Eq '^xbuild: cp313-manylinux_aarch64 +cp313-cp313-manylinux[^ ]+ +[0-9.]+ KiB +yes +- +-$' ||
    fail "the summary table of an unchanged rerun does not say cached: $ERR"
pass "the summary table: build id, tag, size, cached, build and test seconds (a rerun: cached)"

# 2. --print-config and --print-build-identifiers: CIBW_SKIP over the table, sources named.
run_capture "$XBUILD" wheels "$proj" --print-build-identifiers
expect_contains "$OUT" "cp39-manylinux_" "requires-python >=3.9 plans cp39 without a skip"
run_capture env CIBW_SKIP="cp39-*" "$XBUILD" wheels "$proj" --print-build-identifiers
[[ $CODE -eq 0 && $OUT != *cp39-* && $OUT == *cp313-manylinux_* ]] || fail "CIBW_SKIP=cp39-* did not drop cp39: $OUT $ERR"
pass "CIBW_SKIP=cp39-* drops cp39 from the plan: $(echo $OUT)"
run_capture env CIBW_SKIP="cp39-*" CIBW_ARCHS="x86_64 aarch64" "$XBUILD" wheels "$proj" --print-config
[[ $CODE -eq 0 ]] || fail "--print-config failed: $ERR"
printf '%s\n' "$OUT" | grep -Eq '^skip += cp39-\* +# CIBW_SKIP$' || fail "--print-config does not name CIBW_SKIP: $OUT"
printf '%s\n' "$OUT" | grep -Eq '^test-command += pytest \{project\}/tests +# .*pyproject.toml: \[tool.cibuildwheel\] test-command$' ||
    fail "--print-config does not name the table's test-command: $OUT"
printf '%s\n' "$OUT" | grep -A1 -x 'cp313-manylinux_aarch64:' | grep -q 'overrides\]\] #1' ||
    fail "--print-config does not show the override of cp313-manylinux_aarch64: $OUT"
! printf '%s\n' "$OUT" | grep -qx 'cp313-manylinux_x86_64:' || fail "--print-config shows an override for x86_64: $OUT"
pass "--print-config names where each key came from and the one build id the override changes"

# 3. CIBW_TEST_COMMAND and CIBW_TEST_SOURCES replace the table's test; an option xbuild cannot honour
# (a container engine) is named in a note, not ignored.
run_capture env CIBW_BUILD="cp313-*" CIBW_ARCHS=x86_64 CIBW_SKIP="cp39-*" CIBW_TEST_SOURCES=tests \
    CIBW_TEST_COMMAND="pytest -q tests && python -c 'import cibw_example as m; print(\"via CIBW_TEST_COMMAND\", m.add(20, 22))'" \
    CIBW_CONTAINER_ENGINE=podman "$XBUILD" wheels "$proj" -o "$WORK/wheelhouse2"
[[ $CODE -eq 0 ]] || fail "the build with CIBW_TEST_COMMAND failed: $ERR"
grep -q '^via CIBW_TEST_COMMAND 42$' "$logs/cp313-manylinux_x86_64.log" || fail "CIBW_TEST_COMMAND did not run"
grep -q '^cp -R /project/.tests. .tests.$' "$logs/cp313-manylinux_x86_64.log" || fail "test-sources were not copied"
pass "CIBW_TEST_COMMAND ran its pytest on the tests CIBW_TEST_SOURCES copied, and its own check"
expect_contains "$ERR" "xbuild: note: CIBW_CONTAINER_ENGINE: not honoured: xbuild runs no containers" \
    "CIBW_CONTAINER_ENGINE's note"

# 3b. A repair-wheel-command that is not auditwheel's runs instead of xbuild's repair, in the build's
# sandbox; one that leaves no wheel in {dest_dir} fails the build id.
run_capture env CIBW_BUILD="cp313-*" CIBW_ARCHS=x86_64 \
    CIBW_REPAIR_WHEEL_COMMAND='cp {wheel} {dest_dir}/ && echo "custom repair of $(basename {wheel})"' \
    "$XBUILD" wheels "$proj" -o "$WORK/custom-repair"
[[ $CODE -eq 0 ]] || fail "the build with a custom repair-wheel-command failed: $ERR"
ls "$WORK/custom-repair"/xbuild_cibw_example-0.1.0-cp313-cp313-linux_x86_64.whl >/dev/null ||
    fail "the custom repair's wheel (kept linux_x86_64) is not in the wheelhouse: $(ls "$WORK/custom-repair")"
grep -q '^custom repair of xbuild_cibw_example-0.1.0-cp313-cp313-linux_x86_64.whl$' "$logs/cp313-manylinux_x86_64.log" ||
    fail "the repair-wheel-command did not run on the built wheel"
pass "CIBW_REPAIR_WHEEL_COMMAND ran instead of xbuild's repair; its wheel was tested and kept"
run_capture env CIBW_BUILD="cp313-*" CIBW_ARCHS=x86_64 CIBW_REPAIR_WHEEL_COMMAND=true "$XBUILD" wheels "$proj" -o "$WORK/no-repair-out"
errors=$(printf '%s\n' "$ERR" | grep '^xbuild: error: ' || true)
[[ $CODE -ne 0 && $(grep -c . <<<"$errors") -eq 1 && $errors == *"repair-wheel-command left 0 wheels in {dest_dir} (expected one)"* ]] ||
    fail "a repair-wheel-command leaving no wheel is not one error: $ERR"
[[ -z $(ls -A "$WORK/no-repair-out" 2>/dev/null) ]] || fail "the failed repair wrote $(ls "$WORK/no-repair-out")"
pass "a repair-wheel-command that leaves no wheel -> $errors"

# 3c. before-all runs once per toolchain stage and what it writes outside the source stays for every build
# of that stage (and for later runs: a cached layer); before-build reads it.
before_all='mkdir -p /usr/local/share/cibw && echo "made by before-all" >/usr/local/share/cibw/marker'
run_capture env CIBW_BUILD="cp313-*" CIBW_ARCHS="x86_64 aarch64" CIBW_BEFORE_ALL="$before_all" \
    CIBW_BEFORE_BUILD='cat /usr/local/share/cibw/marker' "$XBUILD" wheels "$proj" -o "$WORK/before-all"
[[ $CODE -eq 0 ]] || fail "the build with CIBW_BEFORE_ALL failed: $ERR"
expect_eq "$(printf '%s\n' "$ERR" | grep -c 'building before-all of xbuild-cibw-example over .*: done')" 2 \
    "before-all runs once per toolchain stage (x86_64's and the arm64 cross stage)"
for id in cp313-manylinux_x86_64 cp313-manylinux_aarch64; do
    grep -qx 'made by before-all' "$logs/$id.log" || fail "$id: before-build did not see before-all's file"
done
run_capture env CIBW_BUILD="cp313-*" CIBW_ARCHS="x86_64 aarch64" CIBW_BEFORE_ALL="$before_all" \
    CIBW_BEFORE_BUILD='cat /usr/local/share/cibw/marker; echo again' "$XBUILD" wheels "$proj" -o "$WORK/before-all"
[[ $CODE -eq 0 && $ERR != *"building before-all"* ]] || fail "before-all ran again for an unchanged stage: $ERR"
grep -qx 'made by before-all' "$logs/cp313-manylinux_aarch64.log" || fail "the cached before-all layer is not there"
pass "before-all: once per toolchain stage, its files seen by every build of the stage, cached for the next run"

# 4. More options xbuild cannot honour, each one line in --print-config.
cp -r "$proj" "$WORK/unsupported"
cat >>"$WORK/unsupported/pyproject.toml" <<'EOF'
[tool.cibuildwheel.linux]
build-frontend = "build[uv]"
musllinux-x86_64-image = "musllinux_1_2"
manylinux-x86_64-image = "manylinux2014"
EOF
run_capture "$XBUILD" wheels "$WORK/unsupported" --print-config
for option in build-frontend musllinux-x86_64-image manylinux-x86_64-image; do
    [[ $(printf '%s\n' "$OUT" | grep -c "^note: .*\[tool.cibuildwheel.linux\] $option: ") -eq 1 ]] ||
        fail "no note names $option: $OUT"
done
expect_contains "$OUT" "glibc 2.17 is older than xbuild's oldest floor, so the floor is manylinux_2_31" \
    "manylinux2014 maps to the oldest floor"
pass "build-frontend, musllinux and manylinux images: one note each"

# 5. [tool.xbuild] beside [tool.cibuildwheel]: it wins key by key, and says so.
cp -r "$proj" "$WORK/both"
printf '[tool.xbuild]\ntest-command = "python3 -c \\"import cibw_example\\""\n' >>"$WORK/both/pyproject.toml"
run_capture "$XBUILD" wheels "$WORK/both" --print-config
expect_contains "$OUT" "[tool.xbuild] wins (over cibuildwheel's test-command); taken from cibuildwheel: environment, test-extras, test-skip" \
    "the note on both tables"

# 6. Bad options: one error naming the file and the key; nothing written.
cp -r "$proj" "$WORK/typo"
sed -i 's/^test-command = /test-comand = /' "$WORK/typo/pyproject.toml"
expect_error "a misspelt option" "pyproject.toml: [tool.cibuildwheel] test-comand: not a cibuildwheel option" \
    "$XBUILD" wheels "$WORK/typo" -o "$WORK/no-out"
cp -r "$proj" "$WORK/noselect"
sed -i 's/^select = .*$//' "$WORK/noselect/pyproject.toml"
expect_error "an override without select" "[[tool.cibuildwheel.overrides]] #1: has no select" \
    "$XBUILD" wheels "$WORK/noselect" -o "$WORK/no-out"
expect_error "a malformed CIBW_ENVIRONMENT" "CIBW_ENVIRONMENT: 'oops' is not NAME=VALUE" \
    env CIBW_ENVIRONMENT="A=1 oops" "$XBUILD" wheels "$proj" -o "$WORK/no-out"
[[ ! -e $WORK/no-out ]] || fail "a failed configuration wrote $WORK/no-out"
pass "nothing was written by the failed runs"
