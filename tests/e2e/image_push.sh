# xbuild image --push to a registry this test starts on 127.0.0.1 (Debian's docker-registry), read
# back with skopeo and run from the registry with podman on amd64 and arm64; index create merging two
# machines' pushes; a TLS registry with htpasswd users behind a proxy that cuts connections.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v docker-registry >/dev/null || fail "docker-registry is not installed (./bootstrap installs it)"
port=$(free_port)
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

# One machine per arch, each with its own cache, pushes its platform; `xbuild index create` merges the
# two into one index (as `docker buildx imagetools create`), each platform's SBOM along. A small app
# keeps the second machine's cold cache cheap: its base is the only stage it builds.
mkdir -p "$WORK/tiny/app"
cat >"$WORK/tiny/xbuild.toml" <<'TOML'
[image]
base = "python3"
entrypoint = ["/usr/bin/python3", "/app/main.py"]
[[image.files]]
from = "app/main.py"
to = "/app/"
TOML
echo 'import platform; print("tiny on", platform.machine())' >"$WORK/tiny/app/main.py"
tiny="127.0.0.1:$port/xbuild/tiny"
run_capture "$XBUILD" image "$WORK/tiny" --arch x86_64 --tag "$tiny:1.0-amd64" --push
[[ $CODE -eq 0 ]] || fail "amd64 push failed: $ERR"
run_capture env XBUILD_CACHE="$WORK/cache-arm64" "$XBUILD" image "$WORK/tiny" --arch arm64 --tag "$tiny:1.0-arm64" --push
[[ $CODE -eq 0 ]] || fail "arm64 push from a second cache failed: $ERR"
run_capture "$XBUILD" index create "$tiny:1.0" "$tiny:1.0-amd64" "$tiny:1.0-arm64"
[[ $CODE -eq 0 ]] || fail "index create failed: $ERR"
index_digest=$OUT
expect_contains "$ERR" "created $tiny:1.0 ($index_digest): linux/amd64, linux/arm64/v8" "index create names both platforms"
raw() { skopeo inspect --tls-verify=false --raw "docker://$1"; }
expect_eq "sha256:$(raw "$tiny:1.0" | sha256sum | cut -d' ' -f1)" "$index_digest" "the registry serves the index index create made"
# Every platform manifest and SBOM of the two pushes, and nothing else, is in the merged index.
merged=$(python3 - "$(raw "$tiny:1.0")" "$(raw "$tiny:1.0-amd64")" "$(raw "$tiny:1.0-arm64")" <<'PY'
import json, sys
merged, *parts = (json.loads(a) for a in sys.argv[1:])
want = [m for p in parts for m in p["manifests"] if m["platform"]["os"] != "unknown"]
want += [m for p in parts for m in p["manifests"] if m["platform"]["os"] == "unknown"]
assert merged["manifests"] == want, (merged["manifests"], want)
sboms = [m for m in merged["manifests"] if m.get("artifactType") == "application/spdx+json"]
subjects = {m["annotations"]["vnd.docker.reference.digest"] for m in sboms}
images = {m["digest"] for m in merged["manifests"] if m["platform"]["os"] == "linux"}
assert len(sboms) == 2 and subjects == images, (subjects, images)
print(" ".join(sorted("/".join(filter(None, (m["platform"]["os"], m["platform"]["architecture"], m["platform"].get("variant")))) for m in merged["manifests"])))
PY
) || fail "the merged index is not the two pushes' manifests and SBOMs: $merged"
expect_eq "$merged" "linux/amd64 linux/arm64/v8 unknown/unknown unknown/unknown" "the index has both platforms and their SBOMs"
cleanup_hooks+=("podman rmi -f $tiny:1.0 >/dev/null 2>&1")
run_capture "${podman_run[@]}" "$tiny:1.0"
expect_eq "$OUT" "tiny on x86_64" "podman runs the merged index on amd64"
run_capture "${podman_run[@]}" --arch arm64 "$tiny:1.0"
expect_eq "$OUT" "tiny on aarch64" "podman runs the merged index on arm64 (qemu)"

