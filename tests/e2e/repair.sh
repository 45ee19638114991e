# xbuild repair / inspect: grafting, honest tags, reproducibility, and hostile input refused.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

# A raw wheel as a build backend makes it (linux_ tag, needs the system libyaml), built in a
# toolchain sandbox by pip itself.
mkdir -p "$WORK/raw"
"$XBUILD" sandbox run --kind toolchain --target arm64 \
    --packages python3-pip,python3-setuptools,python3-pybind11,libpython3.13-dev:arm64,libyaml-dev:arm64 \
    --bind "$root/recipes/samples:/s:ro" --bind "$WORK/raw:/out" \
    --env _PYTHON_HOST_PLATFORM=linux-aarch64 --env _PYTHON_SYSCONFIGDATA_NAME=_sysconfigdata__aarch64-linux-gnu -- \
    sh -c 'for s in yaml-sample pybind-sample; do cp -r /s/$s /tmp/$s && cd /tmp/$s && python3 -m pip wheel -q --no-deps --no-build-isolation --no-index -w /out . || exit 1; done'
raw=$(ls "$WORK"/raw/xbuild_yaml_sample-*.whl)
raw_cxx=$(ls "$WORK"/raw/xbuild_pybind_sample-*.whl)
expect_contains "$raw" "linux_aarch64.whl" "the raw wheel is tagged linux_aarch64"
expect_contains "$("$XBUILD" inspect "$raw")" "libyaml-0.so.2               external (to graft)" "inspect marks libyaml external"
expect_contains "$("$XBUILD" inspect --resolve --packages libyaml-0-2 "$raw")" "external (to graft) -> /" "inspect --resolve shows where libyaml resolves in an arm64 stage"
expect_contains "$("$XBUILD" inspect --resolve --packages libyaml-0-2 --json "$raw")" '"resolves_to": "/lib/aarch64-linux-gnu/libyaml-0.so.2"' "... in the arm64 multiarch directory, from the arm64 stage"

