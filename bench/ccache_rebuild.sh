#!/usr/bin/env bash
# The compile cache on a one-file edit (a line added to setup.py: the source changes, the C/C++ files
# do not): the arm64 (cross) build step of the pybind11 sample and of PyYAML 6.0.2, rebuilt with
# ccache (the cache warm from the build before the edit) and with XBUILD_CCACHE=0, in one run.
# Prints both build times and their ratio per project.
# Usage: bench/ccache_rebuild.sh   (the first run builds the stages)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_init
tests/fetch_fixture.sh pyyaml "$work/fixtures" >/dev/null

# build_seconds DIR: one cp313 arm64 wheel of DIR after a one-line edit; prints the build step's seconds.
build_seconds() {
    echo "# bench $(date +%s%N)" >>"$1/setup.py"
    "$XBUILD" -q wheels "$1" --arch arm64 --python 3.13 -o "$work/out" --json |
        "$PY" -c 'import json,sys; d=json.load(sys.stdin)[0]; assert d["ok"], d; print("%.2f" % d["build_seconds"])'
}

for project in pybind-sample pyyaml; do
    bench_project "$project"
    src=$project_dir
    # A path of its own: the compile cache is per project (and stage), so it starts cold here.
    dir="$work/$project"
    cp -r "$src" "$dir"
    build_seconds "$dir" >/dev/null  # stages and the compile cache warm (untimed)
    cached=$(build_seconds "$dir")
    uncached=$(XBUILD_CCACHE=0 build_seconds "$dir")
    echo "$project (cp313 arm64 build step after a one-file edit):"
    echo "  with ccache ${cached}s, without ${uncached}s"
    echo "  without / with: $(ratio "$uncached" "$cached")x  (target >= 1.5x)"
done