# Into another repository: the blobs are mounted across repositories, not uploaded again.
run_capture "$XBUILD" index create "127.0.0.1:$port/xbuild/merged:1.0" "$tiny:1.0-amd64" "$tiny:1.0-arm64"
[[ $CODE -eq 0 ]] || fail "index create into another repository failed: $ERR"
expect_eq "$OUT" "$index_digest" "the same index, whatever its repository"
mounts=$(grep -c 'POST /v2/xbuild/merged/blobs/uploads/?mount=' "$WORK/registry/log" || true)
[[ $mounts -gt 0 ]] || fail "no cross-repository mount in the registry log"
grep -q 'PUT /v2/xbuild/merged/blobs/uploads/' "$WORK/registry/log" && fail "index create uploaded a blob it could mount"
pass "index create mounted $mounts blobs into the other repository"
expect_eq "$(skopeo inspect --tls-verify=false --override-arch arm64 --format '{{.Architecture}}' "docker://127.0.0.1:$port/xbuild/merged:1.0")" \
    arm64 "skopeo reads the arm64 image (manifest and config) from the other repository"
sbom_manifest=$(raw "127.0.0.1:$port/xbuild/merged:1.0" | python3 -c 'import json,sys; print([m["digest"] for m in json.load(sys.stdin)["manifests"] if m.get("artifactType")][1])')
sbom_blob=$(raw "127.0.0.1:$port/xbuild/merged@$sbom_manifest" | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
curl -sf "http://127.0.0.1:$port/v2/xbuild/merged/blobs/$sbom_blob" | grep -q '"spdxVersion"' ||
    fail "the arm64 SBOM did not come along into the other repository"
pass "the SBOMs came along"

expect_error "one platform twice" "$tiny:1.0-amd64: linux/amd64 is in $tiny:1.0-amd64 already" \
    "$XBUILD" index create "$tiny:dup" "$tiny:1.0-amd64" "$tiny:1.0-amd64"
expect_error "a missing source" "reading $tiny:nope for $tiny: HTTP 404" \
    "$XBUILD" index create "$tiny:dup" "$tiny:1.0-amd64" "$tiny:nope"
expect_error "a source on another registry" "on registry 127.0.0.2:$port" \
    "$XBUILD" index create "$tiny:dup" "$tiny:1.0-amd64" "127.0.0.2:$port/xbuild/tiny:1.0-arm64"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/xbuild/tiny/manifests/dup")" 404 \
    "a refused index create pushed nothing"


# A registry as teams run one: TLS with a self-signed certificate and htpasswd users, reached through a
# proxy that cuts every 5th connection mid-request and delays every 7th. Credentials come from a docker
# config file (docker login's), the CA from XBUILD_REGISTRY_CA; skopeo checks the result directly.
tls="$WORK/tls-registry"
mkdir -p "$tls/certs"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$tls/key.pem" -out "$tls/certs/ca.crt" 2>/dev/null || fail "openssl could not make a certificate"
htpasswd -Bbc "$tls/htpasswd" ci 's3cret pass' 2>/dev/null || fail "htpasswd failed (apache2-utils)"
tls_port=$(free_port)
proxy_port=$(free_port)
cat >"$tls/config.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $tls/data
http:
  addr: 127.0.0.1:$tls_port
  tls:
    certificate: $tls/certs/ca.crt
    key: $tls/key.pem
auth:
  htpasswd:
    realm: xbuild-test
    path: $tls/htpasswd
YML
docker-registry serve "$tls/config.yml" >"$tls/log" 2>&1 &
cleanup_hooks+=("kill $! 2>/dev/null")
python3 "$root/tests/e2e/fault_proxy.py" "$proxy_port" "$tls_port" --drop-every 5 --delay-every 7 --log "$tls/faults" &
cleanup_hooks+=("kill $! 2>/dev/null")
for _ in $(seq 50); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' --cacert "$tls/certs/ca.crt" "https://127.0.0.1:$tls_port/v2/") == 401 ]] && break
    sleep 0.2
done
[[ $(curl -s -o /dev/null -w '%{http_code}' --cacert "$tls/certs/ca.crt" -u 'ci:s3cret pass' "https://127.0.0.1:$tls_port/v2/") == 200 ]] ||
    fail "the TLS registry did not start: $(tail -3 "$tls/log")"
mkdir -p "$tls/docker"
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$proxy_port" "$(printf 'ci:s3cret pass' | base64)" >"$tls/docker/config.json"
flaky="127.0.0.1:$proxy_port/xbuild/tiny"
skopeo_tls=(skopeo inspect --cert-dir "$tls/certs" --creds 'ci:s3cret pass' --raw)

export DOCKER_CONFIG="$tls/docker"
expect_error "a certificate no CA vouches for" "XBUILD_REGISTRY_CA=<its certificate file>" \
    "$XBUILD" image "$WORK/tiny" --arch x86_64 --tag "$flaky:1.0-amd64" --push
export XBUILD_REGISTRY_CA="$tls/certs/ca.crt"
run_capture "$XBUILD" image "$WORK/tiny" --arch x86_64 --tag "$flaky:1.0-amd64" --push --json
[[ $CODE -eq 0 ]] || fail "push through the faulty proxy failed: $ERR"
amd64_digest=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])' <<<"$OUT")
run_capture env XBUILD_CACHE="$WORK/cache-arm64" "$XBUILD" image "$WORK/tiny" --arch arm64 --tag "$flaky:1.0-arm64" --push
[[ $CODE -eq 0 ]] || fail "arm64 push through the faulty proxy failed: $ERR"
run_capture "$XBUILD" index create "$flaky:1.0" "$flaky:1.0-amd64" "$flaky:1.0-arm64"
[[ $CODE -eq 0 ]] || fail "index create through the faulty proxy failed: $ERR"
flaky_index=$OUT
drops=$(grep -c '^drop' "$tls/faults" || true)
[[ $drops -gt 0 ]] || fail "the proxy cut no connection"
pass "pushes and index create finished through the proxy ($drops connections cut, $(grep -c '^delay' "$tls/faults" || true) delayed)"
direct="127.0.0.1:$tls_port/xbuild/tiny"
expect_eq "sha256:$("${skopeo_tls[@]}" "docker://$direct:1.0-amd64" | sha256sum | cut -d' ' -f1)" "$amd64_digest" \
    "skopeo reads the pushed index from the TLS registry: the digest xbuild computed"
