# xbuild wheels on the two sample projects (recipes/samples): a pybind11 C++ module and a C
# extension linking libyaml, for x86_64 and arm64 × cp39, cp313 and cp314 (issue #16: Python 3.9's
# wheels are built with bullseye's interpreter and trixie's build tools). Each wheel was tested by
# xbuild in a clean target-arch runtime stage (pip install + the project's self-test, under
# qemu for arm64; arm64's pip ran on the host, for the target) that does NOT have libyaml; here the
# results are checked independently. Then a stable-ABI sample: one cp39-abi3 wheel per arch, built
# by the plan's oldest Python and tested on every Python of the plan.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

# Copies with a line of their own: other tests (and earlier runs) build the samples too, and this one
# must see its own build and test steps rather than their cached wheels.
samples="$WORK/samples"
for sample in pybind-sample yaml-sample; do
    mkdir -p "$samples" && cp -r "$root/recipes/samples/$sample" "$samples/"
    echo "# $TEST_NAME ${WORK##*/}" >>"$samples/$sample/pyproject.toml"
done

out="$WORK/wheelhouse"
for sample in pybind-sample yaml-sample; do
    run_capture "$XBUILD" wheels "$samples/$sample" --arch x86_64,arm64 --python 3.9,3.13,3.14 -o "$out" --json
    [[ $CODE -eq 0 ]] || fail "xbuild wheels $sample failed: $ERR"
    pass "xbuild wheels $sample: 6 build ids built and tested"
    printf '%s\n' "$ERR" | grep -q "cp313-manylinux_aarch64: testing in trixie/arm64 runtime: done" ||
        fail "no passing arm64 test step for $sample"
    pass "$sample's self-test passed in the arm64 runtime stage"
    python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==6 and all(o["ok"] for o in d), d' <<<"$OUT" ||
        fail "--json does not report 6 successes: $OUT"
    pass "--json reports 6 successes"
    # Python 3.9: bullseye's interpreter, the build tools of trixie unpacked over its toolchain, and
    # the wheel tested in bullseye's runtime (arm64 under qemu).
    expect_contains "$ERR" "cp39-manylinux_aarch64: building in bullseye/amd64→arm64 toolchain" \
        "cp39 builds in bullseye's toolchain"
    for arch in x86_64 aarch64; do
        printf '%s\n' "$ERR" | grep -q "cp39-manylinux_$arch: testing in bullseye/.* runtime: done" ||
            fail "no passing cp39 $arch test in bullseye's runtime for $sample"
        printf '%s\n' "$ERR" | grep -q "cp314-manylinux_$arch: testing in forky/.* runtime: done" ||
            fail "no passing cp314 $arch test in forky's runtime for $sample"
    done
    pass "$sample: cp39 passed on bullseye and cp314 on forky, x86_64 and arm64"
    # arm64: the host-arch toolchain's pip installed the wheel for aarch64; only the test ran under qemu.
    log=$(python3 -c 'import json,sys; print([o for o in json.load(sys.stdin) if o["build_id"]=="cp313-manylinux_aarch64"][0]["log"])' <<<"$OUT")
    grep -q "^# test cp313-manylinux_aarch64 in trixie/amd64.*(pip for aarch64)" "$log" || fail "arm64's pip did not run on the host (log $log)"
    grep -q "python3.13 -m pip install .*--platform manylinux_2_41_aarch64 .*--target /xbuild/site" "$log" ||
        fail "the host's pip was not asked for the target's platform (log $log)"
    pass "$sample: arm64's pip ran natively for the target (--platform manylinux_2_41_aarch64 ...)"
done

