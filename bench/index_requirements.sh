#!/usr/bin/env bash
# What a package index costs a build: recipes/samples/index-sample (setuptools>=77) for cp313 x86_64,
# its build requirements once from Debian (trixie's python3-setuptools 78.1.1 in the toolchain layer)
# and once from a PEP 503 index on 127.0.0.1 serving setuptools 78.1.1 (the fetch step, network on,
# then the offline install into the build's environment), each with a fresh copy of xbuild (no
# cached wheel) and no compile cache, in one run. Prints both times and index / Debian.
# Usage: bench/index_requirements.sh   (the first run builds the stages)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_init

src=$(bash tests/fetch_fixture.sh setuptools "$work/fixtures")
(cd "$src" && "$PY" -m pip wheel -q --no-deps --no-build-isolation --no-index -w "$work/index/files" .)
wheel=setuptools-78.1.1-py3-none-any.whl
mkdir -p "$work/index/simple/setuptools"
printf '<a href="../../files/%s#sha256=%s">%s</a>\n' "$wheel" "$(sha256sum "$work/index/files/$wheel" | cut -d' ' -f1)" \
    "$wheel" >"$work/index/simple/setuptools/index.html"
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PY" -m http.server --bind 127.0.0.1 --directory "$work/index" "$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/simple/setuptools/" >/dev/null && break; sleep 0.1; done

cp -r recipes/samples/index-sample "$work/project"
args=("$work/project" --python 3.13 --arch x86_64)
"$XBUILD" -q wheels "${args[@]}" -o "$work/warm" >/dev/null 2>&1  # stages warm (untimed)
"$XBUILD" -q wheels "${args[@]}" --index-url "http://127.0.0.1:$port/simple" -o "$work/warm" >/dev/null 2>&1
timed() {
    cp "$XBUILD" "$work/xbuild" && printf 'bench copy %s\n' "$RANDOM$RANDOM" >>"$work/xbuild"
    local start=${EPOCHREALTIME/./}
    XBUILD_CCACHE=0 "$work/xbuild" -q wheels "${args[@]}" "$@" -o "$work/out" >/dev/null 2>&1
    echo $(((${EPOCHREALTIME/./} - start) / 1000))
}
debian=$(timed)
index=$(timed --index-url "http://127.0.0.1:$port/simple")
echo "index-sample cp313 x86_64, build + repair + test: Debian's setuptools ${debian} ms, the index's ${index} ms"
echo "  index / Debian: $(ratio "$index" "$debian")x  (the fetch step and the offline install)"
