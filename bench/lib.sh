# Shared by the benchmarks (sourced).

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