export SOURCE_DATE_EPOCH=1700000000
"$XBUILD" repair "$raw" --packages libyaml-0-2 -w "$WORK/a" >/dev/null
"$XBUILD" repair "$raw" --packages libyaml-0-2 -w "$WORK/b" >/dev/null
a=$(ls "$WORK"/a/*.whl)
expect_contains "$a" "manylinux_2_17_aarch64.manylinux2014_aarch64.whl" "repaired arm64 wheel is manylinux_2_17"
cmp "$a" "$WORK/b/$(basename "$a")" || fail "two repairs of the same wheel differ"
pass "repairing twice gives byte-identical wheels"
python3 -m wheel unpack -d "$WORK/unpacked" "$a" >/dev/null || fail "wheel unpack rejects the repaired wheel"
pass "wheel unpack accepts the repaired wheel (RECORD hashes)"
so=$(find "$WORK/unpacked" -name '_yamlcount*.so')
lib=$(find "$WORK/unpacked" -name 'libyaml-0-*.so.2')
[[ -n $so && -n $lib ]] || fail "the repaired wheel lacks the module or the grafted library"
expect_contains "$(readelf -d "$so")" "Library runpath: [\$ORIGIN/../xbuild_yaml_sample.libs]" "the module finds the graft through \$ORIGIN"
expect_contains "$(readelf -d "$so")" "Shared library: [$(basename "$lib")]" "the module needs the hashed soname"
expect_contains "$(readelf -d "$lib")" "Library soname: [$(basename "$lib")]" "the graft carries the hashed soname"

# It imports and works in a clean arm64 Python without libyaml. (pip installing it is what
# every test stage of `xbuild wheels` does; here the wheel is unpacked onto sys.path.)
wheel_in=/w/$(basename "$a")
code=0
out=$("$XBUILD" sandbox run --arch arm64 --packages python3 --bind "$WORK/a:/w:ro" -- \
    python3 -c "import zipfile, sys, os; zipfile.ZipFile('$wheel_in').extractall('/tmp/site'); sys.path.insert(0, '/tmp/site'); os.chdir('/tmp'); import runpy; runpy.run_module('xbuild_yaml_sample.selftest', run_name='__main__')" 2>&1) || code=$?
[[ $code -eq 0 ]] || fail "the repaired wheel does not import in arm64 Python: $out"
expect_contains "$out" "ok on aarch64" "the repaired wheel imports and works in an arm64 runtime without libyaml"
code=0
"$XBUILD" sandbox run --arch arm64 --packages python3 -- python3 -c 'import ctypes.util; import sys; sys.exit(0 if ctypes.util.find_library("yaml") is None else 1)' || code=$?
expect_eq "$code" 0 "that runtime stage really has no libyaml"

# --plat: a tag the wheel cannot meet is refused, naming the reason.
expect_error "--plat below the C++ module's floor" "cannot be tagged manylinux_2_28" "$XBUILD" repair "$raw_cxx" --plat manylinux_2_28 -w "$WORK/c"
expect_contains "$ERR" "(symbol " "the refusal names the versioned symbol that prevents it"
expect_error "--plat unknown for the arch" "unknown platform tag 'manylinux_2_5' for aarch64" "$XBUILD" repair "$raw" --packages libyaml-0-2 --plat manylinux_2_5 -w "$WORK/c"
"$XBUILD" repair "$raw" --packages libyaml-0-2 --plat manylinux_2_28_aarch64 -w "$WORK/e" >/dev/null
expect_eq "$(ls "$WORK/e" | grep -o -- '-manylinux.*\.whl$')" "-manylinux_2_17_aarch64.manylinux2014_aarch64.manylinux_2_28_aarch64.whl" \
    "--plat manylinux_2_28_aarch64 adds its tag after the lowest policy's (as auditwheel does)"
"$XBUILD" repair "$raw" --packages libyaml-0-2 --plat manylinux_2_28_aarch64 --only-plat -w "$WORK/f" >/dev/null
expect_eq "$(ls "$WORK/f" | grep -o -- '-manylinux.*\.whl$')" "-manylinux_2_28_aarch64.whl" "--only-plat tags with --plat alone"

# The SBOM (PEP 770, .dist-info/sboms/): the grafted library with its Debian package, version and the
# SHA-256 of the file as the arm64 package ships it (read here in an arm64 stage by sha256sum).
sbom=$(ls "$WORK"/unpacked/*/*.dist-info/sboms/xbuild.cdx.json) || fail "the repaired wheel has no SBOM"
shipped=$("$XBUILD" sandbox run --arch arm64 --packages libyaml-0-2,coreutils -- sha256sum /usr/lib/aarch64-linux-gnu/libyaml-0.so.2 | cut -d' ' -f1)
python3 - "$sbom" "$shipped" <<'PY' || fail "the SBOM does not describe the graft: $(cat "$sbom")"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["bomFormat"] == "CycloneDX", doc
[c] = doc["components"]
assert c["name"] == "libyaml-0-2" and c["version"].startswith("0.2.5"), c
assert c["purl"].startswith("pkg:deb/debian/libyaml-0-2@0.2.5") and "arch=arm64" in c["purl"], c
assert c["hashes"] == [{"alg": "SHA-256", "content": sys.argv[2]}], (c["hashes"], sys.argv[2])
assert doc["dependencies"][0]["dependsOn"] == [c["bom-ref"]], doc["dependencies"]
print("sbom:", c["purl"], c["hashes"][0]["content"][:16])
PY
pass "the SBOM lists the grafted libyaml-0.so.2 as Debian's libyaml-0-2 0.2.5 (arm64) with the shipped file's SHA-256"

