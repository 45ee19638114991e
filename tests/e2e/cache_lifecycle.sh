# Must show (issue #10): two concurrent builds on one empty cache both succeed and build the stage once;
# `xbuild cache prune` during a running sandbox keeps the sandbox's stage (and says so) and the sandbox
# finishes; `kill -9` of xbuild during a rootfs build leaves no process and no mount behind, and an
# immediate rerun succeeds with a consistent cache. Private caches: this test prunes and kills.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
host=$(host_deb_arch)
shared_cache=$XBUILD_CACHE

# ---- two concurrent sandbox runs on one empty cache ----
export XBUILD_CACHE="$WORK/cache"
"$XBUILD" sandbox run -- echo one >"$WORK/c1.out" 2>"$WORK/c1.err" &
c1=$!
"$XBUILD" sandbox run -- echo two >"$WORK/c2.out" 2>"$WORK/c2.err" &
c2=$!
wait $c1 || fail "the first concurrent run failed: $(cat "$WORK/c1.err")"
wait $c2 || fail "the second concurrent run failed: $(cat "$WORK/c2.err")"
expect_eq "$(cat "$WORK/c1.out") $(cat "$WORK/c2.out")" "one two" "two concurrent runs on an empty cache both succeed"
expect_eq "$(cat "$WORK/c1.err" "$WORK/c2.err" | grep -c 'building rootfs.*: done')" 1 "the stage was built once"
expect_eq "$(cache_entries)" 1 "one stage entry, no partial build"
key=$(ls "$XBUILD_CACHE/rootfs")

# ---- prune while a sandbox uses the stage ----
tag="sleep 4.$$"  # a unique duration tags this run's sleep in the host's process list
"$XBUILD" sandbox run -- $tag >"$WORK/a.out" 2>"$WORK/a.err" &
sb=$!
for _ in $(seq 200); do pgrep -fx "$tag" >/dev/null && break; sleep 0.05; done
pgrep -fx "$tag" >/dev/null || fail "the sandbox's sleep did not start: $(cat "$WORK/a.err")"
out=$("$XBUILD" cache prune)
expect_contains "$out" "kept $key trixie/$host runtime: in use" "prune keeps the stage a running sandbox uses, and says so"
expect_contains "$out" "removed 0 entries" "prune removes nothing else"
[[ -f $XBUILD_CACHE/rootfs/$key/stage.json ]] || fail "the stage in use lost its stage.json"
wait $sb || fail "the sandbox failed after the prune: $(cat "$WORK/a.err")"
pass "the sandbox finished successfully"
out=$("$XBUILD" cache prune)
expect_contains "$out" "removed 1 entries" "prune after the sandbox removes the stage"
expect_eq "$(cache_entries)" 0 "the cache is empty"

