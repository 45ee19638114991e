# The compile cache (ccache in the toolchain stages): PyYAML 6.0.2 (its libyaml extension, made by
# Cython) is built for x86_64 and arm64, one Python file is edited, and the rebuild of both arches
# compiles nothing: ccache's own statistics, read with the stage's ccache, show every compile a hit.
# With XBUILD_CCACHE=0 the build runs without it.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
export XBUILD_FIXTURE_CACHE=${XBUILD_FIXTURE_CACHE:-$XBUILD_CACHE/../fixture-cache}
src=$("$root/tests/fetch_fixture.sh" pyyaml "$WORK/src")
export XBUILD_BUILD_PACKAGES=libyaml-dev XBUILD_ENVIRONMENT="PYYAML_FORCE_CYTHON=1 PYYAML_FORCE_LIBYAML=1"
export XBUILD_TEST_COMMAND="python3 -c \"import yaml; assert yaml.__with_libyaml__; print(yaml.__version__)\""

# build OUT: both arches of cp313; sets LOGS to the two build logs.
build() {
    run_capture "$XBUILD" wheels "$src" --arch x86_64,arm64 --python 3.13 -o "$WORK/$1" --json
    [[ $CODE -eq 0 ]] || fail "$1: $ERR"
    mapfile -t LOGS < <(python3 -c 'import json,sys; [print(o["log"]) for o in json.load(sys.stdin)]' <<<"$OUT")
    [[ ${#LOGS[@]} -eq 2 ]] || fail "$1: expected two outcomes: $OUT"
}
# stats DIR: ccache's counters of that cache directory, as "hits misses" (the stage's own ccache).
stats() {
    "$XBUILD" -q sandbox run --kind toolchain --bind "$1:/ccache" --env CCACHE_DIR=/ccache -- \
        ccache --print-stats | awk -F'\t' '
            $1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { hits += $2 }
            $1 == "cache_miss" { misses += $2 }
            END { print hits + 0, misses + 0 }'
}

# A source no earlier run built (the result cache would answer instead of building).
echo "# $WORK" >>"$src/lib/yaml/__init__.py"
build first
declare -A dirs
for log in "${LOGS[@]}"; do
    dir=$(sed -n 's/^# compile cache: //p' "$log")
    [[ -d $dir ]] || fail "no compile cache directory in $log: '$dir'"
    dirs[$(basename "$log" .log)]=$dir
done
[[ ${dirs[cp313-manylinux_x86_64]} != "${dirs[cp313-manylinux_aarch64]}" ]] || fail "both arches share one compile cache"
for id in cp313-manylinux_x86_64 cp313-manylinux_aarch64; do
    read -r hits misses < <(stats "${dirs[$id]}")
    [[ $misses -ge 1 ]] || fail "$id: the first build compiled nothing through ccache (hits $hits, misses $misses)"
    "$XBUILD" -q sandbox run --kind toolchain --bind "${dirs[$id]}:/ccache" --env CCACHE_DIR=/ccache -- ccache -z >/dev/null
    echo "info: $id first build: $misses compiles cached"
done
pass "the first build compiled through ccache, one cache per arch"

echo "# edited" >>"$src/lib/yaml/__init__.py"
build edited
grep -q '^# edited' <(unzip -p "$WORK"/edited/*x86_64.whl yaml/__init__.py) || fail "the rebuild did not take the edit"
for id in cp313-manylinux_x86_64 cp313-manylinux_aarch64; do
    read -r hits misses < <(stats "${dirs[$id]}")
    [[ $misses -eq 0 && $hits -ge 1 ]] || fail "$id: the rebuild after a Python edit missed ccache (hits $hits, misses $misses)"
    pass "$id: the rebuild hit ccache for every compile ($hits hits, 0 misses)"
done

# A fleet: redis-server as ccache's remote storage (XBUILD_CCACHE_REMOTE; the sandbox has no network, xbuild
# relays). Machine A (a copy of the source elsewhere: new local compile caches) compiles and fills redis;
# machine B (another copy) compiles nothing: every compile is a remote hit.
command -v redis-server >/dev/null || fail "redis-server is not installed (./bootstrap installs it)"
port=$(free_port)
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no >"$WORK/redis.log" 2>&1 &
cleanup_hooks+=("kill $! 2>/dev/null")
for _ in $(seq 50); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
redis-cli -p "$port" ping | grep -q PONG || fail "redis-server did not start: $(tail -3 "$WORK/redis.log")"
export XBUILD_CCACHE_REMOTE="redis://127.0.0.1:$port"
# remote_stats DIR: "remote hits, misses" of that cache directory.
remote_stats() {
    "$XBUILD" -q sandbox run --kind toolchain --bind "$1:/ccache" --env CCACHE_DIR=/ccache -- \
        ccache --print-stats | awk -F'\t' '
            $1 == "remote_storage_hit" { hits += $2 }
            $1 == "cache_miss" { misses += $2 }
            END { print hits + 0, misses + 0 }'
}
for machine in a b; do
    rm -rf "$WORK/$machine" && cp -r "$src" "$WORK/$machine"
    echo "# machine $machine" >>"$WORK/$machine/lib/yaml/__init__.py"  # not a result-cache hit
    src_saved=$src src="$WORK/$machine"
    build "remote-$machine"
    src=$src_saved
    for log in "${LOGS[@]}"; do
        read -r hits misses < <(remote_stats "$(sed -n 's/^# compile cache: //p' "$log")")
        id=$(basename "$log" .log)
        if [[ $machine == a ]]; then
            [[ $misses -ge 1 ]] || fail "machine a, $id: nothing compiled (remote hits $hits, misses $misses)"
        else
            [[ $misses -eq 0 && $hits -ge 1 ]] || fail "machine b, $id: not every compile came from redis (remote hits $hits, misses $misses)"
            pass "machine b, $id: every compile a remote hit through redis ($hits hits, 0 misses)"
        fi
    done
done
[[ $(redis-cli -p "$port" dbsize) -ge 2 ]] || fail "redis holds no ccache entries"
unset XBUILD_CCACHE_REMOTE
expect_error "an unserved remote" "XBUILD_CCACHE_REMOTE=http://127.0.0.1:1/: only redis://HOST[:PORT]" \
    env XBUILD_CCACHE_REMOTE=http://127.0.0.1:1/ "$XBUILD" wheels "$WORK/b" --arch x86_64 --python 3.13 -o "$WORK/bad-remote"

# Off: no compile cache directory, the build still works.
echo "# off" >>"$src/lib/yaml/__init__.py"
XBUILD_CCACHE=0 build off
grep -q '^# compile cache: off$' "${LOGS[0]}" || fail "XBUILD_CCACHE=0 still used a compile cache"
pass "XBUILD_CCACHE=0 builds without ccache"
