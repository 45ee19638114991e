# Errors of xbuild prebuild: one clear message, non-zero exit, no partial prebuilds left.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
sample="$root/recipes/samples/napi-sample"
out="$WORK/prebuilds"
output_clean() {
    [[ -z $(ls -A "$out" 2>/dev/null) ]] || fail "$1: prebuilds were written: $(ls -R "$out")"
    pass "$1: no prebuilds written"
}

mkdir -p "$WORK/empty"
expect_error "not a package" "no package.json" "$XBUILD" prebuild "$WORK/empty" -o "$out"
output_clean "not a package"
mkdir -p "$WORK/jsonly" && echo '{"name": "jsonly", "version": "1.0.0"}' >"$WORK/jsonly/package.json"
expect_error "nothing to build" "no binding.gyp or CMakeLists.txt" "$XBUILD" prebuild "$WORK/jsonly" -o "$out"
output_clean "nothing to build"
mkdir -p "$WORK/badjson" && echo '{"name": ' >"$WORK/badjson/package.json" && touch "$WORK/badjson/binding.gyp"
expect_error "invalid package.json" "$WORK/badjson/package.json: invalid JSON" "$XBUILD" prebuild "$WORK/badjson" -o "$out"
expect_error "unknown arch" "unknown architecture 'sparc64'" "$XBUILD" prebuild "$sample" --arch x64,sparc64 -o "$out"
output_clean "unknown arch"
cp -r "$sample" "$WORK/badkey"
sed -i 's/"test-command"/"test-cmd"/' "$WORK/badkey/package.json"
expect_error "unknown config key" "package.json: xbuild.test-cmd: unknown key" "$XBUILD" prebuild "$WORK/badkey" -o "$out"

# A V8 addon (NAN-style includes, no Node-API header) is not ABI-stable: refused up front without
# --abi, naming the file.
cp -r "$sample" "$WORK/v8addon"
printf '#include <v8.h>\nint uses_v8;\n' >"$WORK/v8addon/src/legacy.cc"
expect_error "v8 addon without --abi" "src/legacy.cc includes <v8.h>" "$XBUILD" prebuild "$WORK/v8addon" -o "$out"
expect_contains "$ERR" "--abi" "the error says how to build it"
output_clean "v8 addon without --abi"

# A Node-API source that also calls V8 (declared by hand, so no include gives it away): the built
# file's undefined symbols refuse it, one error line naming the .node file and the symbol.
cp -r "$sample" "$WORK/v8calls"
cat >>"$WORK/v8calls/src/wordstats.cc" <<'CC'
namespace v8 { class __attribute__((visibility("default"))) Isolate { public: static Isolate* GetCurrent(); }; }
void* xbuild_current_isolate() { return v8::Isolate::GetCurrent(); }
CC
run_capture "$XBUILD" prebuild "$WORK/v8calls" --arch x64 -o "$out"
[[ $CODE -ne 0 ]] || fail "a .node file using V8 was accepted as a Node-API prebuild"
expect_eq "$(printf '%s\n' "$ERR" | grep -c '^xbuild: error: ')" 1 "V8 symbol: one error line"
error=$(printf '%s\n' "$ERR" | grep '^xbuild: error: ')
expect_contains "$error" "build/Release/xbuild_napi_sample.node needs the V8 symbol v8::Isolate::GetCurrent() (_ZN2v87Isolate10GetCurrentEv)" \
    "the built file's V8 symbol is named"
expect_contains "$error" "build it for the suite's Node ABI with --abi, or port it to Node-API" "the error says what to do"
output_clean "V8 symbol without --abi"

# A compile error: the build fails for the first arch, the log tail is shown, nothing is written;
# with --keep-going both archs are tried and the exit status stays non-zero.
cp -r "$sample" "$WORK/broken"
echo 'this is not C++;' >>"$WORK/broken/src/wordstats.cc"
run_capture "$XBUILD" prebuild "$WORK/broken" --arch arm64 -o "$out"
[[ $CODE -ne 0 ]] || fail "a compile error exited 0"
expect_contains "$ERR" "arm64: build failed (exit" "a compile error fails the arch"
expect_contains "$ERR" "error:" "the log tail with the compiler's error is shown"
expect_contains "$ERR" "---- last 30 lines of" "the log's path is printed"
expect_eq "$(printf '%s\n' "$ERR" | grep -c '^xbuild: error: ')" 1 "one error line"
output_clean "compile error"
run_capture "$XBUILD" prebuild "$WORK/broken" --arch x64,arm64 --keep-going --json -o "$out"
[[ $CODE -ne 0 ]] || fail "--keep-going with failures exited 0"
expect_eq "$(python3 -c 'import json,sys; print(sum(1 for o in json.load(sys.stdin) if not o["ok"]))' <<<"$OUT")" 2 \
    "--keep-going tried both archs"
output_clean "keep-going"

# A failing test command: the build succeeds, the test fails, nothing is written.
XBUILD_TEST_COMMAND="node -e 'process.exit(3)'" run_capture "$XBUILD" prebuild "$sample" --arch x64 -o "$out"
[[ $CODE -ne 0 ]] || fail "a failing test exited 0"
expect_contains "$ERR" "x64: test failed (exit 3)" "a failing test command fails the arch"
output_clean "failing test"

# Names from package.json are checked when it is loaded, before they make a path: one line naming
# package.json and the key, and nothing created where the name points.
escape="../../../../../../../../../../../../tmp/xbuild-name-$$"
cp -r "$sample" "$WORK/badname"
python3 - "$WORK/badname/package.json" "$escape" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
data["name"] = sys.argv[2]
json.dump(data, open(sys.argv[1], "w"))
PY
expect_error "package name with ../" "package.json: name '$escape' is not a valid npm package name" \
    "$XBUILD" prebuild "$WORK/badname" -o "$out"
[[ ! -e /tmp/xbuild-name-$$ ]] || fail "/tmp/xbuild-name-$$ was created"
pass "nothing was created at /tmp/xbuild-name-$$"
cp -r "$sample" "$WORK/badpkg"
python3 - "$WORK/badpkg/package.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
data.setdefault("xbuild", {})["build-packages"] = ["zlib1g-dev", "zlib; touch /tmp/x"]
json.dump(data, open(sys.argv[1], "w"))
PY
expect_error "invalid build-packages entry" "package.json: xbuild.build-packages: invalid package name 'zlib; touch /tmp/x'" \
    "$XBUILD" prebuild "$WORK/badpkg" -o "$out"
output_clean "invalid names"