# ---- kill -9 of xbuild while mmdebstrap builds a rootfs, then an immediate rerun ----
export XBUILD_CACHE="$WORK/cache-kill"
mark="xbuild-lifecycle-$$"
cache_path=$(realpath -m "$XBUILD_CACHE")  # mountinfo and command lines show resolved paths
# An extract-only stage takes mmdebstrap a few seconds: under the mark, a wrapper holds the build in an
# extract hook (a grandchild of xbuild, with /dev/pts and /dev/shm mounted in the tree by mmdebstrap)
# long enough that an orphaned build could not have finished by itself when the test looks.
mkdir -p "$WORK/bin"
real=$(command -v mmdebstrap)
cat >"$WORK/bin/mmdebstrap" <<SH
#!/bin/sh
[ -n "\$XBUILD_LIFECYCLE_MARK" ] && exec "$real" --extract-hook='sleep 60' "\$@"
exec "$real" "\$@"
SH
chmod +x "$WORK/bin/mmdebstrap"
export PATH="$WORK/bin:$PATH"
# Processes started by that xbuild: they inherit XBUILD_LIFECYCLE_MARK, or name the cache directory.
tagged() {
    { grep -lsz "^XBUILD_LIFECYCLE_MARK=$mark\$" /proc/[0-9]*/environ | cut -d/ -f3
      pgrep -f -- "$cache_path/" || true; } | sort -u | while read -r pid; do
        [[ -n $pid && $pid != "$xb" && $pid != "$BASHPID" ]] || continue
        cmdline=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | cut -c1-120) || continue
        [[ -n $cmdline ]] && echo "$pid $cmdline"
    done || true
}
named() { tagged | awk -v name="$1" '{ n = split($2, p, "/"); if (p[n] == name || $3 ~ "/" name "$") print $1 }'; }
cache_mounts() { grep -F -- "$cache_path" /proc/self/mountinfo || true; }
# Should this test fail, what an orphaned build left must not outlive it: its processes are killed and
# its mounts (the host's /dev/shm among them) detached before the work directory is removed.
cleanup_hooks+=('for p in $(tagged | cut -d" " -f1); do kill -9 "$p"; done; sleep 0.5
    cache_mounts | awk "{ print \$5 }" | sort -r | while read -r m; do umount -l "$m"; done')
XBUILD_LIFECYCLE_MARK=$mark "$XBUILD" sandbox run -- true >"$WORK/k.out" 2>"$WORK/k.err" &
xb=$!
for _ in $(seq 1200); do [[ -n $(named sleep) ]] && break; sleep 0.05; done
[[ -n $(named mmdebstrap) ]] || fail "no mmdebstrap process appeared: $(cat "$WORK/k.err")"
[[ -n $(named sleep) ]] || fail "mmdebstrap did not reach its extract hook: $(cat "$WORK/k.err")"
pass "xbuild started mmdebstrap, which runs its extract hook"
expect_eq "$(cache_mounts)" "" "mmdebstrap's mounts in the tree do not show on the host"
echo "info: processes of the build at the kill: $(tagged | awk '{ n = split($2, p, "/"); printf "%s ", p[n] }')"
kill -9 "$xb"
code=0
wait "$xb" || code=$?
expect_eq "$code" 137 "xbuild was killed"
for _ in $(seq 60); do [[ -z $(tagged) ]] && break; sleep 0.05; done
expect_eq "$(tagged)" "" "within 3 s no process of the killed build is left (mmdebstrap, its hook)"
expect_eq "$(cache_mounts)" "" "no mount below the cache is left on the host"
[[ -n $(find "$XBUILD_CACHE/rootfs" -mindepth 1 -maxdepth 1 -name '.build-*') ]] ||
    fail "the killed build left no partial directory: the rerun's clean-up is not tested"

run_capture "$XBUILD" sandbox run -- echo rerun
[[ $CODE -eq 0 ]] || fail "the rerun after kill -9 failed: $ERR"
expect_eq "$OUT" "rerun" "an immediate rerun after kill -9 succeeds"
out=$("$XBUILD" cache ls)
expect_contains "$out" "trixie/$host runtime" "cache ls lists the rebuilt stage"
expect_contains "$out" "1 entries" "cache ls counts one entry"
expect_eq "$(find "$XBUILD_CACHE/rootfs" -mindepth 1 -maxdepth 1 -name '.*')" "" "no partial build is left"
expect_eq "$(ls "$XBUILD_CACHE/locks")" "" "no lock file is left"
expect_eq "$(tagged)" "" "the rerun left no process behind"

# ---- two concurrent `xbuild wheels` of one project: one builds, the other waits and reuses it ----
# The shared cache (its toolchain stage is the other wheels tests' too; nothing is pruned or killed here),
# and a copy of a sample under a name of its own, so its result is new and its build lock is its own.
export XBUILD_CACHE=$shared_cache
project="$WORK/lifecycle-sample"
cp -r "$root/recipes/samples/yaml-sample" "$project"
sed -i "s/^name = .*/name = \"xbuild-lifecycle-sample\"/" "$project/pyproject.toml"
echo "# $TEST_NAME ${WORK##*/}" >>"$project/pyproject.toml"
"$XBUILD" wheels "$project" --python 3.13 -o "$WORK/wh1" >"$WORK/w1.out" 2>"$WORK/w1.err" &
w1=$!
"$XBUILD" wheels "$project" --python 3.13 -o "$WORK/wh2" >"$WORK/w2.out" 2>"$WORK/w2.err" &
w2=$!
wait $w1 || fail "the first concurrent wheels build failed: $(cat "$WORK/w1.err")"
wait $w2 || fail "the second concurrent wheels build failed: $(cat "$WORK/w2.err")"
pass "two concurrent xbuild wheels of one project both succeed"
expect_eq "$(cat "$WORK/w1.err" "$WORK/w2.err" | grep -c ': building in .*: done')" 1 "the wheel was built once"
expect_contains "$(cat "$WORK/w1.err" "$WORK/w2.err")" "waiting for another xbuild process building cp" \
    "the other process waited for it"
expect_contains "$(cat "$WORK/w1.err" "$WORK/w2.err")" "unchanged, xbuild_lifecycle_sample-1.0.0-" \
    "and took the wheel from the cache"
expect_eq "$(ls "$WORK/wh1")" "$(ls "$WORK/wh2")" "both wheelhouses hold the same wheel"
log=$(sed -n 's/.*"log": "\(.*\)".*/\1/p' <<<"$("$XBUILD" wheels "$project" --python 3.13 -o "$WORK/wh1" --json 2>/dev/null)")
[[ $log == */logs/xbuild-lifecycle-sample/* ]] || fail "the build log is not under logs/<normalized name>: $log"
pass "the build log is under logs/xbuild-lifecycle-sample/"
