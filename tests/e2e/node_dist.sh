# xbuild's npm package, built by xbuild (issue 11): `xbuild prebuild node/binding` compiles the addon and
# the xbuild binary from the repository root (package.json "source-root") for x64 and arm64 against the
# glibc 2.31 floor, and tests each in its arch's Node (arm64 under qemu); every ELF file is of its arch and
# within the floor; node/binding/pack.sh packs them. In a clean directory `npm install` of the tarball
# gives `npx xbuild` and require('xbuild'): a script awaits prebuild() of the napi sample with progress
# callbacks and events, a bad path rejects with XbuildError, and killing the Node process mid-build
# leaves no sandbox process and no output.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$("$XBUILD" --version | awk '{print $NF}')

run_capture "$XBUILD" prebuild "$root/node/binding" --arch x64,arm64 -o "$WORK/prebuilds"
[[ $CODE -eq 0 ]] || fail "xbuild prebuild node/binding failed: $ERR"
expect_contains "$ERR$OUT" "arm64: testing in" "the arm64 prebuild was tested in arm64 Node (qemu)"
for arch in x64 arm64; do
    for file in xbuild.napi.glibc.node xbuild; do
        [[ -f $WORK/prebuilds/linux-$arch/$file ]] || fail "no prebuilds/linux-$arch/$file: $(ls -R "$WORK/prebuilds")"
    done
    [[ -x $WORK/prebuilds/linux-$arch/xbuild ]] || fail "prebuilds/linux-$arch/xbuild is not executable"
done
pass "xbuild prebuild node/binding gave the addon and the binary for linux-x64 and linux-arm64"

# Every ELF file of each platform: its machine, symbol versions within the 2.31 floor, and nothing loaded
# beyond the C library and what is grafted beside it.
elves=0 newest=0
for arch in x64 arm64; do
    check_floor_elves "$WORK/prebuilds/linux-$arch" "$([[ $arch == x64 ]] && echo X86-64 || echo AArch64)" 31 beside
    elves=$((elves + ELVES))
    if ((NEWEST > newest)); then newest=$NEWEST; fi
done
[[ $elves -ge 4 ]] || fail "expected the addon and the binary for each arch, found $elves ELF files"
pass "the prebuilds' $elves ELF files are of their arch, need at most GLIBC_2.$newest, the C library and what is grafted"

run_capture "$root/node/binding/pack.sh" "$WORK/prebuilds" "$WORK/dist"
[[ $CODE -eq 0 ]] || fail "pack.sh failed: $ERR"
tarball=$OUT
expect_eq "$(basename "$tarball")" "xbuild-$version.tgz" "pack.sh wrote the tarball of CMake's version"
listing=$(tar tvzf "$tarball")
for path in package/index.js package/index.d.ts package/bin/xbuild.js package/share/xbuild/recipes/stages.toml \
    package/prebuilds/linux-arm64/xbuild.napi.glibc.node; do
    [[ $listing == *" $path"* ]] || fail "$path not in the tarball: $listing"
done
[[ $(grep " package/prebuilds/linux-x64/xbuild$" <<<"$listing") == -rwx* ]] || fail "the packed binary is not executable"

# A clean directory: npm install of the tarball (its one dependency, node-gyp-build, from the registry).
unset XBUILD_BINARY XBUILD_RECIPES
mkdir "$WORK/app"
cd "$WORK/app"
echo '{"name": "uses-xbuild", "version": "1.0.0", "private": true}' >package.json
run_capture npm install --no-audit --no-fund "$tarball"
[[ $CODE -eq 0 ]] || fail "npm install of $(basename "$tarball") failed: $ERR"
run_capture npx --no-install xbuild --version
[[ $CODE -eq 0 && $OUT == "xbuild $version" ]] || fail "npx xbuild --version: '$OUT' ($CODE) $ERR"
pass "npm installed the tarball; npx xbuild --version prints '$OUT'"

sample() {
    cp -r "$root/recipes/samples/napi-sample" "$WORK/$1"
    rm -rf "$WORK/$1/node_modules" "$WORK/$1/build" "$WORK/$1/prebuilds"
    # Its own name: its logs are not the sample's, which other tests read.
    sed -i "s/\"name\": \"xbuild-napi-sample\"/\"name\": \"xbuild-dist-$1\"/" "$WORK/$1/package.json"
}
sample good
echo "// run $(date +%s%N)" >>"$WORK/good/src/wordstats.cc"  # not a result-cache hit of an earlier run
sample slow
# binding.gyp's command expansion runs when node-gyp configures: a build that takes long.
sed -i 's|"target_name": "xbuild_napi_sample",|"target_name": "xbuild_napi_sample", "variables": {"slow": "<!(sleep 1173)"},|' \
    "$WORK/slow/binding.gyp"

run_capture node - "$WORK" "$version" <<'JS'
const path = require('path')
const [work, version] = process.argv.slice(2)
const xbuild = require('xbuild')
const assert = require('assert')
;(async () => {
  assert.strictEqual(xbuild.version, version)
  assert.ok(require.resolve('xbuild').startsWith(path.join(work, 'app', 'node_modules')))
  assert.strictEqual(xbuild.binary(), path.join(work, 'app/node_modules/xbuild/prebuilds/linux-x64/xbuild'))
  const lines = [], events = []
  xbuild.events.on('progress', (line, command) => events.push(command))
  const results = await xbuild.prebuild(path.join(work, 'good'), {
    arch: 'x64', output: path.join(work, 'good-out'), onProgress: (line) => lines.push(line)
  })
  assert.strictEqual(results.length, 1)
  assert.ok(results[0].ok && !results[0].cached, JSON.stringify(results[0]))
  assert.strictEqual(results[0].prebuild, path.join(work, 'good-out/linux-x64/xbuild-dist-good.napi.glibc.node'))
  assert.ok(require('fs').statSync(results[0].prebuild).size > 0)
  assert.ok(lines.some((line) => line.includes('x64: testing in')), lines.join('\n'))
  assert.ok(events.length === lines.length && events.every((command) => command === 'prebuild'))
  await assert.rejects(xbuild.prebuild(path.join(work, 'no-such-package'), { quiet: true }), (error) => {
    assert.ok(error instanceof xbuild.XbuildError, String(error))
    assert.ok(error.message.includes(path.join(work, 'no-such-package')), error.message)
    return true
  })
  console.log('prebuild', path.basename(results[0].prebuild), 'progress lines', lines.length)
})().catch((error) => { console.error(error); process.exit(1) })
JS
[[ $CODE -eq 0 ]] || fail "the API script failed ($CODE): $ERR"
pass "require('xbuild').prebuild() built the napi sample with progress callbacks and events; a bad path rejected with XbuildError ($OUT)"

# Killed mid-build (SIGKILL: no handler runs): the sandbox dies with the Node process.
node - "$WORK" >"$WORK/kill.out" 2>&1 <<'JS' &
const fs = require('fs'), path = require('path')
const work = process.argv[2]
require('xbuild').prebuild(path.join(work, 'slow'), {
  arch: 'arm64', output: path.join(work, 'slow-out'),
  onProgress: (line) => { if (line.includes(': building in ')) fs.writeFileSync(path.join(work, 'building'), '') }
})
JS
kill_host_mid_build $! Node 1173 "$WORK/slow-out"
