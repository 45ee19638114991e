#!/usr/bin/env bash
# Repair time of the pybind11 sample's and the yaml sample's raw arm64 wheels (the yaml one
# grafts libyaml), and `xbuild inspect` time on a large shared library (libpython), each the
# median of several runs. Usage: bench/repair_and_inspect.sh [RUNS] (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_init
RUNS=${1:-7}

# Raw (unrepaired) arm64 wheels, built by pip in a cross toolchain sandbox.
for sample in pybind-sample yaml-sample; do
    "$XBUILD" -q sandbox run --kind toolchain --target arm64 \
        --packages python3-pip,python3-setuptools,python3-pybind11,libpython3.13-dev:arm64,libyaml-dev:arm64 \
        --bind "$PWD/recipes/samples/$sample:/s:ro" --bind "$work:/out" \
        --env _PYTHON_HOST_PLATFORM=linux-aarch64 --env _PYTHON_SYSCONFIGDATA_NAME=_sysconfigdata__aarch64-linux-gnu -- \
        sh -c 'cp -r /s /tmp/src && cd /tmp/src && python3 -m pip wheel -q --no-deps --no-build-isolation --no-index -w /out .' \
        >/dev/null 2>&1
done


for wheel in "$work"/*.whl; do
    packages=""
    [[ $wheel == *yaml* ]] && packages="--packages libyaml-0-2"
    ms=$(median_ms "$RUNS" "$XBUILD" -q repair "$wheel" $packages -w "$work/repaired")
    size=$(stat -c %s "$wheel")
    printf 'repair %-60s %8s ms  (%d KiB in)\n' "$(basename "$wheel")" "$ms" $((size / 1024))
done
lib=$(ls /usr/lib/x86_64-linux-gnu/libpython3*.so.1.0 2>/dev/null | head -1)
if [[ -n $lib ]]; then
    ms=$(median_ms "$RUNS" "$XBUILD" inspect "$lib")
    printf 'inspect %-59s %8s ms  (%d KiB)\n' "$(basename "$lib")" "$ms" $(( $(stat -c %s "$lib") / 1024 ))
fi
