# The registry cache: machine A builds the pybind11 sample for arm64 with --cache-to, pushing every stage
# and the tested wheel; machine B, with an empty cache directory, builds it with --cache-from and pulls
# them instead: it builds no stage, runs no compiler and writes the byte-identical wheel. The registry is
# Debian's docker-registry with TLS (a self-signed certificate) and docker's token authentication (a token
# server this test starts), reached through a proxy that cuts every 2nd connection (few connections are
# opened: they are kept alive, so 1 in 5 would cut none) and delays every 7th; every blob in it is
# then checked against its digest by this script, not by xbuild. A corrupt blob is never used.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v docker-registry >/dev/null || fail "docker-registry is not installed (./bootstrap installs it)"

reg="$WORK/registry"
mkdir -p "$reg/certs"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$reg/key.pem" -out "$reg/certs/ca.crt" 2>/dev/null || fail "openssl could not make a certificate"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=xbuild-test-token-issuer \
    -keyout "$reg/token-key.pem" -out "$reg/token.crt" 2>/dev/null || fail "openssl could not make the token certificate"
reg_port=$(free_port)
token_port=$(free_port)
proxy_port=$(free_port)
cat >"$reg/config.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $reg/data
http:
  addr: 127.0.0.1:$reg_port
  tls:
    certificate: $reg/certs/ca.crt
    key: $reg/key.pem
auth:
  token:
    realm: http://127.0.0.1:$token_port/token
    service: xbuild-test-registry
    issuer: xbuild-test-token-issuer
    rootcertbundle: $reg/token.crt
YML
docker-registry serve "$reg/config.yml" >"$reg/log" 2>&1 &
cleanup_hooks+=("kill $! 2>/dev/null")
python3 "$root/tests/e2e/token_server.py" "$token_port" "$reg/token-key.pem" "$reg/token.crt" \
    --service xbuild-test-registry --issuer xbuild-test-token-issuer --user 'ci:t0ken pass' --log "$reg/tokens" &
cleanup_hooks+=("kill $! 2>/dev/null")
python3 "$root/tests/e2e/fault_proxy.py" "$proxy_port" "$reg_port" --drop-every 2 --delay-every 7 --log "$reg/faults" &
cleanup_hooks+=("kill $! 2>/dev/null")
for _ in $(seq 50); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' --cacert "$reg/certs/ca.crt" "https://127.0.0.1:$reg_port/v2/") == 401 ]] &&
        curl -s -o /dev/null "http://127.0.0.1:$token_port/" && break
    sleep 0.2
done
challenge=$(curl -s -D - -o /dev/null --cacert "$reg/certs/ca.crt" "https://127.0.0.1:$reg_port/v2/" | tr -d '\r' |
    grep -i '^www-authenticate:' || true)
expect_contains "$challenge" "Bearer realm=\"http://127.0.0.1:$token_port/token\"" "the registry asks for a bearer token"

mkdir -p "$reg/docker"
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$proxy_port" "$(printf 'ci:t0ken pass' | base64)" >"$reg/docker/config.json"
export DOCKER_CONFIG="$reg/docker" XBUILD_REGISTRY_CA="$reg/certs/ca.crt"
cache="127.0.0.1:$proxy_port/xbuild/cache"
# A binary of its own: no earlier test's wheel result is this one's, so A builds it (the stages may come
# from the shared cache of the suite; they are pushed all the same).
binary_copy "$WORK/xbuild"
build=(wheels "$root/recipes/samples/pybind-sample" --arch arm64 --python 3.11)

run_capture "$WORK/xbuild" --cache-to "$cache" "${build[@]}" -o "$WORK/a"
[[ $CODE -eq 0 ]] || fail "machine A: $ERR"
expect_contains "$ERR" "cp311-manylinux_aarch64: building in" "machine A compiled the wheel"
pushed=$(printf '%s\n' "$ERR" | grep -c "^xbuild: pushed .* to $cache" || true)
[[ $pushed -ge 4 ]] || fail "machine A pushed $pushed entries (stages and the wheel expected): $ERR"
expect_contains "$ERR" "pushed wheels result to $cache" "machine A pushed its stages and the wheel ($pushed entries)"

