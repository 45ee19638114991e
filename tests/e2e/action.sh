# The GitHub Action (action.yml) as a workflow runs it: each step's `run` line with the env the action
# maps from its inputs (${{ inputs.* }} replaced, defaults applied, GITHUB_OUTPUT a file), so what
# runs here is what a runner runs. A workflow's fan-out: plan -> one wheels job per build id of the
# matrix; image per arch -> merge into one index, read back with skopeo.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

# run_action KEY=VALUE...: runs action.yml's steps with those inputs; OUT holds its outputs
# ("name=value" lines), ERR its stderr, CODE its status.
run_action() {
    local outputs="$WORK/github-output-$RANDOM"
    : >"$outputs"
    run_capture python3 - "$root/action.yml" "$outputs" "$@" <<'PY'
import os, re, subprocess, sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
given = dict(arg.split("=", 1) for arg in sys.argv[3:])
unknown = set(given) - set(action["inputs"])
assert not unknown, f"not inputs of action.yml: {unknown}"
inputs = {name: given.get(name, str(spec.get("default", ""))) for name, spec in action["inputs"].items()}
expand = lambda text: re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m.group(1)], text)
assert action["runs"]["using"] == "composite"
for step in action["runs"]["steps"]:
    env = dict(os.environ, GITHUB_ACTION_PATH=os.path.dirname(sys.argv[1]), GITHUB_OUTPUT=sys.argv[2])
    env.update({k: expand(str(v)) for k, v in step.get("env", {}).items()})
    code = subprocess.call([step["shell"], "-c", expand(step["run"])], env=env)
    if code:
        sys.exit(code)
PY
    OUT=$(cat "$outputs")
}
output_of() { sed -n "s/^$1=//p" <<<"$OUT" | tail -1; }

# plan: the matrix is the plan's build ids, with their arches.
run_action command=plan path="$root/recipes/samples/yaml-sample" arch=x86_64,arm64 python=3.13
[[ $CODE -eq 0 ]] || fail "plan: $ERR"
matrix=$(output_of matrix)
expect_eq "$(python3 -c 'import json,sys; print(" ".join(e["build-id"] + "/" + e["arch"] for e in json.loads(sys.argv[1])["include"]))' "$matrix")" \
    "cp313-manylinux_x86_64/x86_64 cp313-manylinux_aarch64/aarch64" "plan gives the build ids and arches as a job matrix"

# wheels: one job per matrix entry, each writing its wheel.
for id in $(python3 -c 'import json,sys; print(" ".join(e["build-id"] for e in json.loads(sys.argv[1])["include"]))' "$matrix"); do
    run_action command=wheels path="$root/recipes/samples/yaml-sample" build-id="$id" output-dir="$WORK/wheelhouse-$id"
    [[ $CODE -eq 0 ]] || fail "wheels $id: $ERR"
    wheel=$(output_of wheels)
    [[ -f $wheel && $wheel == "$WORK/wheelhouse-$id/"*"_${id#*manylinux_}.whl" ]] || fail "wheels $id: no wheel of that arch: '$wheel'"
done
pass "one wheels job per build id of the matrix, each with its wheel"
run_action command=wheels path="$root/recipes/samples/yaml-sample" build-id=cp313-manylinux_x86_64 arch=arm64
[[ $CODE -ne 0 ]] || fail "a build id with an arch was accepted"
expect_contains "$ERR" "XBUILD_ACTION_BUILD_ID names its arch" "a build id with an arch is one clear error"

# image per arch (one runner each), then merge.
command -v docker-registry >/dev/null || fail "docker-registry is not installed (./bootstrap installs it)"
port=$(free_port)
mkdir -p "$WORK/registry"
printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$WORK/registry/data" "$port" >"$WORK/registry/config.yml"
docker-registry serve "$WORK/registry/config.yml" >"$WORK/registry/log" 2>&1 &
cleanup_hooks+=("kill $! 2>/dev/null")
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.2; done
mkdir -p "$WORK/app/app"
printf '[image]\nbase = "python3"\nentrypoint = ["/usr/bin/python3", "/app/main.py"]\n[[image.files]]\nfrom = "app/main.py"\nto = "/app/"\n' >"$WORK/app/xbuild.toml"
echo 'import platform; print("action app on", platform.machine())' >"$WORK/app/app/main.py"
tag="127.0.0.1:$port/xbuild/action-app:1.0"
for arch in x86_64 arm64; do
    run_action command=image path="$WORK/app" arch="$arch" tag="$tag"
    [[ $CODE -eq 0 ]] || fail "image $arch: $ERR"
done
expect_eq "$(output_of tag)" "$tag-arm64" "image pushes the arch's tag"
run_action command=merge arch=x86_64,arm64 tag="$tag"
[[ $CODE -eq 0 ]] || fail "merge: $ERR"
digest=$(output_of digest)
expect_eq "sha256:$(skopeo inspect --tls-verify=false --raw "docker://$tag" | sha256sum | cut -d' ' -f1)" "$digest" \
    "merge pushed the index whose digest it output"
raw=$(skopeo inspect --tls-verify=false --raw "docker://$tag")
expect_eq "$(python3 -c 'import json,sys; print(" ".join(sorted(m["platform"]["architecture"] for m in json.loads(sys.argv[1])["manifests"] if m["platform"]["os"] == "linux")))' "$raw")" \
    "amd64 arm64" "the merged index holds both arches"
