# The Python API (python/binding/): in a fresh virtual environment, `import xbuild` (the module of
# this build, PYTHONPATH) builds the pybind11 sample for arm64 with progress callbacks, entering each
# sandbox through the xbuild binary (the Python process is multithreaded); a failing build raises
# xbuild.Error; Ctrl-C stops a build with KeyboardInterrupt and leaves neither output nor processes.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${XBUILD_PYTHON_DIR:?}"
[[ -f $(echo "$XBUILD_PYTHON_DIR"/xbuild/_native*.so) ]] || fail "the module was not built in $XBUILD_PYTHON_DIR/xbuild"

python3 -m venv "$WORK/venv"
py="$WORK/venv/bin/python"
export PYTHONPATH="$XBUILD_PYTHON_DIR"
unset XBUILD_BINARY
# A project name of its own: logs/<project>/ is not another test's.
sample() {
    cp -r "$root/recipes/samples/pybind-sample" "$WORK/$1"
    sed -i "s/^name = \"xbuild-pybind-sample\"/name = \"xbuild-module-$1\"/" "$WORK/$1/pyproject.toml"
}
sample good
# A source of this run only: the build is not a result-cache hit of an earlier run's, so it compiles and
# tests (progress lines of both are checked).
echo "// run $(date +%s%N)" >>"$WORK/good/src/wordfreq.cpp"
sample broken
echo "this is not C++;" >>"$WORK/broken/src/wordfreq.cpp"
sample slow
# The build sleeps in the sandbox (a process the test can look for) until it is interrupted.
sed -i '1i import os; os.system("sleep 1170")' "$WORK/slow/setup.py"

version=$("$XBUILD" --version | awk '{print $NF}')
run_capture "$py" - "$WORK" "$version" <<'PY'
import os, sys
import xbuild
work, version = sys.argv[1], sys.argv[2]
assert xbuild.__version__ == version, (xbuild.__version__, version)
assert os.path.realpath(xbuild.binary()) == os.path.realpath(os.environ["XBUILD"]), xbuild.binary()

checks = xbuild.doctor(arch="arm64")
assert checks and all(c["status"] in ("ok", "missing", "warning") for c in checks), checks
assert any("qemu" in c["what"] for c in checks), [c["what"] for c in checks]

lines = []
results = xbuild.wheels(os.path.join(work, "good"), arch="arm64", python="3.13",
                        output=os.path.join(work, "wheelhouse"), on_progress=lines.append)
assert len(results) == 1, results
r = results[0]
assert r.ok and r.error is None and not r.cached and r.build_id == "cp313-manylinux_aarch64", r
assert os.path.isfile(r.wheel) and os.path.dirname(r.wheel) == os.path.join(work, "wheelhouse"), r.wheel
assert r.tags and all(t.startswith("cp313-cp313-manylinux") and t.endswith("_aarch64") for t in r.tags), r.tags
assert any("cp313-manylinux_aarch64" in line and "testing" in line for line in lines), lines
assert not any(line.startswith("xbuild: ") for line in lines), lines[:3]
print("progress lines:", len(lines))

info = xbuild.inspect(r.wheel)
assert info["arch"] == "aarch64", info

try:
    xbuild.wheels(os.path.join(work, "broken"), arch="arm64", python="3.13",
                  output=os.path.join(work, "broken-out"), quiet=True)
    raise SystemExit("a compile error raised nothing")
except xbuild.Error as error:
    assert isinstance(error, RuntimeError)
    assert "build failed" in str(error) and "\n" not in str(error).strip(), str(error)
    print("error:", error)
assert not os.path.exists(os.path.join(work, "broken-out")) or not os.listdir(os.path.join(work, "broken-out"))

try:
    xbuild.wheels(os.path.join(work, "nowhere"), output=os.path.join(work, "x"))
    raise SystemExit("a missing project raised nothing")
