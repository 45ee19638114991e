# xbuild prebuild on real npm packages fetched at test time (pinned in recipes/fixtures.toml):
# bufferutil 4.0.9 (C, Node-API) and utf-8-validate 6.0.5 (C++, Node-API). Both ship linux-x64
# prebuilds but none for linux-arm64. xbuild's test stage exercises the NATIVE functions through
# node-gyp-build under the target arch (their index.js would fall back to pure JS silently).
# fs-native-extensions 1.2.7 (C, Node-API with libuv: <uv.h>, napi_get_uv_event_loop, uv_queue_work)
# must be a Node-API prebuild too, without --abi: its locks wait on libuv's threadpool and resolve
# on Node's loop.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

declare -A tests=(
    [bufferutil]="node -e \"const b = require('node-gyp-build')('/pkg'); const out = Buffer.alloc(5);
b.mask(Buffer.from([1, 2, 3, 4, 5]), Buffer.from([0xff, 0, 0xff, 0]), out, 0, 5);
if (out.toString('hex') !== 'fe02fc04fa') throw new Error('mask gave ' + out.toString('hex'));
b.unmask(out, Buffer.from([0xff, 0, 0xff, 0]));
if (out.toString('hex') !== '0102030405') throw new Error('unmask gave ' + out.toString('hex'));
console.log('bufferutil native mask/unmask ok on', process.arch)\""
    [utf-8-validate]="node -e \"const isValidUTF8 = require('node-gyp-build')('/pkg');
if (isValidUTF8(Buffer.from('h\\u00e9llo \\u20ac')) !== true) throw new Error('valid UTF-8 rejected');
if (isValidUTF8(Buffer.from([0xc3, 0x28])) !== false) throw new Error('invalid UTF-8 accepted');
console.log('utf-8-validate native isValidUTF8 ok on', process.arch)\""
    # Two open files of one path: the second's lock waits (F_OFD_SETLKW in uv_queue_work on the loop
    # napi_get_uv_event_loop gave) until the first unlocks; EAGAIN comes back through uv_err_name.
    [fs-native-extensions]="node -e \"const fs = require('fs'); const x = require('/pkg');
const a = fs.openSync('/tmp/fsx-lock', 'w+'), b = fs.openSync('/tmp/fsx-lock', 'r+');
if (!x.tryLock(a)) throw new Error('tryLock of a free file failed');
if (x.tryLock(b)) throw new Error('a second open file got the lock');
const waiting = x.waitForLock(b); x.unlock(a);
waiting.then(() => { if (x.tryLock(a)) throw new Error('waitForLock did not take the lock');
fs.writeFileSync('/tmp/fsx-1', 'one'); fs.writeFileSync('/tmp/fsx-2', 'two'); return x.swap('/tmp/fsx-1', '/tmp/fsx-2'); })
.then(() => { if (fs.readFileSync('/tmp/fsx-1', 'utf8') !== 'two') throw new Error('swap did not exchange the files');
console.log('fs-native-extensions native locks and swap ok on', process.arch); })
.catch((e) => { console.error(e); process.exit(1); })\""
)
declare -A expected=([bufferutil]="bufferutil native mask/unmask ok on" [utf-8-validate]="utf-8-validate native isValidUTF8 ok on"
    [fs-native-extensions]="fs-native-extensions native locks and swap ok on")

