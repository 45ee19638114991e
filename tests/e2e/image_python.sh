# xbuild image on the Python sample app (recipes/samples/python-app: both Python samples as wheels,
# x86_64 and arm64), checked with independent clients: skopeo reads the oci-archive and the layout,
# umoci unpacks single-platform layouts, podman loads and runs the image on amd64 and (qemu) arm64.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
app="$root/recipes/samples/python-app"
tag=xbuild-python-app:1.0
podman_run=(podman run --rm --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

run_capture "$XBUILD" image "$app" -o "$WORK/app.tar" --json
[[ $CODE -eq 0 ]] || fail "xbuild image failed: $ERR"
pass "xbuild image python-app: x86_64 and arm64"
printf '%s\n' "$OUT" >"$WORK/result.json"
digest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "$WORK/result.json")

# skopeo: the index, both platforms, the config.
expect_eq "$(skopeo inspect --raw "oci-archive:$WORK/app.tar:$tag" | sha256sum | cut -d' ' -f1)" "${digest#sha256:}" \
    "skopeo reads the oci-archive's index, of the digest xbuild printed"
platforms=$(skopeo inspect --raw "oci-archive:$WORK/app.tar:$tag" | python3 -c '
import json, sys
index = json.load(sys.stdin)
images = sorted(m["platform"]["architecture"] + "/" + m["platform"].get("variant", "") for m in index["manifests"] if "artifactType" not in m)
sboms = [m for m in index["manifests"] if m.get("artifactType") == "application/spdx+json"]
print(" ".join(images), len(sboms))')
expect_eq "$platforms" "amd64/ arm64/v8 2" "the index holds amd64, arm64/v8 and an SPDX SBOM artifact for each"
config=$(skopeo inspect --override-arch arm64 --override-variant v8 "oci-archive:$WORK/app.tar:$tag")
expect_contains "$config" '"Architecture": "arm64"' "skopeo selects the arm64 image"
expect_contains "$config" '"APP_GREETING=hello from xbuild"' "the config has the env of xbuild.toml"

# podman: load (the host's platform) and run; run the arm64 image from the archive under qemu.
run_capture podman load -i "$WORK/app.tar"
[[ $CODE -eq 0 ]] || fail "podman load failed: $ERR"
cleanup_hooks+=("podman rmi -f localhost/$tag >/dev/null 2>&1")
run_capture "${podman_run[@]}" "localhost/$tag"
# libyaml 0.2.2: the yaml wheel links the floor's libyaml (bullseye, manylinux_2_31) and carries it,
# grafted by repair, whatever the base's suite ships.
expect_eq "$OUT" "hello from xbuild: python-app on x86_64: top words [('the', 4), ('and', 2), ('hat', 2)], 6 YAML scalars (libyaml 0.2.2), uid 65532" \
    "podman runs the amd64 image as the nonroot user"
run_capture "${podman_run[@]}" --arch arm64 "oci-archive:$WORK/app.tar:$tag"
expect_contains "$OUT" "python-app on aarch64: top words [('the', 4)" "podman runs the arm64 image under qemu"

# umoci: unpack single-platform layouts; what is (not) in the image.
for arch in amd64 arm64; do
    run_capture "$XBUILD" image "$app" --arch "$arch" --layout "$WORK/layout-$arch"
    [[ $CODE -eq 0 ]] || fail "--layout $arch failed: $ERR"
    umoci unpack --image "$WORK/layout-$arch:$tag" "$WORK/bundle-$arch" >/dev/null || fail "umoci unpack $arch failed"
    rootfs="$WORK/bundle-$arch/rootfs"
    for path in usr/bin/sh usr/bin/dash usr/bin/bash usr/bin/apt usr/bin/dpkg usr/bin/gcc usr/bin/cc usr/include; do
        [[ -e $rootfs/$path || -L $rootfs/$path ]] && fail "$arch image has /$path"
    done
    [[ -z $(find "$rootfs" -name '*.h' -o -name '*.a' | head -1) ]] || fail "$arch image has headers or static libraries"
    [[ -x $rootfs/usr/bin/python3 ]] || fail "$arch image has no python3"
    grep -q '^Package: libc6$' "$rootfs/var/lib/dpkg/status.d/libc6" || fail "$arch image has no status.d entry for libc6"
    grep -q '^nonroot:x:65532:65532:' "$rootfs/etc/passwd" || fail "$arch image has no nonroot user"
    [[ -n $(find "$rootfs/usr/local/lib/python3.13/dist-packages" -name '*.cpython-313.pyc' | head -1) ]] ||
        fail "compile-bytecode = true left no .pyc in the $arch image"
    # Pruned docs keep each package's license, as distroless images do.
    [[ -f $rootfs/usr/share/doc/libc6/copyright ]] || fail "$arch image lost usr/share/doc/libc6/copyright"
    [[ -z $(find "$rootfs/usr/share/doc" -type f ! -name copyright | head -1) ]] ||
        fail "$arch image has docs besides the copyright files: $(find "$rootfs/usr/share/doc" -type f ! -name copyright | head -3)"
    pass "umoci unpacks the $arch layout: python3, status.d, nonroot, .pyc, copyrights; no shell, apt, dpkg, compiler, headers, docs"
done

# SBOM beside the archive and in the image.
sbom="$WORK/app.arm64.spdx.json"
[[ -f $sbom ]] || fail "no $sbom"
python3 - "$sbom" "$WORK/bundle-arm64/rootfs" <<'PY' || fail "the arm64 SBOM does not list the image's packages"
import json, os, sys, urllib.parse
doc = json.load(open(sys.argv[1]))
assert doc["spdxVersion"] == "SPDX-2.3" and doc["dataLicense"] == "CC0-1.0", doc["spdxVersion"]
purls = {urllib.parse.unquote(r["referenceLocator"]) for p in doc["packages"] for r in p.get("externalRefs", [])}
status = os.path.join(sys.argv[2], "var/lib/dpkg/status.d")
for name in os.listdir(status):
    if name.endswith(".md5sums"):
        continue
    fields = dict(line.split(": ", 1) for line in open(os.path.join(status, name)).read().splitlines() if ": " in line)
    assert any(p.startswith(f"pkg:deb/debian/{fields['Package']}@") and "arch=" + fields["Architecture"] in p for p in purls), name
assert "pkg:pypi/xbuild-pybind-sample@1.0.0" in purls and "pkg:pypi/xbuild-yaml-sample@1.0.0" in purls, purls
PY
pass "the SBOM lists every Debian package of the image (status.d) and both wheels, with purls"

# Reproducible: a clean second build (image base, base layer and wheels built again) gives the same
# manifest digests. It runs in a private cache that borrows the shared toolchain stages but not the
# image bases, blobs or wheels, so that tests running beside this one keep their cache intact.
cp "$WORK/result.json" "$WORK/first.json"
clean_cache="$WORK/clean-cache"
mkdir -p "$clean_cache/rootfs"
image_bases=$("$XBUILD" cache ls | awk '/image base/ {print $1}')
for entry in "$XBUILD_CACHE"/rootfs/*; do
    [[ -f $entry/stage.json ]] || continue
    grep -qxF "$(basename "$entry")" <<<"$image_bases" || ln -s "$entry" "$clean_cache/rootfs/"
done
[[ -d $XBUILD_CACHE/contents ]] && ln -s "$XBUILD_CACHE/contents" "$clean_cache/contents"
run_capture env XBUILD_CACHE="$clean_cache" "$XBUILD" image "$app" -o "$WORK/again.tar" --json
[[ $CODE -eq 0 ]] || fail "the second build failed: $ERR"
expect_contains "$ERR" "building trixie/arm64 python3 image base" "the second build made the base again"
manifests() { python3 -c 'import json,sys; print(" ".join(p["arch"] + "=" + p["manifest"] for p in json.load(sys.stdin)["platforms"]))'; }
expect_eq "$(manifests <<<"$OUT")" "$(manifests <"$WORK/first.json")" "two clean builds give identical manifest digests"
cmp -s "$WORK/app.tar" "$WORK/again.tar" || fail "the two oci-archives differ"
pass "and byte-identical oci-archives"

# The closure check: without libstdc++6 the pybind11 module cannot load.
mkdir -p "$WORK/samples" && cp -r "$app" "$WORK/samples/python-app"
sed -i "s|packages = \[\"libstdc++6\"\]|packages = []|; s|\.\./|$root/recipes/samples/|g" "$WORK/samples/python-app/xbuild.toml"
expect_error "missing runtime library" "needs libstdc++.so.6, which is not in the image: it is in the Debian package libstdc++6" \
    "$XBUILD" image "$WORK/samples/python-app" --arch arm64 -o "$WORK/broken.tar"
[[ ! -e $WORK/broken.tar ]] || fail "a failed image left $WORK/broken.tar"
pass "nothing written for the failed image"
