# xbuild image on the Node sample app (recipes/samples/node-app: the node-addon-api sample prebuilt
# for x86_64 and arm64, installed with npm), run by podman on amd64 and arm64 (qemu); a
# docker-archive of one platform; each platform keeps only its own prebuilds.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
app="$root/recipes/samples/node-app"
tag=xbuild-node-app:1.0
podman_run=(podman run --rm --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

run_capture "$XBUILD" image "$app" -o "$WORK/app.tar"
[[ $CODE -eq 0 ]] || fail "xbuild image failed: $ERR"
pass "xbuild image node-app: x86_64 and arm64"
run_capture podman load -i "$WORK/app.tar"
[[ $CODE -eq 0 ]] || fail "podman load failed: $ERR"
cleanup_hooks+=("podman rmi -f localhost/$tag >/dev/null 2>&1")
run_capture "${podman_run[@]}" "localhost/$tag" "the cat and the hat and the end"
expect_eq "$OUT" 'node-app on x64: top words [["the",3],["and",2]], crc32 a535cedc, uid 65532' "podman runs the amd64 Node image"
run_capture "${podman_run[@]}" --arch arm64 "oci-archive:$WORK/app.tar:$tag" "the cat and the hat and the end"
expect_eq "$OUT" 'node-app on arm64: top words [["the",3],["and",2]], crc32 a535cedc, uid 65532' \
    "podman runs the arm64 Node image under qemu"

# A docker-archive of the arm64 image: only linux-arm64 prebuilds in its node_modules.
run_capture "$XBUILD" image "$app" --arch arm64 --format docker -o "$WORK/arm64.docker.tar"
[[ $CODE -eq 0 ]] || fail "--format docker failed: $ERR"
expect_contains "$(skopeo inspect "docker-archive:$WORK/arm64.docker.tar")" '"Architecture": "arm64"' "skopeo reads the docker-archive"
mkdir -p "$WORK/x" && tar -xf "$WORK/arm64.docker.tar" -C "$WORK/x"
layers=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))[0]["Layers"]))' "$WORK/x/manifest.json")
prebuilds=$(for layer in $layers; do tar -tzf "$WORK/x/$layer"; done | grep '/prebuilds/' | grep '\.node$' | sort)
expect_eq "$prebuilds" "app/node_modules/xbuild-napi-sample/prebuilds/linux-arm64/xbuild-napi-sample.napi.glibc.node" \
    "the arm64 image holds only the linux-arm64 prebuild"
expect_error "docker-archive of two platforms" "a docker-archive holds one platform" \
    "$XBUILD" image "$app" --format docker -o "$WORK/two.tar"
