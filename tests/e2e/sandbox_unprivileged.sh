# Must show 5: the same commands work as an unprivileged user (user namespaces, a cache
# of that user's own, rootfs extracted without root).
source "$(dirname "$0")/lib.sh"

[[ $(id -u) -eq 0 ]] || fail "this test switches to user nobody and needs root"
cache="$WORK/nobody-cache"
mkdir -p "$cache" "$WORK/out"
chown nobody "$cache" "$WORK/out"
as_nobody() {
    setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env \
        env XBUILD_CACHE="$cache" HOME="$WORK" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin "$@"
}

out=$(as_nobody "$XBUILD" sandbox run --arch arm64 -- uname -m)
expect_eq "$out" aarch64 "uname -m in an arm64 sandbox as nobody"
out=$(as_nobody "$XBUILD" sandbox run -- uname -m)
expect_eq "$out" "$(uname -m)" "uname -m in a host-arch sandbox as nobody"
out=$(as_nobody "$XBUILD" sandbox run -- id -u)
expect_eq "$out" 0 "nobody is mapped to root inside"

marker="xbuild-nobody-$$"
as_nobody "$XBUILD" sandbox run --bind "$WORK/out:/out" -- touch "/etc/$marker" "/out/$marker"
[[ -e "$WORK/out/$marker" ]] || fail "rw bind not written as nobody"
owner=$(stat -c %U "$WORK/out/$marker")
expect_eq "$owner" nobody "files written through a bind belong to the calling user"
[[ -z $(find "$cache" -name "$marker" | head -1) ]] || fail "a write reached nobody's cache"
pass "writes outside binds do not reach the cache (unprivileged)"

# The cache entries really belong to nobody (no root helper was involved).
owner=$(stat -c %U "$(find "$cache/rootfs" -mindepth 1 -maxdepth 1 | head -1)")
expect_eq "$owner" nobody "rootfs cache entries are owned by nobody"
# Without --net there is still no host network for an unprivileged sandbox.
out=$(as_nobody "$XBUILD" sandbox run -- cat /proc/net/dev | tail -n +3 | awk -F: '{gsub(/ /,"",$1); print $1}' | tr '\n' ' ')
expect_eq "$out" "lo " "only loopback in an unprivileged sandbox"
