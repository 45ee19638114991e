# Real packages fetched at test time from the Debian archive's upstream tarballs (pinned
# sha256): PyYAML 6.0.2 with its libyaml extension (given as the sdist tarball itself) and
# MarkupSafe 2.1.5 with its C speedups, for x86_64 and arm64 × cp311 and cp313.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
export XBUILD_FIXTURE_CACHE=${XBUILD_FIXTURE_CACHE:-$XBUILD_CACHE/../fixture-cache}

"$root/tests/fetch_fixture.sh" pyyaml "$WORK/src" >/dev/null
"$root/tests/fetch_fixture.sh" markupsafe "$WORK/src" >/dev/null
sdist="$XBUILD_FIXTURE_CACHE/pyyaml_6.0.2.orig.tar.gz"
[[ -f $sdist ]] || fail "the pyyaml tarball is not in the fixture cache"
out="$WORK/wheelhouse"

# The build settings upstream CI passes (without them setup.py silently builds pure Python).
XBUILD_BUILD_PACKAGES=libyaml-dev \
XBUILD_ENVIRONMENT="PYYAML_FORCE_CYTHON=1 PYYAML_FORCE_LIBYAML=1" \
XBUILD_TEST_COMMAND="python3 -c \"import yaml, yaml._yaml; assert yaml.__with_libyaml__; assert yaml.load('a: [1, 2]', Loader=yaml.CSafeLoader) == {'a': [1, 2]}; print('pyyaml ok', yaml._yaml.get_version_string())\"" \
    run_capture "$XBUILD" wheels "$sdist" --arch x86_64,arm64 --python 3.11,3.13 -o "$out"
[[ $CODE -eq 0 ]] || fail "pyyaml: $ERR"
pass "pyyaml from its sdist: 4 wheels built, repaired and tested with the C loader"

XBUILD_ENVIRONMENT="CIBUILDWHEEL=1" \
XBUILD_TEST_COMMAND="python3 -c \"import markupsafe._speedups as s, markupsafe; assert markupsafe.escape.__module__ == 'markupsafe._speedups'; assert str(markupsafe.escape('<a>&')) == '&lt;a&gt;&amp;'; print('markupsafe ok')\"" \
    run_capture "$XBUILD" wheels "$WORK/src/markupsafe" --arch x86_64,arm64 --python 3.11,3.13 -o "$out"
[[ $CODE -eq 0 ]] || fail "markupsafe: $ERR"
pass "markupsafe: 4 wheels built, repaired and tested with the C speedups"

for py in 311 313; do
    for arch in x86_64 aarch64; do
        # auditwheel's tags: the lowest policy met, its alias, then the floor asked for (2_31 by default)
        ls "$out" | grep -qi "^pyyaml-6.0.2-cp$py-cp$py-manylinux_2_17_$arch.manylinux2014_$arch.manylinux_2_31_$arch.whl$" ||
            fail "no manylinux_2_17 pyyaml cp$py $arch wheel: $(ls "$out")"
        wheel=$(ls "$out" | grep -i "^markupsafe-2.1.5-cp$py-cp$py-.*$arch")
        expect_eq "$wheel" "$(ls "$out" | grep -i "^markupsafe-2.1.5-cp$py-cp$py-manylinux_2_17_$arch.manylinux2014_$arch.manylinux_2_31_$arch.whl$")" \
            "markupsafe cp$py $arch gets the low tag manylinux_2_17 (old GLIBC symbols only)"
        python3 -m wheel unpack -d "$WORK/unpack-$py-$arch" "$out/$wheel" >/dev/null || fail "wheel unpack rejects $wheel"
    done
done
pass "pyyaml wheels are manylinux_2_17 with libyaml grafted; RECORDs verify"
for wheel in "$out"/[Pp]y[Yy][Aa][Mm][Ll]-*aarch64*.whl; do
    python3 -c "import zipfile,sys; n=zipfile.ZipFile(sys.argv[1]).namelist(); assert any('.libs/libyaml-0-' in x for x in n), n" "$wheel" ||
        fail "libyaml not grafted into $wheel"
done
pass "arm64 pyyaml wheels carry libyaml (their test stage has no libyaml package)"