# --exclude: the library stays outside (DT_NEEDED as it was, no graft, no SBOM) and the tag still comes
# from the symbols; --lib-sdir names the grafts' directory.
"$XBUILD" repair "$raw" --exclude 'libyaml-0.so.*' -w "$WORK/ex" >/dev/null || fail "repair --exclude failed"
ex=$(ls "$WORK"/ex/*.whl)
expect_contains "$ex" "manylinux_2_17_aarch64.manylinux2014_aarch64.whl" "--exclude libyaml: still the honest manylinux_2_17 tag"
python3 -m wheel unpack -d "$WORK/ex-unpacked" "$ex" >/dev/null || fail "wheel unpack rejects the --exclude wheel"
ex_so=$(find "$WORK/ex-unpacked" -name '_yamlcount*.so')
expect_contains "$(readelf -d "$ex_so")" "Shared library: [libyaml-0.so.2]" "the module still needs the system's libyaml-0.so.2"
[[ -z $(find "$WORK/ex-unpacked" -name '*.libs' -o -name 'sboms') ]] || fail "--exclude still grafted something"
pass "--exclude: nothing grafted, no SBOM"
"$XBUILD" repair "$raw" --packages libyaml-0-2 --lib-sdir .vendored -w "$WORK/sd" >/dev/null || fail "repair --lib-sdir failed"
python3 -m wheel unpack -d "$WORK/sd-unpacked" "$(ls "$WORK"/sd/*.whl)" >/dev/null
[[ -n $(find "$WORK/sd-unpacked" -path '*/xbuild_yaml_sample.vendored/libyaml-0-*.so.2') ]] || fail "--lib-sdir: no graft in xbuild_yaml_sample.vendored/"
expect_contains "$(readelf -d "$(find "$WORK/sd-unpacked" -name '_yamlcount*.so')")" "\$ORIGIN/../xbuild_yaml_sample.vendored" "--lib-sdir .vendored: the RUNPATH points there"
expect_error "--lib-sdir with a slash" "--lib-sdir '/../x' must be one directory name suffix" \
    "$XBUILD" repair "$raw" --packages libyaml-0-2 --lib-sdir /../x -w "$WORK/c"

expect_error "missing library" "needs libyaml-0.so.2, which is not in the policy and was not found" "$XBUILD" repair "$raw" -w "$WORK/c"
[[ ! -e $WORK/c ]] || [[ -z $(ls -A "$WORK/c") ]] || fail "a refused repair left files in $WORK/c"
pass "refused repairs leave nothing behind"

# Hostile or wrong input.
python3 - "$raw" "$WORK/bad" <<'PY'
import sys, zipfile, os
raw, bad = sys.argv[1], sys.argv[2]
os.makedirs(bad, exist_ok=True)
src = zipfile.ZipFile(raw)
names = src.namelist()
so = [n for n in names if n.endswith('.so')][0]
def rewrite(out, mutate):
    # RECORD follows the mutated content: these wheels are wrong in their ELF files, not in RECORD.
    import base64, hashlib
    files = [mutate(n, src.read(n)) for n in names]
    def row(n, d):
        h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()
        return f'{n},sha256={h},{len(d)}\n'
    with zipfile.ZipFile(out, 'w') as z:
        for n, d in files:
            if n.endswith('.dist-info/RECORD'):
                d = (''.join(row(m, e) for m, e in files if not m.endswith('.dist-info/RECORD')) + f'{n},,\n').encode()
            z.writestr(n, d)
# an x86_64 ELF in an aarch64-named wheel
host_elf = open('/usr/lib/x86_64-linux-gnu/libz.so.1', 'rb').read()
rewrite(os.path.join(bad, 'hostarch-1.0-cp313-cp313-linux_aarch64.whl'), lambda n, d: (n, host_elf if n == so else d))
# a truncated ELF
rewrite(os.path.join(bad, 'truncated-1.0-cp313-cp313-linux_aarch64.whl'), lambda n, d: (n, d[:200] if n == so else d))
# zip-slip
with zipfile.ZipFile(os.path.join(bad, 'slip-1.0-cp313-cp313-linux_aarch64.whl'), 'w') as z:
    for n in names:
        z.writestr(n, src.read(n))
    z.writestr('../../evil.py', 'print(1)')
PY
expect_error "host-arch ELF in an aarch64 wheel" "is not a aarch64 ELF file" "$XBUILD" repair "$WORK/bad/hostarch-1.0-cp313-cp313-linux_aarch64.whl" -w "$WORK/d"
expect_error "truncated ELF" "truncated" "$XBUILD" repair "$WORK/bad/truncated-1.0-cp313-cp313-linux_aarch64.whl" -w "$WORK/d"
expect_error "zip-slip entry" "../../evil.py" "$XBUILD" repair "$WORK/bad/slip-1.0-cp313-cp313-linux_aarch64.whl" -w "$WORK/d"
[[ ! -e $WORK/d ]] || [[ -z $(ls -A "$WORK/d") ]] || fail "refused input left files in $WORK/d"
[[ ! -e $WORK/evil.py && ! -e $(dirname "$WORK")/evil.py ]] || fail "zip-slip wrote outside"
pass "hostile wheels leave nothing behind"
