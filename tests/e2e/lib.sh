# Shared helpers of the end-to-end tests (sourced). Set by ctest: XBUILD (the binary),
# XBUILD_CACHE (the rootfs cache shared by all tests), XBUILD_TEST_TMP (scratch space).
set -euo pipefail

: "${XBUILD:?run through ctest (XBUILD unset)}"
: "${XBUILD_CACHE:?}"
: "${XBUILD_TEST_TMP:=/tmp/xbuild-test-tmp}"
export XBUILD_CACHE
# The independent validators are Debian's (python3 with the wheel module, readelf), not
# whatever a version manager put first in PATH.
export PATH="/usr/bin:/usr/sbin:$PATH"
mkdir -p "$XBUILD_TEST_TMP" "$XBUILD_CACHE"
chmod 755 "$XBUILD_TEST_TMP"

TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "$XBUILD_TEST_TMP/$TEST_NAME.XXXXXX")
chmod 755 "$WORK"
cleanup_hooks=()
on_exit() {
    local hook
    for hook in "${cleanup_hooks[@]}"; do eval "$hook" || true; done
    rm -rf --one-file-system "$WORK"  # never into a mount a failed test left behind
}
trap on_exit EXIT

fail() {
    echo "FAIL [$TEST_NAME]: $*" >&2
    exit 1
}
pass() { echo "ok   [$TEST_NAME]: $*"; }

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
    [[ "$1" == "$2" ]] || fail "$3: expected '$2', got '$1'"
    pass "$3"
}

# expect_contains HAYSTACK NEEDLE WHAT
expect_contains() {
    [[ "$1" == *"$2"* ]] || fail "$3: '$2' not in: $1"
    pass "$3"
}

# run_err VAR_OUT VAR_ERR VAR_CODE CMD...: runs CMD capturing stdout, stderr and exit code.
run_capture() {
    local out_file="$WORK/.out" err_file="$WORK/.err" code=0
    "$@" >"$out_file" 2>"$err_file" || code=$?
    OUT=$(cat "$out_file")
    ERR=$(cat "$err_file")
    CODE=$code
}

# expect_error WHAT NEEDLE CMD...: CMD must exit non-zero and print exactly one error line,
# "xbuild: error: ..." containing NEEDLE (progress lines such as "xbuild: building ..." may
# precede it). The error line is left in ERR.
expect_error() {
    local what=$1 needle=$2
    shift 2
    run_capture "$@"
    [[ $CODE -ne 0 ]] || fail "$what: exit code 0 (stdout: $OUT)"
    local errors
    errors=$(printf '%s\n' "$ERR" | grep -c '^xbuild: error: ' || true)
    [[ $errors -eq 1 ]] || fail "$what: expected one 'xbuild: error:' line, got $errors: $ERR"
    local others
    others=$(printf '%s\n' "$ERR" | grep -v '^xbuild: ' | grep -c . || true)
    [[ $others -eq 0 ]] || fail "$what: unexpected stderr output: $ERR"
    ERR=$(printf '%s\n' "$ERR" | grep '^xbuild: error: ')
    [[ "$ERR" == *"$needle"* ]] || fail "$what: '$needle' not in: $ERR"
    pass "$what -> $ERR"
}

# Number of complete and partial rootfs entries in a cache directory.
cache_entries() {
    local dir=${1:-$XBUILD_CACHE}
    find "$dir/rootfs" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

# binary_copy DEST: a copy of the xbuild binary whose cached results are its own (the binary's
# content is an input of every result key): bytes after the ELF image change the hash, not the program.
binary_copy() {
    cp "$XBUILD" "$1"
    printf 'xbuild-test-copy %s %s\n' "$1" "$RANDOM$RANDOM" >>"$1"
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now (for the servers a test starts).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

host_deb_arch() { dpkg --print-architecture; }
foreign_arch() { if [[ $(host_deb_arch) == amd64 ]]; then echo arm64; else echo amd64; fi; }
uname_of() { case $1 in amd64) echo x86_64 ;; arm64) echo aarch64 ;; *) echo "$1" ;; esac; }