expect_eq "$(ls "$out" | wc -l)" 12 "12 wheels in the wheelhouse"
for py in 39 313 314; do
    for arch in x86_64 aarch64; do
        for dist in xbuild_pybind_sample xbuild_yaml_sample; do
            wheel=$(ls "$out"/${dist}-1.0.0-cp$py-cp$py-manylinux_*_$arch*.whl 2>/dev/null | head -1)
            [[ -n $wheel ]] || fail "no manylinux $arch cp$py wheel for $dist: $(ls "$out")"
            # Independent checks: RECORD hashes (wheel unpack verifies them) and the ELF machine.
            rm -rf "$WORK/unpack" && mkdir "$WORK/unpack"
            python3 -m wheel unpack -d "$WORK/unpack" "$wheel" >/dev/null || fail "wheel unpack rejects $wheel"
            expected=$([[ $arch == aarch64 ]] && echo 00b7 || echo 003e)
            while IFS= read -r so; do
                machine=$(od -An -tx2 -j18 -N2 "$so" | tr -d ' ')
                [[ $machine == "$expected" ]] || fail "$so in $(basename "$wheel") has e_machine $machine"
            done < <(find "$WORK/unpack" -name '*.so*' -type f)
            # The default floor: bullseye's glibc and GCC 10's libstdc++, whatever suite built it.
            [[ $(basename "$wheel") =~ -manylinux_2_([0-9]+)_ ]] || fail "no manylinux_2_N tag: $wheel"
            (( BASH_REMATCH[1] <= 31 )) || fail "$(basename "$wheel") is tagged above manylinux_2_31"
            while IFS= read -r so; do
                expect_floor "$so" "$(basename "$wheel") $(basename "$so")"
            done < <(find "$WORK/unpack" -name '*.so*' -type f)
            if [[ $py == 39 ]]; then
                # Built by a setuptools that reads [project] (the samples pin >=61; bullseye has 52).
                generator=$(sed -n 's/^Generator: setuptools (\([0-9]*\)\..*/\1/p' "$WORK"/unpack/*/*.dist-info/WHEEL)
                [[ -n $generator ]] && (( generator >= 61 )) ||
                    fail "$(basename "$wheel") was not built by setuptools >= 61: $(cat "$WORK"/unpack/*/*.dist-info/WHEEL)"
            fi
            if [[ $dist == xbuild_yaml_sample ]]; then
                find "$WORK/unpack" -path '*xbuild_yaml_sample.libs/libyaml-0-*.so.2' | grep -q . ||
                    fail "libyaml is not grafted into $(basename "$wheel")"
                # Its SBOM names the floor suite's package it came from (bullseye: libyaml 0.2.2).
                deb=$([[ $arch == aarch64 ]] && echo arm64 || echo amd64)
                grep -q "\"purl\": \"pkg:deb/debian/libyaml-0-2@0.2.2-1?arch=$deb&distro=bullseye\"" \
                    "$WORK"/unpack/*/*.dist-info/sboms/xbuild.cdx.json ||
                    fail "no SBOM entry for bullseye's libyaml-0-2 in $(basename "$wheel")"
            else
                [[ ! -e $(echo "$WORK"/unpack/*/*.dist-info)/sboms ]] || fail "an SBOM in $(basename "$wheel"), which grafted nothing"
            fi
        done
    done
done
pass "every wheel: RECORD verified by 'wheel unpack', .so files of the right machine, libyaml grafted and in the SBOM"

# The C++ module's tag is set by its GLIBCXX needs; the C module's by GLIBC only.
tag_of() { ls "$out"/$1-1.0.0-cp313-cp313-*_aarch64*.whl | sed 's/.*-cp313-cp313-//; s/\.whl$//'; }
inspect=$("$XBUILD" inspect --json "$(ls "$out"/xbuild_pybind_sample-1.0.0-cp313-*aarch64*.whl)")
expect_contains "$inspect" '"GLIBCXX_3.4.' "the pybind11 module needs GLIBCXX versions"
policy=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["policy"])' <<<"$inspect")
expect_contains "$(tag_of xbuild_pybind_sample)" "${policy}_aarch64" "the C++ wheel carries the tag inspect computes"

# Unchanged second run: everything from the cache, no stage or build work.
start=$(date +%s%N)
run_capture "$XBUILD" wheels "$samples/yaml-sample" --arch x86_64,arm64 --python 3.9,3.13,3.14 -o "$out"
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
[[ $CODE -eq 0 ]] || fail "second run failed: $ERR"
expect_eq "$(printf '%s\n' "$ERR" | grep -c 'unchanged, .* from the cache')" 6 "an unchanged rerun takes all 6 wheels from the cache"
printf '%s\n' "$ERR" | grep -q 'building in' && fail "an unchanged rerun built something"
echo "info: unchanged rerun took ${elapsed} ms"

