#!/usr/bin/env bash
# The steps of xbuild's GitHub Action (action.yml at the repository root), one per subcommand, usable
# in any CI: inputs come from XBUILD_ACTION_* variables, outputs go to $GITHUB_OUTPUT ("name=value"
# lines; unset: stdout).
#
#   plan     the wheels plan as a job matrix: matrix={"include":[{"build-id":...,"arch":...},...]}
#            (xbuild wheels --print-build-identifiers; ARCH and PYTHON narrow it)
#   wheels   one shard: xbuild wheels --only BUILD_ID (or the whole plan without it) into OUTPUT;
#            outputs wheels= (the files, space-separated)
#   image    xbuild image --arch ARCH --tag TAG-<oci arch> --push; outputs digest=, tag=
#   merge    xbuild index create TAG TAG-amd64 TAG-arm64 ... (one per ARCH); outputs digest=
#
# XBUILD_ACTION_PATH (default .), _ARCH (comma-separated), _PYTHON, _BUILD_ID, _OUTPUT (default
# wheelhouse), _TAG, _JOBS; XBUILD: the binary (default: xbuild on PATH, else this checkout's
# build/xbuild, built with ./bootstrap build when missing).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

die() {
    echo "xbuild-action: error: $*" >&2
    exit 1
}
output() {
    if [[ -n ${GITHUB_OUTPUT:-} ]]; then printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; else printf '%s=%s\n' "$1" "$2"; fi
}

xbuild=${XBUILD:-}
if [[ -z $xbuild ]]; then
    if command -v xbuild >/dev/null; then
        xbuild=xbuild
    else
        [[ -x $here/build/xbuild ]] || "$here/bootstrap" build >&2
        xbuild=$here/build/xbuild
    fi
fi
path=${XBUILD_ACTION_PATH:-.}
arch=${XBUILD_ACTION_ARCH:-}
python=${XBUILD_ACTION_PYTHON:-}
tag=${XBUILD_ACTION_TAG:-}
wheel_args=()
[[ -n $arch ]] && wheel_args+=(--arch "$arch")
[[ -n $python ]] && wheel_args+=(--python "$python")
[[ -n ${XBUILD_ACTION_JOBS:-} ]] && wheel_args+=(-j "$XBUILD_ACTION_JOBS")

# The OCI name of an arch as xbuild image tags it: x86_64/amd64 -> amd64, arm64/aarch64 -> arm64.
oci_arch() {
    case $1 in
        x86_64 | amd64 | x64) echo amd64 ;;
        arm64 | aarch64) echo arm64 ;;
        *) die "XBUILD_ACTION_ARCH: unknown architecture '$1'" ;;
    esac
}

case ${1:-} in
    plan)
        ids=$("$xbuild" wheels "$path" "${wheel_args[@]}" --print-build-identifiers)
        [[ -n $ids ]] || die "$path: the plan has no build id"
        output matrix "$(python3 -c '
import json, sys
ids = sys.stdin.read().split()
print(json.dumps({"include": [{"build-id": i, "arch": i.split("_", 1)[1]} for i in ids]}, separators=(",", ":")))
' <<<"$ids")"
        ;;
    wheels)
        out=${XBUILD_ACTION_OUTPUT:-wheelhouse}
        if [[ -n ${XBUILD_ACTION_BUILD_ID:-} ]]; then
            [[ -z $arch ]] || die "XBUILD_ACTION_BUILD_ID names its arch; XBUILD_ACTION_ARCH cannot be given with it"
            json=$("$xbuild" wheels "$path" --only "$XBUILD_ACTION_BUILD_ID" -o "$out" --json)
        else
            json=$("$xbuild" wheels "$path" "${wheel_args[@]}" -o "$out" --json)
        fi
        output wheels "$(python3 -c 'import json,sys; print(" ".join(o["wheel"] for o in json.load(sys.stdin)))' <<<"$json")"
        ;;
    image)
        [[ -n $tag && -n $arch && $arch != *,* ]] || die "image: XBUILD_ACTION_TAG and one XBUILD_ACTION_ARCH are needed"
        platform_tag="$tag-$(oci_arch "$arch")"
        json=$("$xbuild" image "$path" --arch "$arch" --tag "$platform_tag" --push --json)
        output digest "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])' <<<"$json")"
        output tag "$platform_tag"
        ;;
    merge)
        [[ -n $tag && -n $arch ]] || die "merge: XBUILD_ACTION_TAG and XBUILD_ACTION_ARCH (the pushed arches) are needed"
        sources=()
        IFS=, read -ra arches <<<"$arch"
        for a in "${arches[@]}"; do sources+=("$tag-$(oci_arch "$a")"); done
        output digest "$("$xbuild" index create "$tag" "${sources[@]}")"
        ;;
    *)
        die "usage: run.sh plan|wheels|image|merge (got '${1:-}')"
        ;;
esac
