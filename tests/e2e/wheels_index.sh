# Build requirements from a package index (PEP 503 simple API) served on 127.0.0.1 by this script:
# setuptools 78.1.1, as a wheel made here from the tarball the Debian archive serves
# (recipes/fixtures.toml). The sample (recipes/samples/index-sample) pins setuptools>=77, which
# bookworm's Python 3.11 cannot have from Debian (setuptools 66): with --index-url the fetch step
# downloads it (network on), the build installs exactly it offline and builds for x86_64 and arm64;
# a pin no index satisfies is one error.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

# The index: /simple/<project>/ pages linking the wheel with its sha256, as PEP 503 says.
src=$(bash "$root/tests/fetch_fixture.sh" setuptools "$WORK/fixtures") || fail "cannot fetch the setuptools fixture"
(cd "$src" && python3 -m pip wheel -q --no-deps --no-build-isolation --no-index -w "$WORK/index/files" .) ||
    fail "cannot make the setuptools wheel"
wheel=$(cd "$WORK/index/files" && ls setuptools-78.1.1-py3-none-any.whl) || fail "no setuptools 78.1.1 wheel"
cp -r "$root/recipes/samples/index-helper" "$WORK/index-helper"
(cd "$WORK/index-helper" && python3 -m pip wheel -q --no-deps --no-build-isolation --no-index -w "$WORK/index/files" .) ||
    fail "cannot make the index-helper wheel"
helper=xbuild_index_helper-2.0.0-py3-none-any.whl
for project in setuptools:$wheel xbuild-index-helper:$helper; do
    name=${project%%:*} file=${project#*:}
    mkdir -p "$WORK/index/simple/$name"
    sha=$(sha256sum "$WORK/index/files/$file" | cut -d' ' -f1)
    printf '<!DOCTYPE html>\n<html><body>\n<a href="../../files/%s#sha256=%s" data-requires-python="&gt;=3.9">%s</a>\n</body></html>\n' \
        "$file" "$sha" "$file" >"$WORK/index/simple/$name/index.html"
    echo "<a href=\"$name/\">$name</a>" >>"$WORK/index/simple/index.html"
done
port=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$WORK/index" "$port" >"$WORK/http.log" 2>&1 &
server=$!
cleanup_hooks+=("kill $server")
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/simple/setuptools/" >/dev/null && break; sleep 0.1; done
index="http://127.0.0.1:$port/simple"
pass "a PEP 503 index with setuptools 78.1.1 and xbuild-index-helper 2.0.0 at $index"

proj="$WORK/index-sample"
cp -r "$root/recipes/samples/index-sample" "$proj"
echo "# $TEST_NAME ${WORK##*/}" >>"$proj/pyproject.toml"

# Without an index, Debian's setuptools of bookworm cannot meet the pin: the error says so.
expect_error "setuptools>=77 from Debian for Python 3.11" "serves setuptools 66" \
    "$XBUILD" wheels "$proj" --python 3.11 --arch x86_64 -o "$WORK/no-index"

# With it: fetched, then built offline with exactly that setuptools, both arches.
out="$WORK/wheelhouse"
# The test requirement (cibuildwheel's variable) is on the index only.
run_capture env CIBW_TEST_REQUIRES="xbuild-index-helper>=2" \
    CIBW_TEST_COMMAND="python -c 'import index_helper, index_sample; print(\"helper\", index_helper.VERSION, index_sample.square(12))'" \
    "$XBUILD" wheels "$proj" --python 3.11 --arch x86_64,arm64 --index-url "$index" -o "$out"
[[ $CODE -eq 0 ]] || fail "the build with --index-url failed: $ERR"
expect_contains "$ERR" "cp311-manylinux_aarch64: build requirements from $index: done" "the fetch step ran for arm64"
grep -q "GET /files/$wheel" "$WORK/http.log" || fail "the index's wheel was never downloaded: $(cat "$WORK/http.log")"
log="$XBUILD_CACHE/logs/xbuild-index-sample/cp311-manylinux_aarch64.log"
grep -q -- "pip download --only-binary=:all: --dest /reqs --index-url '$index'" "$log" || fail "no pip download in $log"
grep -q -- "--find-links /xbuild-requirements --target /tmp/xbuild-build-env 'setuptools>=77'" "$log" ||
    fail "the build did not install the fetched requirements offline: $log"
for arch in x86_64 aarch64; do
    whl=$(ls "$out"/xbuild_index_sample-1.0.0-cp311-cp311-manylinux_*_$arch.whl) || fail "no $arch wheel: $(ls "$out")"
    python3 - "$whl" <<'PY' || fail "$whl was not built by setuptools >= 77"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
meta = z.read("xbuild_index_sample-1.0.0.dist-info/METADATA").decode()
wheel = z.read("xbuild_index_sample-1.0.0.dist-info/WHEEL").decode()
assert "Metadata-Version: 2.4" in meta and "License-Expression: MIT" in meta, meta
assert "Generator: setuptools (78.1.1)" in wheel, wheel
print(sys.argv[1].rsplit("/", 1)[1], "METADATA 2.4, License-Expression: MIT, Generator: setuptools (78.1.1)")
PY
done
pass "the wheels (x86_64, arm64) carry PEP 639 metadata written by the index's setuptools 78.1.1"
for id in cp311-manylinux_x86_64 cp311-manylinux_aarch64; do
    log="$XBUILD_CACHE/logs/xbuild-index-sample/$id.log"
    grep -q -- "--python-version 3.11 --abi cp311 --platform manylinux_2_36_${id#*_}.* 'xbuild-index-helper>=2'" "$log" ||
        fail "$id: the test requirement was not downloaded for the target: $log"
    grep -qx 'helper 2.0.0 144' "$log" || fail "$id: the test did not import the index's helper: $(tail -5 "$log")"
done
pass "the test requirement came from the index for each target (x86_64, and aarch64 under qemu)"

# PIP_INDEX_URL configures it too, and --print-config says where it came from.
run_capture env PIP_INDEX_URL="$index" "$XBUILD" wheels "$proj" --print-config
printf '%s\n' "$OUT" | grep -Eq "^index-url += $index +# PIP_INDEX_URL$" || fail "--print-config: no index-url from PIP_INDEX_URL: $OUT"
pass "PIP_INDEX_URL is read as the index"

# A pin the index cannot satisfy: one error naming it and the index; nothing written.
sed -i 's/"setuptools>=77"/"setuptools>=99"/' "$proj/pyproject.toml"
# (A failed build id also prints its log's tail, pip's own words among them.)
run_capture "$XBUILD" wheels "$proj" --python 3.11 --arch x86_64 --index-url "$index" -o "$WORK/unsatisfied"
[[ $CODE -ne 0 ]] || fail "setuptools>=99 built"
errors=$(printf '%s\n' "$ERR" | grep '^xbuild: error: ')
[[ $(grep -c . <<<"$errors") -eq 1 && $errors == *"[build-system] requires 'setuptools>=99': no release on the index $index satisfies it"* ]] ||
    fail "not one error naming the pin and the index: $ERR"
pass "a pin no release on the index satisfies -> $errors"
[[ -z $(ls -A "$WORK/unsatisfied" 2>/dev/null) ]] || fail "the refused build wrote $(ls "$WORK/unsatisfied")"
expect_error "an index URL that is not http(s)" "--index-url: 'ftp://example.org/simple' is not an index URL" \
    "$XBUILD" wheels "$proj" --index-url ftp://example.org/simple -o "$WORK/unsatisfied"