except xbuild.Error as error:
    assert "nowhere" in str(error), str(error)

try:  # nothing listens on port 9 of loopback: the registry client's error, as the CLI's
    xbuild.index_create("127.0.0.1:9/app:1", ["127.0.0.1:9/app:1-amd64"])
    raise SystemExit("index_create of an absent registry raised nothing")
except xbuild.Error as error:
    assert "reading 127.0.0.1:9/app:1-amd64 for 127.0.0.1:9/app" in str(error), str(error)
print("ok")
PY
[[ $CODE -eq 0 ]] || fail "the API script failed ($CODE): $ERR"
expect_contains "$OUT" "error: " "a compile error raised xbuild.Error with one line"
pass "xbuild.wheels built the arm64 wheel with progress callbacks; inspect, doctor and errors work"
unzip -p "$WORK"/wheelhouse/*.whl 'xbuild_pybind_sample/*.so' >"$WORK/ext.so"
[[ $(readelf -h "$WORK/ext.so" | awk '/Machine:/{print $2}') == AArch64 ]] || fail "the wheel's extension is not aarch64"
pass "the wheel's extension is AArch64 (readelf)"

# Ctrl-C: SIGINT while the build sleeps in its sandbox.
"$py" - "$WORK" >"$WORK/int.out" 2>"$WORK/int.err" <<'PY' &
import os, signal, sys
import xbuild
work = sys.argv[1]
# A background job of a script starts with SIGINT ignored, and Python then keeps it ignored: restore
# the handler a terminal's Ctrl-C meets.
signal.signal(signal.SIGINT, signal.default_int_handler)
def progress(line):
    print(line, flush=True)
    if ": building in " in line:
        open(os.path.join(work, "building"), "w").close()
try:
    xbuild.wheels(os.path.join(work, "slow"), arch="arm64", python="3.13", output=os.path.join(work, "slow-out"),
                  on_progress=progress)
    print("finished without an interrupt", flush=True)
except KeyboardInterrupt:
    print("KeyboardInterrupt", flush=True)
PY
pid=$!
cleanup_hooks+=("kill -9 $pid 2>/dev/null")
for _ in $(seq 600); do [[ -e $WORK/building ]] && pgrep -f "sleep 1170" >/dev/null && break; sleep 0.5; done
pgrep -f "sleep 1170" >/dev/null || fail "the slow build never started: $(cat "$WORK/int.out" "$WORK/int.err")"
helpers=$(pgrep -P "$pid" -f "__sandbox-helper" | wc -l)
[[ $helpers -ge 1 ]] || fail "no sandbox helper (xbuild __sandbox-helper) is a child of the Python process"
pass "the sandbox was entered through the xbuild binary, a child of the Python process"
# The spec (with the build's environment) is not on the helper's command line, which any user can read.
for helper in $(pgrep -P "$pid" -f "__sandbox-helper"); do
    cmdline=$(tr '\0' ' ' <"/proc/$helper/cmdline" 2>/dev/null || true)
    [[ $cmdline != *'"env"'* && $cmdline != *PATH=* ]] || fail "the helper's command line holds the spec: $cmdline"
done
pass "the helper's command line holds no spec (it reads it from a memfd)"
kill -INT "$pid"
code=0
timeout 60 tail --pid="$pid" -f /dev/null || fail "the Python process did not end within 60 s of SIGINT"
wait "$pid" || code=$?
expect_contains "$(cat "$WORK/int.out")" "KeyboardInterrupt" "SIGINT raised KeyboardInterrupt in the caller"
sleep 1
! pgrep -f "sleep 1170" >/dev/null || fail "the build's process outlived the interrupt"
pass "nothing of the interrupted build is left running"
[[ -z $(ls -A "$WORK/slow-out" 2>/dev/null) ]] || fail "the interrupted build left output: $(ls -A "$WORK/slow-out")"
pass "the interrupted build wrote nothing"
