# xbuild prebuild on real npm packages fetched at test time (pinned in recipes/fixtures.toml):
# bufferutil 4.0.9 (C, Node-API) and utf-8-validate 6.0.5 (C++, Node-API). Both ship linux-x64
# prebuilds but none for linux-arm64. xbuild's test stage exercises the NATIVE functions through
# node-gyp-build under the target arch (their index.js would fall back to pure JS silently).
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
)
declare -A expected=([bufferutil]="bufferutil native mask/unmask ok on" [utf-8-validate]="utf-8-validate native isValidUTF8 ok on")

for pkg in bufferutil utf-8-validate; do
    dir=$(bash "$root/tests/fetch_fixture.sh" "$pkg" "$WORK/fixtures")
    # Default output: the package's own prebuilds/, beside the ones it ships.
    XBUILD_TEST_COMMAND=${tests[$pkg]} run_capture "$XBUILD" prebuild "$dir" --arch x64,arm64 --json
    [[ $CODE -eq 0 ]] || fail "xbuild prebuild $pkg failed: $ERR"
    pass "xbuild prebuild $pkg: x64 and arm64 built and tested"
    for arch in x64 arm64; do
        file="$dir/prebuilds/linux-$arch/$pkg.napi.glibc.node"
        [[ -f $file ]] || fail "no $file: $(ls -R "$dir/prebuilds")"
        log=$(python3 -c "import json,sys; print([o for o in json.load(sys.stdin) if o['arch']=='$arch'][0]['log'])" <<<"$OUT")
        grep -q "^${expected[$pkg]} $arch\$" "$log" || fail "$pkg's native test did not pass on $arch (log $log)"
        grep -q "node-gyp-build loaded /pkg/prebuilds/linux-$arch/$pkg.napi.glibc.node on $arch" "$log" ||
            fail "node-gyp-build did not load the new $arch prebuild (log $log)"
        grep -q "not picked for musl: ok" "$log" || fail "the musl check did not run on $arch"
    done
    pass "$pkg: node-gyp-build picked and loaded the new prebuilds, the native functions work on x64 and arm64"
    expect_contains "$(readelf -h "$dir/prebuilds/linux-arm64/$pkg.napi.glibc.node")" "AArch64" "$pkg linux-arm64 is AArch64"
done

# The shipped linux-x64 prebuild (no tags) stays; node-gyp-build prefers the tagged one (more specific).
dir="$WORK/fixtures/bufferutil"
[[ -f $dir/prebuilds/linux-x64/bufferutil.node ]] || fail "the shipped linux-x64 prebuild was removed"
if command -v node >/dev/null; then
    mkdir -p "$dir/node_modules" && cp -r "$(bash "$root/tests/fetch_fixture.sh" node-gyp-build "$WORK/ngb")" "$dir/node_modules/"
    expect_eq "$(cd "$dir" && node -p 'require("node-gyp-build").resolve(".").split("/").slice(-2).join("/")')" \
        "linux-x64/bufferutil.napi.glibc.node" "the host's node-gyp-build prefers xbuild's tagged prebuild over the shipped one"
fi
