# xbuild prebuild beyond the plain Node-API sample, on small packages written here:
# - a V8 addon (node.h): refused without --abi (prebuild_errors), built with --abi for the suite
#   Node's ABI (<name>.abi<N>.glibc.node), which node-gyp-build only picks for that Node;
# - a Node-API addon linking libyaml: libyaml is not a system library, so it is grafted beside the
#   .node file ($ORIGIN RUNPATH); the test stage has no libyaml, so the addon only loads if the
#   graft works; with --strip the files lose their symbol tables;
# - a cmake-js addon (CMakeLists.txt, no binding.gyp), cross-compiled with cmake-js.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

# --- a V8 addon, --abi ---
mkdir -p "$WORK/v8-hello"
cat >"$WORK/v8-hello/hello.cc" <<'CC'
#include <node.h>
namespace {
void Hello(const v8::FunctionCallbackInfo<v8::Value>& args) {
  args.GetReturnValue().Set(v8::String::NewFromUtf8(args.GetIsolate(), "world").ToLocalChecked());
}
void Initialize(v8::Local<v8::Object> exports) { NODE_SET_METHOD(exports, "hello", Hello); }
}  // namespace
NODE_MODULE(NODE_GYP_MODULE_NAME, Initialize)
CC
echo '{"targets": [{"target_name": "hello", "sources": ["hello.cc"]}]}' >"$WORK/v8-hello/binding.gyp"
cat >"$WORK/v8-hello/package.json" <<'JSON'
{"name": "v8-hello", "version": "1.0.0",
 "xbuild": {"test-command": "node -e \"const h = require('/xbuild/tools/node_modules/node-gyp-build')('/pkg'); if (h.hello() !== 'world') throw new Error('bad'); console.log('v8 hello', h.hello(), 'on', process.arch)\""}}
JSON
run_capture "$XBUILD" prebuild "$WORK/v8-hello" --abi --arch x64,arm64 -o "$WORK/v8-out"
[[ $CODE -eq 0 ]] || fail "--abi build failed: $ERR"
for arch in x64 arm64; do
    file=$(cd "$WORK/v8-out/linux-$arch" && ls)
    [[ $file =~ ^v8-hello\.abi[0-9]+\.glibc\.node$ ]] || fail "linux-$arch holds '$file', not v8-hello.abi<N>.glibc.node"
done
pass "--abi: v8-hello.abi<N>.glibc.node for x64 and arm64, loaded by node-gyp-build in the suite's Node"

# --- a Node-API addon linking libyaml: grafted; --strip ---
mkdir -p "$WORK/yaml-version"
cat >"$WORK/yaml-version/addon.c" <<'C'
#include <node_api.h>
#include <yaml.h>
static napi_value Version(napi_env env, napi_callback_info info) {
  napi_value result;
  napi_create_string_utf8(env, yaml_get_version_string(), NAPI_AUTO_LENGTH, &result);
  return result;
}
NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "version", NAPI_AUTO_LENGTH, Version, NULL, &fn);
  napi_set_named_property(env, exports, "version", fn);
  return exports;
}
C
echo '{"targets": [{"target_name": "yaml_version", "sources": ["addon.c"], "libraries": ["-lyaml"]}]}' \
    >"$WORK/yaml-version/binding.gyp"
cat >"$WORK/yaml-version/package.json" <<'JSON'
{"name": "yaml-version", "version": "1.0.0",
 "xbuild": {"build-packages": ["libyaml-dev"],
            "test-command": "node -e \"const v = require('/xbuild/tools/node_modules/node-gyp-build')('/pkg').version(); if (!/^0\\.2\\./.test(v)) throw new Error(v); console.log('libyaml', v, 'on', process.arch)\""}}
JSON
run_capture "$XBUILD" prebuild "$WORK/yaml-version" --arch arm64 --strip -o "$WORK/yaml-out" --json
[[ $CODE -eq 0 ]] || fail "libyaml addon failed: $ERR"
dir="$WORK/yaml-out/linux-arm64"
graft=$(cd "$dir" && ls libyaml-0-*.so.2 2>/dev/null) || fail "libyaml was not grafted beside the addon: $(ls "$dir")"
pass "libyaml grafted beside the prebuild as $graft"
dyn=$(readelf -d "$dir/yaml-version.napi.glibc.node")
expect_contains "$dyn" "Shared library: [$graft]" "the addon needs the grafted soname"
expect_contains "$dyn" 'Library runpath: [$ORIGIN]' "the addon finds it through \$ORIGIN"
readelf -S "$dir/yaml-version.napi.glibc.node" | grep -q '\.symtab' && fail "--strip left a .symtab"
pass "--strip removed the symbol table (and the stripped addon passed the arm64 test stage)"
expect_contains "$OUT" '"grafted": [' "--json lists the grafted files"

# --- cmake-js ---
mkdir -p "$WORK/cmake-hello"
cat >"$WORK/cmake-hello/hello.c" <<'C'
#include <node_api.h>
static napi_value Answer(napi_env env, napi_callback_info info) {
  napi_value result;
  napi_create_int32(env, 42, &result);
  return result;
}
NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "answer", NAPI_AUTO_LENGTH, Answer, NULL, &fn);
  napi_set_named_property(env, exports, "answer", fn);
  return exports;
}
C
cat >"$WORK/cmake-hello/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.15)
project(cmake_hello C)
add_definitions(-DNAPI_VERSION=8)
include_directories(${CMAKE_JS_INC})
add_library(${PROJECT_NAME} SHARED hello.c ${CMAKE_JS_SRC})
set_target_properties(${PROJECT_NAME} PROPERTIES PREFIX "" SUFFIX ".node")
target_link_libraries(${PROJECT_NAME} ${CMAKE_JS_LIB})
CMAKE
cat >"$WORK/cmake-hello/package.json" <<'JSON'
{"name": "cmake-hello", "version": "1.0.0", "binary": {"napi_versions": [8]},
 "xbuild": {"test-command": "node -e \"const a = require('/xbuild/tools/node_modules/node-gyp-build')('/pkg').answer(); if (a !== 42) throw new Error(a); console.log('cmake-js answer', a, 'on', process.arch)\""}}
JSON
run_capture "$XBUILD" prebuild "$WORK/cmake-hello" --arch arm64 -o "$WORK/cmake-out"
[[ $CODE -eq 0 ]] || fail "cmake-js addon failed: $ERR"
expect_contains "$ERR" "cmake-js (Node-API)" "the package is built with cmake-js"
expect_contains "$(readelf -h "$WORK/cmake-out/linux-arm64/cmake-hello.napi.glibc.node")" "AArch64" \
    "cmake-js cross-compiled an AArch64 prebuild that passed the arm64 test stage"
