#!/usr/bin/env bash
# Overhead of the Python binding (issue 11): `xbuild.inspect(wheel)` in a running interpreter vs
# `xbuild inspect --json wheel` as a command, on the same wheel, median of RUNS each; and the time to
# import the module (`python3 -c 'import xbuild'` minus `python3 -c pass`, medians). The module is
# the build's (build/python) or, with XBUILD_PYTHON_DIR, another (a venv's site-packages).
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

echo "inspect of $(basename "$wheel"), median of $RUNS:"
printf '  xbuild.inspect() in Python     %8s ms\n' "$api"
printf '  xbuild inspect --json (CLI)    %8s ms\n' "$cli"
printf '  import xbuild                  %8s ms (python3 -c pass: %s ms)\n' "$import_ms" "$bare"
echo "ratio API/CLI: $(ratio "$api" "$cli")"
