# Must show 2: a file written inside the sandbox outside a rw bind does not appear on the host
# or in the cache; a rw bind is written through, a read-only bind is not writable.
source "$(dirname "$0")/lib.sh"

marker="xbuild-isolation-$$-$RANDOM"
mkdir -p "$WORK/rw" "$WORK/ro"
echo original >"$WORK/ro/file"

"$XBUILD" sandbox run --bind "$WORK/rw:/out" -- touch "/etc/$marker" "/usr/bin/$marker" "/$marker" "/tmp/$marker" "/out/$marker"
"$XBUILD" sandbox run -- cp /etc/os-release "/etc/$marker.copy"

[[ -e "$WORK/rw/$marker" ]] || fail "the rw bind was not written through"
pass "rw bind is written through"
for path in "/etc/$marker" "/usr/bin/$marker" "/$marker" "/tmp/$marker" "/etc/$marker.copy"; do
    [[ ! -e "$path" ]] || fail "$path leaked onto the host"
done
pass "writes outside binds do not reach the host"
# (find may meet directories that stage builds of other tests remove meanwhile: its exit code is
# not the point, what it prints is.)
found=$( (find "$XBUILD_CACHE" -name "$marker*" 2>/dev/null || true) | head -1)
expect_eq "$found" "" "writes do not reach the rootfs cache"

# A fresh sandbox does not see the previous sandbox's writes.
code=0
"$XBUILD" sandbox run -- ls "/etc/$marker" >/dev/null 2>&1 || code=$?
[[ $code -ne 0 ]] || fail "a write of one sandbox run is visible in the next"
pass "each run starts from the pristine rootfs"

code=0
"$XBUILD" sandbox run --bind "$WORK/ro:/in:ro" -- touch /in/new 2>/dev/null || code=$?
[[ $code -ne 0 && ! -e "$WORK/ro/new" ]] || fail "a read-only bind was writable"
pass "read-only bind refuses writes"
out=$("$XBUILD" sandbox run --bind "$WORK/ro:/in:ro" -- cat /in/file)
expect_eq "$out" original "read-only bind is readable"
# Binds under the sandbox's own /tmp and /dev go on top of them, not under (hidden by) them.
out=$("$XBUILD" sandbox run --bind "$WORK/ro:/tmp/in:ro" --bind "$WORK/rw:/dev/out" -- cat /tmp/in/file)
expect_eq "$out" original "a bind at /tmp/in is visible (the sandbox's /tmp is mounted first)"
out=$("$XBUILD" sandbox run --bind "$WORK/ro:/tmp/in:ro" --bind "$WORK/ro:/dev/in" -- ls /dev/in)
expect_eq "$out" file "a bind at /dev/in is visible (the sandbox's /dev is mounted first)"
expect_error "bind over /proc" "may not be /, /proc or under /proc" "$XBUILD" sandbox run --bind "$WORK/ro:/proc/sys/kernel" -- true

# The sandbox has its own hostname, pid namespace and a minimal /dev.
out=$("$XBUILD" sandbox run -- cat /proc/sys/kernel/hostname)
expect_eq "$out" xbuild "own uts namespace"
out=$("$XBUILD" sandbox run -- cat /proc/self/stat | cut -d' ' -f1)
expect_eq "$out" 2 "CMD is PID 2 under the sandbox's init"
out=$("$XBUILD" sandbox run -- ls /dev | tr '\n' ' ')
expect_eq "$out" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero " "minimal /dev"
# A symlink in a bind target path resolves inside the rootfs, never on the host.
out=$("$XBUILD" sandbox run --bind "$WORK/rw:/lib/$marker-dir" -- ls -d "/usr/lib/$marker-dir")
expect_eq "$out" "/usr/lib/$marker-dir" "bind through the rootfs's /lib symlink lands inside the rootfs"
[[ ! -e "/usr/lib/$marker-dir" && ! -e "/lib/$marker-dir" ]] || fail "bind target created on the host"
# Stray file descriptors of the caller do not reach CMD.
out=$(exec 7</etc/hostname; "$XBUILD" sandbox run -- ls /proc/self/fd | tr '\n' ' ')
expect_eq "$out" "0 1 2 3 " "only stdio (and ls's own directory fd) are open"