run_capture env XBUILD_CACHE="$WORK/cache-b" "$WORK/xbuild" --cache-from "$cache" "${build[@]}" -o "$WORK/b"
[[ $CODE -eq 0 ]] || fail "machine B: $ERR"
printf '%s\n' "$ERR" | grep '^xbuild: pulled'  # what B pulled, with sizes and times, for the log
building=$(printf '%s\n' "$ERR" | grep -E '^xbuild: ([^ ]+: )?building' || true)
[[ -z $building ]] || fail "machine B built something: $building"
expect_contains "$ERR" "unchanged, " "machine B took the wheel from the cache"
pulled=$(printf '%s\n' "$ERR" | grep -c "^xbuild: pulled .* from $cache" || true)
[[ $pulled -ge 4 ]] || fail "machine B pulled $pulled entries: $ERR"
pass "machine B built no stage and compiled nothing: it pulled $pulled entries"
[[ -z $(find "$WORK/cache-b/ccache" -type f 2>/dev/null | head -1) ]] || fail "machine B's compile cache has files"
expect_eq "$(cd "$WORK/b" && sha256sum ./*.whl)" "$(cd "$WORK/a" && sha256sum ./*.whl)" "machine B's wheel is byte-identical to A's"
[[ $(env XBUILD_CACHE="$WORK/cache-b" "$XBUILD" cache ls | grep -c 'toolchain') -ge 1 ]] ||
    fail "machine B's cache does not list the pulled toolchain stage"
pass "the pulled stages are ordinary entries of B's cache"

drops=$(grep -c '^drop' "$reg/faults" || true)
[[ $drops -gt 0 ]] || fail "the proxy cut no connection"
[[ $(grep -c '^token 200' "$reg/tokens" || true) -gt 0 ]] || fail "the token server issued no token"
pass "pushes and pulls finished through the proxy ($drops connections cut) with bearer tokens"
grep -q 'PATCH /v2/xbuild/cache/blobs/uploads/' "$reg/log" || fail "no chunked upload (PATCH) in the registry log"
pass "large blobs went up in chunks (PATCH)"

# Every artifact, checked here: each tag's manifest names xbuild's cache, and each blob it names hashes
# to its digest (fetched directly from the registry, with a token from the token server).
python3 - "$reg_port" "$token_port" "$reg/certs/ca.crt" >"$WORK/verify.out" 2>&1 <<'PY' || fail "registry contents: $(cat "$WORK/verify.out")"
import base64, hashlib, json, ssl, sys, urllib.request
port, token_port, ca = sys.argv[1:]
auth = base64.b64encode(b"ci:t0ken pass").decode()
request = urllib.request.Request(f"http://127.0.0.1:{token_port}/token?service=xbuild-test-registry&scope=repository:xbuild/cache:pull",
                                 headers={"Authorization": "Basic " + auth})
token = json.load(urllib.request.urlopen(request))["token"]
context = ssl.create_default_context(cafile=ca)
def get(path, accept=None):
    headers = {"Authorization": "Bearer " + token}
    if accept:
        headers["Accept"] = accept
    return urllib.request.urlopen(urllib.request.Request(f"https://127.0.0.1:{port}/v2/xbuild/cache/{path}", headers=headers), context=context).read()
tags = json.loads(get("tags/list"))["tags"]
blobs = 0
for tag in tags:
    manifest = json.loads(get("manifests/" + tag, "application/vnd.oci.image.manifest.v1+json"))
    assert manifest["artifactType"] == "application/vnd.xbuild.cache.v1", tag
    kind, key = manifest["annotations"]["dev.xbuild.cache.kind"], manifest["annotations"]["dev.xbuild.cache.key"]
    assert tag == f"{kind}-{key}", tag
    for blob in [manifest["config"]] + manifest["layers"]:
        data = get("blobs/" + blob["digest"])
        assert len(data) == blob["size"] and "sha256:" + hashlib.sha256(data).hexdigest() == blob["digest"], (tag, blob)
        blobs += 1
