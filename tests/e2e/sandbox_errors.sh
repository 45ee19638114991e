# Must show 6: bad input (unknown suite, arch or package; unwritable cache; missing binfmt)
# gives a one-line error naming it, a non-zero exit, and nothing left in the cache.
source "$(dirname "$0")/lib.sh"

export XBUILD_CACHE="$WORK/cache"
mkdir -p "$XBUILD_CACHE"

expect_error "unknown suite" "unknown suite 'buster'" "$XBUILD" sandbox run --suite buster -- true
expect_error "unknown arch" "unknown architecture 'sparc'" "$XBUILD" sandbox run --arch sparc -- true
expect_error "unknown kind" "unknown stage kind 'builder'" "$XBUILD" sandbox run --kind builder -- true
expect_error "target on a runtime stage" "--target arm64 needs --kind toolchain" "$XBUILD" sandbox run --target arm64 -- true
expect_error "bad bind" "/nonexistent-src" "$XBUILD" sandbox run --bind /nonexistent-src:/x -- true
expect_error "bad env" "invalid --env 'NOVALUE'" "$XBUILD" sandbox run --env NOVALUE -- true
expect_error "relative workdir" "must be an absolute path" "$XBUILD" sandbox run --workdir rel -- true
expect_error "bad duration" "invalid duration '7y'" "$XBUILD" cache prune --older-than 7y
expect_eq "$(cache_entries)" 0 "nothing in the cache after argument errors"

tmp_logs_before=$(ls /tmp | grep -c '^xbuild-stage-' || true)
expect_error "unknown package" "unknown package 'xbuild-no-such-package' in trixie/arm64 runtime" \
    "$XBUILD" sandbox run --arch arm64 --packages xbuild-no-such-package -- true
# mmdebstrap's log of the failed stage is kept under the cache, never at a predictable /tmp path.
[[ $ERR =~ \(log:\ ([^\)]*)\) ]] || fail "the error names no log: $ERR"
log=${BASH_REMATCH[1]}
[[ $log == "$XBUILD_CACHE/logs/stages/"*.log && -f $log && ! -L $log ]] || fail "the stage log is not a file under the cache: $log"
grep -q "xbuild-no-such-package" "$log" || fail "the kept log does not show apt's error: $log"
expect_eq "$(ls /tmp | grep -c '^xbuild-stage-' || true)" "$tmp_logs_before" "no stage log written to /tmp"
expect_eq "$(cache_entries)" 0 "no rootfs (complete or partial) left after an unknown package"
expect_eq "$(ls "$XBUILD_CACHE/locks" | wc -l)" 0 "no lock file left after an unknown package"

expect_error "command not in the rootfs" "command 'no-such-cmd' not found" "$XBUILD" sandbox run -- no-such-cmd
expect_error "missing workdir" "workdir /no/such/dir" "$XBUILD" sandbox run --workdir /no/such/dir -- true

# An unwritable cache (as an unprivileged user: root can write anywhere).
ro_cache="$WORK/ro-cache"
mkdir -p "$ro_cache"
chmod 555 "$ro_cache"
expect_error "unwritable cache" "cache directory $ro_cache/sub is not writable" \
    setpriv --reuid=nobody --regid=nogroup --clear-groups env XBUILD_CACHE="$ro_cache/sub" "$XBUILD" sandbox run -- true
[[ ! -e "$ro_cache/sub" ]] || fail "something was created in the unwritable cache"

# A missing binfmt entry: hide binfmt_misc in a private mount namespace (the host's stays).
foreign=$(foreign_arch)
qemu=$(uname_of "$foreign")
entries_before=$(cache_entries)
expect_error "missing binfmt" "qemu-$qemu" \
    unshare -m sh -c "mount -t tmpfs none /proc/sys/fs/binfmt_misc && exec \"\$0\" \"\$@\"" \
    "$XBUILD" sandbox run --arch "$foreign" --packages hello -- hello
expect_contains "$ERR" "update-binfmts --enable qemu-$qemu" "the binfmt error says how to fix it"
expect_eq "$(cache_entries)" "$entries_before" "nothing added to the cache after a missing binfmt"
