# `xbuild cache ls` and `xbuild cache prune [--older-than]`.
source "$(dirname "$0")/lib.sh"

export XBUILD_CACHE="$WORK/cache"
"$XBUILD" sandbox run -- true
"$XBUILD" sandbox run --arch arm64 -- true
out=$("$XBUILD" cache ls)
expect_contains "$out" "trixie/$(host_deb_arch) runtime" "ls lists the host stage"
expect_contains "$out" "trixie/arm64 runtime" "ls lists the arm64 stage"
expect_contains "$out" "2 entries" "ls counts entries"

# Age one entry: prune --older-than removes only it.
old=$(ls "$XBUILD_CACHE/rootfs" | head -1)
touch -d '10 days ago' "$XBUILD_CACHE/rootfs/$old"
out=$("$XBUILD" cache prune --older-than 7d)
expect_contains "$out" "removed 1 entries" "prune --older-than 7d removes the old entry"
[[ ! -e "$XBUILD_CACHE/rootfs/$old" ]] || fail "the old entry is still there"
expect_eq "$(cache_entries)" 1 "the recent entry stays"

# A partial build left by a killed process is removed by prune.
mkdir -p "$XBUILD_CACHE/rootfs/.build-0123456789abcdef01234567-XXXXXX/root"
out=$("$XBUILD" cache prune)
expect_contains "$out" "removed 1 entries" "prune without a limit removes the rest"
expect_eq "$(cache_entries)" 0 "prune removed the partial build too"