kinds = sorted({t.split("-")[0] for t in tags})
print(f"{len(tags)} artifacts ({', '.join(kinds)}), {blobs} blobs")
PY
pass "every blob in the registry verifies: $(cat "$WORK/verify.out")"

# A corrupt blob in the registry (the wheel result's layer): machine C (B's stages, no wheel result)
# downloads it, finds the digest wrong, says so and builds the wheel itself; the result is the same.
wheel_tag=$(curl -s --cacert "$reg/certs/ca.crt" -H "Authorization: Bearer $(curl -s -u 'ci:t0ken pass' \
    "http://127.0.0.1:$token_port/token?service=xbuild-test-registry&scope=repository:xbuild/cache:pull" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')" \
    "https://127.0.0.1:$reg_port/v2/xbuild/cache/tags/list" | python3 -c 'import json,sys; print([t for t in json.load(sys.stdin)["tags"] if t.startswith("wheels-")][0])')
layer=$(python3 - "$reg/data" "$wheel_tag" <<'PY'
import json, pathlib, sys
data, tag = pathlib.Path(sys.argv[1]) / "docker/registry/v2", sys.argv[2]
link = (data / "repositories/xbuild/cache/_manifests/tags" / tag / "current/link").read_text().split(":")[1]
manifest = json.loads((data / "blobs/sha256" / link[:2] / link / "data").read_text())
print(manifest["layers"][0]["digest"].split(":")[1])
PY
)
blob="$reg/data/docker/registry/v2/blobs/sha256/${layer:0:2}/$layer/data"
[[ -f $blob ]] || fail "no blob file for the wheel result's layer"
printf 'corrupt' | dd of="$blob" bs=1 seek=100 conv=notrunc status=none
rm -rf "$WORK/cache-b/wheels"
run_capture env XBUILD_CACHE="$WORK/cache-b" "$WORK/xbuild" --cache-from "$cache" "${build[@]}" -o "$WORK/c"
[[ $CODE -eq 0 ]] || fail "machine C: $ERR"
expect_contains "$ERR" "the registry served content of digest" "machine C refused the corrupt blob"
expect_contains "$ERR" "cp311-manylinux_aarch64: building in" "machine C built the wheel instead"
expect_eq "$(cd "$WORK/c" && sha256sum ./*.whl)" "$(cd "$WORK/a" && sha256sum ./*.whl)" "machine C's wheel is A's"

# The project's own configuration names the cache ([tool.xbuild.cache] registry: pulled from and
# pushed to): machine E, with an empty cache directory, pulls every stage and pushes its new wheel.
cp -r "$root/recipes/samples/pybind-sample" "$WORK/configured"
printf '\n[tool.xbuild.cache]\nregistry = "%s"\n' "$cache" >>"$WORK/configured/pyproject.toml"
run_capture env XBUILD_CACHE="$WORK/cache-e" "$WORK/xbuild" wheels "$WORK/configured" --arch arm64 --python 3.11 -o "$WORK/e"
[[ $CODE -eq 0 ]] || fail "machine E: $ERR"
building=$(printf '%s\n' "$ERR" | grep -E '^xbuild: building' || true)
[[ -z $building ]] || fail "machine E built a stage: $building"
expect_contains "$ERR" "pushed wheels result to $cache" "[tool.xbuild.cache] registry: machine E pulled the stages and pushed its wheel"

# Wrong credentials: the token server refuses them, and the run says so in one line.
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$proxy_port" "$(printf 'ci:wrong' | base64)" >"$reg/docker/config.json"
expect_error "wrong credentials for --cache-to" "getting a token from http://127.0.0.1:$token_port: HTTP 401" \
    "$WORK/xbuild" --cache-to "$cache" "${build[@]}" -o "$WORK/d"
expect_error "a cache reference with a tag" "cache registry '$cache:v1': a repository" \
    "$WORK/xbuild" --cache-to "$cache:v1" "${build[@]}" -o "$WORK/d"