for pkg in bufferutil utf-8-validate fs-native-extensions; do
    dir=$(bash "$root/tests/fetch_fixture.sh" "$pkg" "$WORK/fixtures")
    if [[ $pkg == fs-native-extensions ]]; then
        # Its devDependencies (standard, brittle, prebuildify, tempy: 360 packages, 150 MB, 90 s of
        # npm install here) are linters and test runners that neither its build nor this test uses.
        python3 -c 'import json, sys; p = json.load(open(sys.argv[1])); p.pop("devDependencies"); json.dump(p, open(sys.argv[1], "w"), indent=2)' "$dir/package.json"
    fi
    # Default output: the package's own prebuilds/, beside the ones it ships.
    # bufferutil is also tested in bookworm's Node 18 and forky's Node 24 (the others in trixie's alone).
    suites=trixie
    [[ $pkg == bufferutil ]] && suites=bookworm,trixie,forky
    XBUILD_TEST_COMMAND=${tests[$pkg]} run_capture "$XBUILD" prebuild "$dir" --arch x64,arm64 --test-suites "$suites" --json
    [[ $CODE -eq 0 ]] || fail "xbuild prebuild $pkg failed: $ERR"
    expect_contains "$ERR" "$pkg $(python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])' <"$dir/package.json"): node-gyp (Node-API)" \
        "$pkg is built as a Node-API addon"
    pass "xbuild prebuild $pkg: x64 and arm64 built and tested"
    for arch in x64 arm64; do
        file="$dir/prebuilds/linux-$arch/$pkg.napi.glibc.node"
        [[ -f $file ]] || fail "no $file: $(ls -R "$dir/prebuilds")"
        log=$(python3 -c "import json,sys; print([o for o in json.load(sys.stdin) if o['arch']=='$arch'][0]['log'])" <<<"$OUT")
        grep -q "^${expected[$pkg]} $arch\$" "$log" || fail "$pkg's native test did not pass on $arch (log $log)"
        grep -q "node-gyp-build loaded /pkg/prebuilds/linux-$arch/$pkg.napi.glibc.node on $arch" "$log" ||
            fail "node-gyp-build did not load the new $arch prebuild (log $log)"
        grep -q "not picked for musl: ok" "$log" || fail "the musl check did not run on $arch"
        if [[ $pkg == bufferutil ]]; then
            for node in v18. v20. v24.; do
                grep -q "node-gyp-build loaded /pkg/prebuilds/linux-$arch/$pkg.napi.glibc.node on $arch (node $node" "$log" ||
                    fail "$pkg: the $arch prebuild was not loaded in Node $node (log $log)"
            done
            [[ $(grep -c "^${expected[$pkg]} $arch\$" "$log") -eq 3 ]] || fail "$pkg: the native test did not pass in all three Nodes on $arch"
            expect_floor "$file" "$pkg linux-$arch"
        fi
    done
    pass "$pkg: node-gyp-build picked and loaded the new prebuilds, the native functions work on x64 and arm64"
    expect_contains "$(readelf -h "$dir/prebuilds/linux-arm64/$pkg.napi.glibc.node")" "AArch64" "$pkg linux-arm64 is AArch64"
done

# fs-native-extensions is the libuv case: its source includes <uv.h> (once refused up front), and
# the prebuilds leave libuv's and Node-API's functions to Node, nothing of V8 or node::.
dir="$WORK/fixtures/fs-native-extensions"
grep -q '^#include <uv.h>' "$dir/binding.c" || fail "binding.c no longer includes <uv.h>"
for arch in x64 arm64; do
    undefined=$(readelf --dyn-syms -W "$dir/prebuilds/linux-$arch/fs-native-extensions.napi.glibc.node" | awk '$7 == "UND" {print $8}')
    for symbol in napi_get_uv_event_loop uv_queue_work uv_err_name; do
        grep -qx "$symbol" <<<"$undefined" || fail "the $arch prebuild does not need $symbol: $undefined"
    done
    ! grep -qE '^_Z(N|TV|TI)K?(2v8|4node)' <<<"$undefined" || fail "the $arch prebuild needs V8 or node:: symbols"
done
pass "fs-native-extensions: napi_get_uv_event_loop, uv_queue_work and uv_err_name come from Node, no V8 symbol"

# The shipped linux-x64 prebuild (no tags) stays; node-gyp-build prefers the tagged one (more specific).
dir="$WORK/fixtures/bufferutil"
[[ -f $dir/prebuilds/linux-x64/bufferutil.node ]] || fail "the shipped linux-x64 prebuild was removed"
if command -v node >/dev/null; then
    mkdir -p "$dir/node_modules" && cp -r "$(bash "$root/tests/fetch_fixture.sh" node-gyp-build "$WORK/ngb")" "$dir/node_modules/"
    expect_eq "$(cd "$dir" && node -p 'require("node-gyp-build").resolve(".").split("/").slice(-2).join("/")')" \
        "linux-x64/bufferutil.napi.glibc.node" "the host's node-gyp-build prefers xbuild's tagged prebuild over the shipped one"
fi