# expect_floor FILE WHAT: binutils' readelf (independent of xbuild) reads FILE's needed symbol
# versions; none may be newer than the default floor's: GLIBC_2.31, GLIBCXX_3.4.28, CXXABI_1.3.12
# (bullseye's glibc and GCC 10's libstdc++).
expect_floor() {
    local file=$1 what=$2 versions
    versions=$(readelf -V --wide "$file" | grep -oE '(GLIBC|GLIBCXX|CXXABI)_[0-9.]+' | sort -u) ||
        fail "$what: readelf -V failed on $file"
    python3 - "$versions" "$what" <<'PY' || fail "$what: needs more than the 2.31 floor: $(tr '\n' ' ' <<<"$versions")"
import sys
limits = {"GLIBC": (2, 31), "GLIBCXX": (3, 4, 28), "CXXABI": (1, 3, 12)}
for item in sys.argv[1].split():
    name, _, version = item.partition("_")
    if tuple(int(x) for x in version.split(".")) > limits[name]:
        sys.exit(1)
PY
    pass "$what: $(tr '\n' ' ' <<<"$versions" | sed 's/ $//') (<= GLIBC_2.31, GLIBCXX_3.4.28, CXXABI_1.3.12)"
}

# kill_host_mid_build PID HOST MARKER OUTPUT: PID is a Python or Node process (HOST names it, its output
# in $WORK/kill.out) whose build touches $WORK/building when it starts compiling and then runs
# `sleep MARKER`. Once both are seen, PID is SIGKILLed (no handler runs): no process of its build may
# outlive it, and OUTPUT must hold nothing.
kill_host_mid_build() {
    local pid=$1 host=$2 marker=$3 output=$4
    cleanup_hooks+=("kill -9 $pid 2>/dev/null")
    for _ in $(seq 600); do [[ -e $WORK/building ]] && pgrep -f "sleep $marker" >/dev/null && break; sleep 0.5; done
    pgrep -f "sleep $marker" >/dev/null || fail "the slow build never started: $(cat "$WORK/kill.out")"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    for _ in $(seq 20); do pgrep -f "sleep $marker|__sandbox-helper" >/dev/null || break; sleep 0.5; done
    ! pgrep -f "sleep $marker" >/dev/null || fail "the build's process outlived the killed $host process"
    [[ -z $(ls -A "$output" 2>/dev/null) ]] || fail "the killed build left output: $(ls -A "$output")"
    pass "killing the $host process mid-build left no sandbox process and no output"
}

# check_floor_elves DIR MACHINE FLOOR LIBS: every ELF file below DIR must be of MACHINE (readelf's name:
# AArch64, X86-64), need no GLIBC_ version above 2.FLOOR, and need only the C library or a library in
# LIBS (a directory, or "beside" for the file's own directory: what was grafted). Sets ELVES (how many)
# and NEWEST (the highest 2.N needed, as N).
check_floor_elves() {
    local dir=$1 expected=$2 floor=$3 libs=$4 file machine glibc needed lib where
    ELVES=0 NEWEST=0
    while IFS= read -r -d '' file; do
        [[ $(head -c4 "$file" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] || continue
        ELVES=$((ELVES + 1))
        machine=$(readelf -h "$file" | awk '/Machine:/{print $NF}')
        [[ $machine == "$expected" ]] || fail "${file#$dir/}: machine $machine, not $expected"
        glibc=$(readelf -V --wide "$file" | grep -o 'GLIBC_2\.[0-9]*' | sort -t. -k2 -n | tail -1)
        glibc=${glibc:-GLIBC_2.0}
        [[ ${glibc#GLIBC_2.} -le $floor ]] || fail "${file#$dir/} needs $glibc (floor 2.$floor)"
        if ((${glibc#GLIBC_2.} > NEWEST)); then NEWEST=${glibc#GLIBC_2.}; fi
        where=$([[ $libs == beside ]] && dirname "$file" || echo "$libs")
        needed=$(readelf -d "$file" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
        for lib in $needed; do
            [[ $lib =~ ^(libc|libm|libpthread|libdl|librt|ld-linux-[a-z0-9-]*)\.so || -f $where/$lib ]] ||
                fail "${file#$dir/} needs $lib, neither the C library nor grafted"
        done
    done < <(find "$dir" -type f -print0)
}