expect_eq "sha256:$("${skopeo_tls[@]}" "docker://$direct:1.0" | sha256sum | cut -d' ' -f1)" "$flaky_index" \
    "skopeo reads the merged index from the TLS registry"
# skopeo copy re-hashes every blob it pulls: each platform's config and layers verify.
for arch in amd64 arm64; do
    skopeo copy -q --src-cert-dir "$tls/certs" --src-creds 'ci:s3cret pass' --override-arch "$arch" \
        "docker://$direct:1.0" "oci:$WORK/copy-$arch:1.0" >/dev/null 2>"$WORK/copy.err" ||
        fail "skopeo copy of the $arch image failed: $(cat "$WORK/copy.err")"
done
pass "every blob of both platforms verifies (skopeo copy)"
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$proxy_port" "$(printf 'ci:wrong' | base64)" >"$tls/docker/config.json"
expect_error "wrong credentials" "the registry refused the credentials" \
    "$XBUILD" image "$WORK/tiny" --arch x86_64 --tag "$flaky:1.0-amd64" --push
echo '{}' >"$tls/docker/config.json"
expect_error "no credentials" "the registry asks for a user name and password" \
    "$XBUILD" image "$WORK/tiny" --arch x86_64 --tag "$flaky:1.0-amd64" --push
unset DOCKER_CONFIG XBUILD_REGISTRY_CA

kill "$registry_pid"
expect_error "registry down" "127.0.0.1:$port" "$XBUILD" image "$root/recipes/samples/python-app" --tag "$ref" --push
