# xbuild image --push to a registry this test starts on 127.0.0.1 (Debian's docker-registry), read
# back with skopeo and run from the registry with podman on amd64 and arm64.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v docker-registry >/dev/null || fail "docker-registry is not installed (./bootstrap installs it)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/registry"
cat >"$WORK/registry/config.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $WORK/registry/data
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$WORK/registry/config.yml" >"$WORK/registry/log" 2>&1 &
registry_pid=$!
cleanup_hooks+=("kill $registry_pid 2>/dev/null")
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$port/v2/" >/dev/null || fail "the registry did not start: $(tail -3 "$WORK/registry/log")"
pass "docker-registry serves on 127.0.0.1:$port"

ref="127.0.0.1:$port/xbuild/python-app:1.0"
run_capture "$XBUILD" image "$root/recipes/samples/python-app" --tag "$ref" --push --json
[[ $CODE -eq 0 ]] || fail "xbuild image --push failed: $ERR"
digest=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])' <<<"$OUT")
expect_contains "$ERR" "pushed $ref" "xbuild pushed the image"
expect_eq "$(skopeo inspect --tls-verify=false --raw "docker://$ref" | sha256sum | cut -d' ' -f1)" "${digest#sha256:}" \
    "the registry serves the index xbuild built"
podman_run=(podman run --rm --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --tls-verify=false)
cleanup_hooks+=("podman rmi -f $ref >/dev/null 2>&1")
run_capture "${podman_run[@]}" "$ref"
expect_contains "$OUT" "python-app on x86_64" "podman pulls and runs the amd64 image from the registry"
run_capture "${podman_run[@]}" --arch arm64 "$ref"
expect_contains "$OUT" "python-app on aarch64" "podman pulls and runs the arm64 image from the registry"

# A second push uploads no blob again: HEAD finds them all.
uploads() { grep -c 'POST /v2/xbuild/python-app/blobs/uploads/' "$WORK/registry/log" || true; }
before=$(uploads)
[[ $before -gt 0 ]] || fail "the registry log shows no blob upload: $(tail -3 "$WORK/registry/log")"
run_capture "$XBUILD" image "$root/recipes/samples/python-app" --tag "$ref" --push
[[ $CODE -eq 0 ]] || fail "second push failed: $ERR"
expect_eq "$(uploads)" "$before" "a second push uploads no blob again ($before uploads the first time)"
kill "$registry_pid"
expect_error "registry down" "127.0.0.1:$port" "$XBUILD" image "$root/recipes/samples/python-app" --tag "$ref" --push
