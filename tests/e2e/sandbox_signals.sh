# Must show 7: `kill -INT` of a running `xbuild sandbox run -- sleep 100` leaves no process
# and no mount behind; so does SIGKILL of xbuild (the sandbox dies with it).
source "$(dirname "$0")/lib.sh"

"$XBUILD" sandbox run -- true  # warm the stage so the sandbox starts at once
# A sandbox mounts its root and binds below the cache's mnt/ in its own mount namespace: none of them
# may show on the host. (Stage builds of tests running beside this one mount below rootfs/, and the
# host's mount count is theirs to change.)
cache_mnt=$(realpath -m "$XBUILD_CACHE/mnt")  # mountinfo shows resolved paths
sandbox_mounts() { grep -F -- "$cache_mnt" /proc/self/mountinfo || true; }
expect_eq "$(sandbox_mounts)" "" "no sandbox mount on the host before the runs"

n=0
for sig in INT TERM KILL; do
    # A unique duration tags this run's sleep in the host's process list.
    n=$((n + 1))
    tag="sleep 7${n}$$"
    "$XBUILD" sandbox run -- $tag 2>/dev/null &
    xb=$!
    for _ in $(seq 200); do pgrep -fx "$tag" >/dev/null && break; sleep 0.05; done
    pgrep -fx "$tag" >/dev/null || fail "sleep did not start"
    kill -"$sig" "$xb"
    code=0
    wait "$xb" || code=$?
    case $sig in
        INT) expect_eq "$code" 130 "xbuild exits 130 on SIGINT" ;;
        TERM) expect_eq "$code" 143 "xbuild exits 143 on SIGTERM" ;;
        KILL) expect_eq "$code" 137 "xbuild was killed" ;;
    esac
    for _ in $(seq 100); do pgrep -fx "$tag" >/dev/null || break; sleep 0.05; done
    left=$(pgrep -afx "$tag" || true)
    expect_eq "$left" "" "no process left after SIG$sig"
    expect_eq "$(sandbox_mounts)" "" "no sandbox mount left on the host after SIG$sig"
done

# A child that ignores SIGTERM and SIGINT still dies with the sandbox.
tag="sleep 79$$"
"$XBUILD" sandbox run --packages bash -- bash -c "trap '' TERM INT; $tag; :" 2>/dev/null &
xb=$!
for _ in $(seq 400); do pgrep -fx "$tag" >/dev/null && break; sleep 0.05; done
pgrep -fx "$tag" >/dev/null || fail "the stubborn sleep did not start"
kill -INT "$xb"
wait "$xb" || true
for _ in $(seq 100); do pgrep -fx "$tag" >/dev/null || break; sleep 0.05; done
expect_eq "$(pgrep -afx "$tag" || true)" "" "a child ignoring signals is killed with the sandbox"
