#!/usr/bin/env bash
# Overhead of the bindings (issue 11): `xbuild.inspect(wheel)` in a running Python interpreter and
# `await require('xbuild').inspect(wheel)` in a running Node vs `xbuild inspect --json wheel` as a
# command, on the same wheel, median of RUNS each; and the time to import each module (`python3 -c
# 'import xbuild'` minus `python3 -c pass`; `node -e "require('xbuild').version"` minus `node -e 0`,
# which loads the addon). The Python module is the build's (build/python) or, with XBUILD_PYTHON_DIR,
# another (a venv's site-packages); the Node package is xbuild's own npm package for x64
# (`xbuild prebuild node/binding --arch x64`, a result-cache hit after `./bootstrap dist` or the
# tests; packed with node/binding/pack.sh and installed with npm in a scratch directory).
# Usage: bench/binding_overhead.sh [RUNS] (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_init
RUNS=${1:-20}
export PYTHONPATH=${XBUILD_PYTHON_DIR:-$PWD/build/python}

# A real wheel to read: the pybind11 sample for x86_64 (a result-cache hit after the demo or tests).
"$XBUILD" -q wheels recipes/samples/pybind-sample --arch x86_64 --python 3.11 -o "$work/wh" >/dev/null
wheel=$(ls "$work"/wh/*.whl | head -1)

cli=$(median_ms "$RUNS" "$XBUILD" inspect --json "$wheel")
api=$("$PY" - "$wheel" "$RUNS" <<'PY'
import statistics, sys, time
import xbuild
wheel, runs = sys.argv[1], int(sys.argv[2])
xbuild.inspect(wheel)  # warm-up, as median_ms does
times = []
for _ in range(runs):
    start = time.perf_counter()
    xbuild.inspect(wheel)
    times.append((time.perf_counter() - start) * 1e3)
print(f"{statistics.median(times):.2f}")
PY
)
bare=$(median_ms "$RUNS" "$PY" -c pass)
imported=$(median_ms "$RUNS" "$PY" -c 'import xbuild')
import_ms=$(awk -v a="$imported" -v b="$bare" 'BEGIN {printf "%.2f", a - b}')

"$XBUILD" -q prebuild node/binding --arch x64 -o "$work/prebuilds" >/dev/null
tarball=$(node/binding/pack.sh "$work/prebuilds" "$work/dist")
mkdir "$work/app"
echo '{"name": "bench", "version": "1.0.0", "private": true}' >"$work/app/package.json"
(cd "$work/app" && npm install --silent --no-audit --no-fund "$tarball" >/dev/null)
node_api=$(cd "$work/app" && node - "$wheel" "$RUNS" <<'JS'
const xbuild = require('xbuild')
const [wheel, runs] = [process.argv[2], Number(process.argv[3])]
;(async () => {
  await xbuild.inspect(wheel) // warm-up, as median_ms does
  const times = []
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint()
    await xbuild.inspect(wheel)
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  times.sort((a, b) => a - b)
  const mid = Math.floor(runs / 2)
  console.log((runs % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2).toFixed(2))
})()
JS
)
node_bare=$(cd "$work/app" && median_ms "$RUNS" node -e 0)
node_loaded=$(cd "$work/app" && median_ms "$RUNS" node -e "require('xbuild').version")
node_import=$(awk -v a="$node_loaded" -v b="$node_bare" 'BEGIN {printf "%.2f", a - b}')

echo "inspect of $(basename "$wheel"), median of $RUNS:"
printf '  xbuild.inspect() in Python     %8s ms\n' "$api"
printf '  xbuild.inspect() in Node       %8s ms\n' "$node_api"
printf '  xbuild inspect --json (CLI)    %8s ms\n' "$cli"
printf '  import xbuild                  %8s ms (python3 -c pass: %s ms)\n' "$import_ms" "$bare"
printf "  require('xbuild')              %8s ms (node -e 0: %s ms)\n" "$node_import" "$node_bare"
echo "ratio API/CLI: Python $(ratio "$api" "$cli"), Node $(ratio "$node_api" "$cli")"
