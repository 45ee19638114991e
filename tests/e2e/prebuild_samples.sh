# xbuild prebuild on the node-addon-api sample (recipes/samples/napi-sample, C++ with exceptions) for
# x64 and arm64. xbuild's own test stages resolved each prebuild with node-gyp-build in target-arch
# node (arm64 under qemu) of three suites (bookworm's Node 18, trixie's Node 20, forky's Node 24:
# --test-suites) and ran the sample's self-test; here the results are checked
# independently: file layout and names, ELF machine (readelf), and node-gyp-build loading the
# prebuilds in the host's node and in an arm64 node that xbuild's prebuild code never touched.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# A copy with a line of its own: tests beside this one build the sample too, and this one must see
# its own build and test steps rather than their cached results.
sample="$WORK/napi-sample"
cp -r "$root/recipes/samples/napi-sample" "$sample"
rm -rf "$sample/node_modules" "$sample/build" "$sample/prebuilds"
echo "// $TEST_NAME ${WORK##*/}" >>"$sample/index.js"
out="$WORK/prebuilds"

suites=bookworm,trixie,forky
run_capture "$XBUILD" prebuild "$sample" --arch x64,arm64 --test-suites "$suites" -o "$out" --json
[[ $CODE -eq 0 ]] || fail "xbuild prebuild failed: $ERR"
pass "xbuild prebuild napi-sample: x64 and arm64 built and tested"
for arch in x64 arm64; do
    printf '%s\n' "$ERR" | grep -q "$arch: testing in trixie/.* runtime: done" || fail "no passing $arch test step: $ERR"
done
pass "both archs passed the test stage"
json_field() { python3 -c "import json,sys; d={o['arch']: o for o in json.load(sys.stdin)}; print(d['$1']['$2'])" <<<"$OUT"; }
# Each arch's log: node-gyp-build loaded the new prebuild in each suite's Node (it prints the version).
for arch in x64 arm64; do
    log=$(json_field "$arch" log)
    for node in v18. v20. v24.; do
        grep -q "node-gyp-build loaded /pkg/prebuilds/linux-$arch/xbuild-napi-sample.napi.glibc.node on $arch (node $node" "$log" ||
            fail "$arch: the prebuild was not loaded in Node $node (log $log)"
    done
done
pass "node-gyp-build loaded both prebuilds in Node 18 (bookworm), 20 (trixie) and 24 (forky), arm64 under qemu"
expect_eq "$(json_field arm64 ok)" True "--json: arm64 ok"
expect_eq "$(json_field arm64 glibc_floor)" 2.17 "--json: the arm64 prebuild's glibc floor (aarch64 starts at 2.17)"
expect_contains "$(json_field x64 newest_glibcxx)" "GLIBCXX_3.4." "--json: the C++ addon needs libstdc++ versions"

# The layout node-gyp-build loads: prebuilds/linux-<arch>/<name>.napi.glibc.node, nothing else.
expect_eq "$(cd "$out" && find . -type f | LC_ALL=C sort | tr '\n' ' ')" \
    "./linux-arm64/xbuild-napi-sample.napi.glibc.node ./linux-x64/xbuild-napi-sample.napi.glibc.node " \
    "the prebuilds are named with the napi and glibc tags"
expect_contains "$(readelf -h "$out/linux-arm64/xbuild-napi-sample.napi.glibc.node")" "AArch64" "linux-arm64 holds an AArch64 ELF"
expect_contains "$(readelf -h "$out/linux-x64/xbuild-napi-sample.napi.glibc.node")" "X86-64" "linux-x64 holds an x86-64 ELF"
readelf -d "$out/linux-arm64/xbuild-napi-sample.napi.glibc.node" | grep -q 'NEEDED.*libnode' &&
    fail "the prebuild links libnode"
pass "no libnode in DT_NEEDED"
for arch in x64 arm64; do
    expect_floor "$out/linux-$arch/xbuild-napi-sample.napi.glibc.node" "linux-$arch/xbuild-napi-sample.napi.glibc.node"
done

# Independent loaders: node-gyp-build 4.8.4 from the npm registry (pinned by checksum in
# recipes/fixtures.toml) in the host's node, and in Debian's arm64 node under qemu.
ngb=$(bash "$root/tests/fetch_fixture.sh" node-gyp-build "$WORK/fixtures")
mkdir -p "$WORK/app/node_modules"
cp -r "$sample" "$WORK/app/node_modules/xbuild-napi-sample"
rm -rf "$WORK/app/node_modules/xbuild-napi-sample/build" "$WORK/app/node_modules/xbuild-napi-sample/prebuilds"
cp -r "$out" "$WORK/app/node_modules/xbuild-napi-sample/prebuilds"
cp -r "$ngb" "$WORK/app/node_modules/node-gyp-build"
check='const p = require("node-gyp-build").resolve("node_modules/xbuild-napi-sample");
const s = require("xbuild-napi-sample");
console.log(p.split("/").slice(-2).join("/"), s.compiledFor, s.crc32(Buffer.from("hello")));'
if command -v node >/dev/null; then
    expect_eq "$(cd "$WORK/app" && node -e "$check")" "linux-x64/xbuild-napi-sample.napi.glibc.node x64 907060870" \
        "the host's node loads the x64 prebuild through node-gyp-build"
fi
run_capture "$XBUILD" sandbox run --arch arm64 --packages nodejs --bind "$WORK/app:/app:ro" --workdir /app -- node -e "$check"
expect_eq "$OUT" "linux-arm64/xbuild-napi-sample.napi.glibc.node arm64 907060870" \
    "Debian's arm64 node (qemu) loads the arm64 prebuild through node-gyp-build"

# Unchanged second run: from the cache, no stage, fetch, build or test work.
run_capture "$XBUILD" prebuild "$sample" --arch x64,arm64 --test-suites "$suites" -o "$out"
[[ $CODE -eq 0 ]] || fail "second run failed: $ERR"
expect_eq "$(printf '%s\n' "$ERR" | grep -c 'unchanged: from the cache')" 2 "an unchanged rerun takes both prebuilds from the cache"
printf '%s\n' "$ERR" | grep -qE 'building in|fetching|testing in' && fail "an unchanged rerun did work: $ERR"
pass "the rerun did no build work"
