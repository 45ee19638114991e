# Shared by the benchmarks (sourced).

# bench_init: what the benchmarks run in: the built xbuild ($XBUILD), the test suite's rootfs and
# fixture caches (warm stages are reused), Debian's python3 ($PY), and a scratch directory $work
# removed on exit.
bench_init() {
    XBUILD=${XBUILD:-$PWD/build/xbuild}
    export XBUILD_CACHE=${XBUILD_CACHE:-$PWD/build/test-cache}
    export XBUILD_FIXTURE_CACHE=${XBUILD_FIXTURE_CACHE:-$PWD/build/fixture-cache}
    PY=/usr/bin/python3
    work=$(mktemp -d /tmp/xbuild-bench.XXXXXX)
    trap 'rm -rf "$work"' EXIT
}

# median_ms RUNS CMD...: runs CMD once to warm up, then RUNS times, and prints the median wall
# time in milliseconds. $EPOCHREALTIME (bash 5) costs no fork, unlike $(date).
median_ms() {
    local runs=$1
    shift
    "$@" >/dev/null 2>&1
    local times=() i start end
    for ((i = 0; i < runs; i++)); do
        start=${EPOCHREALTIME/./}
        "$@" >/dev/null 2>&1
        end=${EPOCHREALTIME/./}
        times+=($((end - start)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1e3}'
}

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# bench_project NAME: the pybind11 sample or PyYAML 6.0.2 (fetched into $work/fixtures first): sets
# $project_dir and the build settings PyYAML's upstream CI passes (its libyaml extension, by Cython).
bench_project() {
    export XBUILD_ENVIRONMENT="PYYAML_FORCE_CYTHON=1 PYYAML_FORCE_LIBYAML=1"
    if [[ $1 == pyyaml ]]; then
        project_dir="$work/fixtures/pyyaml"
        export XBUILD_BUILD_PACKAGES=libyaml-dev
    else
        project_dir=recipes/samples/$1
        unset XBUILD_BUILD_PACKAGES
    fi
}

# host_mirror: the first Debian mirror of the host's apt sources that is not a security mirror.
host_mirror() {
    "$PY" - <<'PY'
import glob, re
for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*")):
    try:
        text = open(path).read()
    except OSError:
        continue
    for uri in re.findall(r"(?m)^URIs:\s*(\S+)", text) + re.findall(r"(?m)^deb\s+(?:\[[^\]]*\]\s+)?(\S+)", text):
        if "security" not in uri:
            print(uri)
            raise SystemExit
PY
}