# A CI matrix's shards (cibuildwheel's options): --print-build-identifiers lists the plan and builds
# nothing; --only builds that one build id (a result-cache hit of the run above) whatever --python says.
run_capture "$XBUILD" wheels "$samples/yaml-sample" --arch x86_64,arm64 --python 3.9,3.13 --print-build-identifiers
[[ $CODE -eq 0 ]] || fail "--print-build-identifiers failed: $ERR"
expect_eq "$(tr '\n' ' ' <<<"$OUT")" \
    "cp39-manylinux_x86_64 cp39-manylinux_aarch64 cp313-manylinux_x86_64 cp313-manylinux_aarch64 " \
    "--print-build-identifiers prints the plan's build ids in build order"
printf '%s\n' "$ERR" | grep -q 'building in' && fail "--print-build-identifiers built something"
run_capture "$XBUILD" wheels "$samples/yaml-sample" --only cp313-manylinux_aarch64 --python 3.9 -o "$WORK/only"
[[ $CODE -eq 0 ]] || fail "--only failed: $ERR"
expect_eq "$(ls "$WORK/only" | sed 's/-cp313-cp313-.*aarch64\.whl$/-cp313-aarch64/')" "xbuild_yaml_sample-1.0.0-cp313-aarch64" \
    "--only cp313-manylinux_aarch64 wrote that build id's wheel alone"
expect_error "--only with --arch" "--only cp313-manylinux_aarch64: names its arch; --arch cannot be given with it" \
    "$XBUILD" wheels "$samples/yaml-sample" --only cp313-manylinux_aarch64 --arch x86_64 -o "$WORK/only2"
expect_error "--only of a PyPy id" "--only pp310-manylinux_x86_64: not a build id xbuild makes" \
    "$XBUILD" wheels "$samples/yaml-sample" --only pp310-manylinux_x86_64 -o "$WORK/only2"
[[ ! -e $WORK/only2 ]] || fail "a refused --only wrote $WORK/only2"

# abi3: the backend tags the wheel cp39-abi3; cp311 builds it for each arch and cp313 only tests it.
cp -r "$root/recipes/samples/abi3-sample" "$samples/"
echo "# $TEST_NAME ${WORK##*/}" >>"$samples/abi3-sample/pyproject.toml"
run_capture "$XBUILD" wheels "$samples/abi3-sample" --arch x86_64,arm64 --python 3.11,3.13 -o "$WORK/abi3" --json
[[ $CODE -eq 0 ]] || fail "xbuild wheels abi3-sample failed: $ERR"
expect_eq "$(ls "$WORK/abi3" | sed 's/manylinux_2_[0-9]*_/manylinux_X_/' | LC_ALL=C sort | tr '\n' ' ')" \
    "xbuild_abi3_sample-1.0.0-cp39-abi3-manylinux_X_aarch64.manylinux2014_aarch64.manylinux_2_31_aarch64.whl xbuild_abi3_sample-1.0.0-cp39-abi3-manylinux_X_x86_64.manylinux1_x86_64.manylinux_2_31_x86_64.whl " \
    "one cp39-abi3 wheel per arch"
expect_eq "$(printf '%s\n' "$ERR" | grep -c ': building in .*: done')" 2 "two builds (cp311, one per arch), not four"
expect_eq "$(python3 -c 'import json,sys; print(" ".join(o["build_id"] + "<" + o.get("abi3_from", "-") for o in json.load(sys.stdin)))' <<<"$OUT")" \
    "cp311-manylinux_x86_64<- cp311-manylinux_aarch64<- cp313-manylinux_x86_64<cp311-manylinux_x86_64 cp313-manylinux_aarch64<cp311-manylinux_aarch64" \
    "--json: the cp313 build ids tested the cp311 builds' abi3 wheels"
for arch in x86_64 aarch64; do
    log=$(python3 -c "import json,sys; print([o for o in json.load(sys.stdin) if o['build_id']=='cp313-manylinux_$arch'][0]['log'])" <<<"$OUT")
    grep -q "^abi3 selftest ok: CPython 3.13.[0-9]* on $arch (_fnv.abi3.so)\$" "$log" || fail "the abi3 wheel's self-test did not pass on CPython 3.13 $arch (log $log)"
done
pass "the abi3 wheels passed their self-test on CPython 3.11 and 3.13, x86_64 and aarch64"
